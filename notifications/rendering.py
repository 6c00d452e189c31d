"""Render an e-mail from its templates in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from customercenter import event_params


def render_email(template: str, context: dict, *, language: str | None) -> tuple[str, str, str]:
    """emails/<template>_{subject.txt,message.txt,message.html} as subject, text and HTML."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body_text = render_to_string(f"emails/{template}_message.txt", context)
        body_html = render_to_string(f"emails/{template}_message.html", context)
    return subject_line(subject), body_text, body_html


def subject_line(text: str) -> str:
    """One line, without the full stop that ends the sentence a notification is written as."""
    return " ".join(text.split()).removesuffix(".")[:255]


# What each kind of notification says; `%(name)s` are its parameters (customercenter/event_params.py).
# A kind whose text counts something is a plural form, chosen by its parameter `n`.
NOTIFICATIONS = {
    "request.created": _("%(caretaker)s beantragt die technische Betreuung von %(project)s."),
    "request.accepted": _("Dein Antrag für %(project)s wurde angenommen – du kannst das Projekt jetzt verwalten."),
    "request.declined": _("Dein Antrag für %(project)s wurde abgelehnt."),
    "request.withdrawn": _("%(caretaker)s hat den Antrag für %(project)s zurückgezogen."),
    "request.ended_by_staff": _("Der Support hat deinen Antrag für %(project)s beendet."),
    "requests.lapsed": ngettext_lazy(
        "Ein Antrag ist nach 30 Tagen ohne Antwort verfallen.",
        "%(n)s Anträge sind nach 30 Tagen ohne Antwort verfallen.",
        "n",
    ),
    "release.offered": ngettext_lazy(
        "%(owner)s möchte dir %(n)s Projekt zur technischen Betreuung freigeben.",
        "%(owner)s möchte dir %(n)s Projekte zur technischen Betreuung freigeben.",
        "n",
    ),
    "release.accepted": _("%(caretaker)s hat deine Projektfreigabe für %(projects)s angenommen."),
    "release.declined": _("%(caretaker)s hat deine Projektfreigabe für %(projects)s abgelehnt."),
    "release.undeliverable": _("E-Mail konnte nicht zugestellt werden: Die Projektfreigabe an %(email)s kam nicht an."),
    "releases.lapsed": ngettext_lazy(
        "Ein Freigabe-Link ist abgelaufen, ohne angenommen zu werden. Du kannst ihn neu senden.",
        "%(n)s Freigabe-Links sind abgelaufen, ohne angenommen zu werden. Du kannst sie neu senden.",
        "n",
    ),
    "caretakership.revoked": _("%(owner)s hat deine Betreuung von %(project)s widerrufen."),
    "caretakership.ended": _("%(caretaker)s betreut %(project)s nicht mehr."),
    "caretakership.expiry_changed": _(
        "%(owner)s hat deine Betreuung von %(project)s (Umfang: %(scope)s) geändert: sie gilt jetzt bis %(day)s."
    ),
    "caretakership.expiry_removed": _(
        "%(owner)s hat deine Betreuung von %(project)s (Umfang: %(scope)s) geändert: sie gilt jetzt unbefristet."
    ),
    "caretakership.scope_changed": _("%(owner)s hat den Umfang deiner Betreuung von %(project)s geändert: %(scope)s."),
    "caretakership.ended_by_staff": _(
        "Der Support hat die Betreuung von %(project)s durch %(caretaker)s beendet. Grund: %(reason)s"
    ),
    "caretakerships.expired.owner": ngettext_lazy(
        "Die technische Betreuung eines Projekts ist abgelaufen.",
        "Die technische Betreuung von %(n)s Projekten ist abgelaufen.",
        "n",
    ),
    "caretakerships.expired.caretaker": ngettext_lazy(
        "Deine Betreuung eines Projekts ist abgelaufen.",
        "Deine Betreuung von %(n)s Projekten ist abgelaufen.",
        "n",
    ),
    "caretakerships.ending.owner": ngettext_lazy(
        "Eine technische Betreuung deiner Projekte endet am %(date)s.",
        "%(n)s technische Betreuungen deiner Projekte enden bis zum %(date)s.",
        "n",
    ),
    "caretakerships.ending.caretaker": ngettext_lazy(
        "Eine deiner Betreuungen endet am %(date)s.",
        "%(n)s deiner Betreuungen enden bis zum %(date)s.",
        "n",
    ),
    "ticket.answered": _("Der Support hat auf dein Ticket #%(id)s „%(subject)s“ (%(project)s) geantwortet."),
}


# Rows written before the text of their kind named this parameter lack it: they read the text
# they were written with.
EARLIER_NOTIFICATIONS = {
    "caretakership.expiry_changed": (
        "scope",
        _("%(owner)s hat deine Betreuung von %(project)s geändert: sie gilt jetzt bis %(day)s."),
    ),
    "caretakership.expiry_removed": (
        "scope",
        _("%(owner)s hat deine Betreuung von %(project)s geändert: sie gilt jetzt unbefristet."),
    ),
    "caretakership.ended_by_staff": (
        "reason",
        _("Der Support hat die Betreuung von %(project)s durch %(caretaker)s beendet."),
    ),
}


def notification_text(kind: str, params: dict) -> str:
    """The sentence of a notification in the active language."""
    text = NOTIFICATIONS[kind]
    if kind in EARLIER_NOTIFICATIONS:
        parameter, earlier = EARLIER_NOTIFICATIONS[kind]
        if parameter not in params:
            text = earlier
    return str(text % event_params.texts(params))
