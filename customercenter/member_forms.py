from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from customercenter import members
from customercenter.models import Customer, Invitation, Role, User

ROLE_ERRORS = {"invalid_choice": _("Diese Rolle gibt es nicht.")}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices, initial=Role.TECHNIK, error_messages=ROLE_ERRORS)

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if members.is_member(self.customer, email):
            raise forms.ValidationError(_("%(email)s ist bereits Mitglied dieses Kontos.") % {"email": email})
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rolle"), choices=Role.choices, error_messages=ROLE_ERRORS)


class TechnikSettingForm(forms.Form):
    technik_may_decide = forms.BooleanField(
        label=_("Technik darf Projekte freigeben und Anträge beantworten"), required=False
    )


class InvitationSignupForm(SignupForm):
    """A login for a person invited into an account, and nothing else: no account of its own.

    The address is the invited one. The link was sent to it, so whoever holds a valid link has
    read that mailbox: allauth takes the address as verified (its stash of a verified address),
    and the person joins the account at once with the invited role, all in one transaction.
    """

    name = forms.CharField(label=_("Name"), max_length=200)
    field_order = ["name", "email", "password1", "password2"]

    def __init__(self, *args, invitation: Invitation, token: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation, self.token = invitation, token
        self.fields["email"].label = _("E-Mail-Adresse")
        self.fields["email"].initial = invitation.email
        self.fields["email"].widget.attrs["readonly"] = True

    def clean_email(self) -> str:
        # Compared first, so the form says nothing about any address but the invited one.
        email = self.cleaned_data["email"].strip().lower()
        if email != self.invitation.email.lower():
            raise forms.ValidationError(_("Diese Einladung gilt nur für %(email)s.") % {"email": self.invitation.email})
        email = super().clean_email()
        if self.account_already_exists or User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Zu %(email)s gibt es schon ein Login. Melde dich damit an, um die Einladung anzunehmen.")
                % {"email": email}
            )
        return email

    def signup(self, request, user: User) -> None:
        """allauth's hook for the fields it does not know."""
        user.name = self.cleaned_data["name"].strip()
        user.save(update_fields=["name"])

    def save(self, request) -> User:
        """Raises MemberError (and keeps nothing, inside the caller's transaction) when the
        invitation cannot be accepted any more."""
        adapter = get_adapter()
        adapter.stash_verified_email(request, self.invitation.email)
        try:
            user = super().save(request)
        finally:
            adapter.unstash_verified_email(request)
        members.accept_invitation(token=self.token, person=user)
        return user
