from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from customercenter.services import activate_customer
from notifications.services import queue_email


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request, email_address):
        confirmed = super().confirm_email(request, email_address)
        if confirmed and (email_address.primary or email_address.email == email_address.user.email):
            activate_customer(user=email_address.user)
        return confirmed

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails (verification, password reset) go through the outbox like all others."""
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), "")
        queue_email(
            to=email, subject=message.subject, body_text=message.body, body_html=html, topic="account", sensitive=True
        )


class MFAAdapter(DefaultMFAAdapter):
    # allauth's German says "Sie" here; the product says "du".
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": _(
            "Solange die Zwei-Faktor-Authentifizierung aktiv ist, kannst du keine E-Mail-Adresse hinzufügen."
        ),
        "cannot_delete_authenticator": _("Du kannst die Zwei-Faktor-Authentifizierung nicht deaktivieren."),
        "cannot_generate_recovery_codes": _(
            "Wiederherstellungscodes gibt es erst, wenn die Zwei-Faktor-Authentifizierung aktiv ist."
        ),
        "unverified_email": _(
            "Bestätige zuerst deine E-Mail-Adresse, dann kannst du die Zwei-Faktor-Authentifizierung aktivieren."
        ),
    }
