from __future__ import annotations

import os

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from projects.models import Project
from tickets.models import Ticket

# Extension → (content type sent on download, a check of the file's first bytes).
ALLOWED_TYPES = {
    ".pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ".png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".gif": ("image/gif", lambda head: head.startswith((b"GIF87a", b"GIF89a"))),
    ".zip": ("application/zip", lambda head: head.startswith(b"PK\x03\x04")),
    ".txt": ("text/plain; charset=utf-8", lambda head: b"\x00" not in head),
    ".log": ("text/plain; charset=utf-8", lambda head: b"\x00" not in head),
    ".csv": ("text/csv; charset=utf-8", lambda head: b"\x00" not in head),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _attachments_help() -> str:
    return _("Bis zu %(n)s Dateien (PDF, PNG, JPG, GIF, ZIP, TXT, LOG, CSV), je höchstens %(size)s.") % {
        "n": settings.TICKET_ATTACHMENTS_PER_MESSAGE,
        "size": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES),
    }


class AttachmentsField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Anhänge (optional)"))
        # The field is built when the module is imported: the text is filled in when it is shown.
        kwargs.setdefault("help_text", lazy(_attachments_help, str)())
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > settings.TICKET_ATTACHMENTS_PER_MESSAGE:
            raise ValidationError(
                _("Höchstens %(n)s Anhänge pro Nachricht.") % {"n": settings.TICKET_ATTACHMENTS_PER_MESSAGE}
            )
        return [self._check(super(AttachmentsField, self).clean(item, initial)) for item in files]

    def _check(self, upload):
        extension = os.path.splitext(upload.name)[1].lower()
        if extension not in ALLOWED_TYPES:
            raise ValidationError(
                _("Der Dateityp von „%(name)s“ ist nicht erlaubt."), params={"name": upload.name}, code="type"
            )
        if upload.size > settings.TICKET_ATTACHMENT_MAX_BYTES:
            raise ValidationError(
                _("„%(name)s“ ist zu groß (höchstens %(size)s)."),
                params={"name": upload.name, "size": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)},
                code="size",
            )
        content_type, looks_right = ALLOWED_TYPES[extension]
        head = upload.read(512)
        upload.seek(0)
        if not looks_right(head):
            raise ValidationError(
                _("„%(name)s“ passt nicht zu seiner Dateiendung."), params={"name": upload.name}, code="content"
            )
        upload.content_type = content_type
        upload.name = get_valid_filename(os.path.basename(upload.name))[:150]
        return upload


def _message_field():
    return forms.CharField(
        label=_("Nachricht"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.TICKET_MESSAGE_MAX_CHARS,
        strip=True,
    )


class TicketForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Projekt"),
        queryset=Project.objects.none(),
        to_field_name="number",
        error_messages={
            "invalid_choice": _("Dieses Projekt kannst du nicht auswählen."),
            "required": _("Bitte ein Projekt auswählen."),
        },
    )
    subject = forms.CharField(label=_("Betreff"), max_length=150, strip=True)
    category = forms.ChoiceField(label=_("Kategorie"), choices=Ticket.Category.choices)
    body = _message_field()
    attachments = AttachmentsField()

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        field.queryset = projects
        field.label_from_instance = lambda p: f"{p.number} · {p.name}"


class ReplyForm(forms.Form):
    body = _message_field()
    attachments = AttachmentsField()


class TicketFilterForm(forms.Form):
    project = forms.CharField(
        label=_("Projekt"), required=False, max_length=20, widget=forms.SearchInput(attrs={"placeholder": "p12345"})
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("alle")), *Ticket.Status.choices])
