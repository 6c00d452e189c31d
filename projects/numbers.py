"""Project and server numbers: `p` or `s` followed by digits, normalised on input."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROJECT_NUMBER_RE = re.compile(r"^p[0-9]{1,9}$")
SERVER_NUMBER_RE = re.compile(r"^s[0-9]{1,9}$")


def normalise_number(raw: str) -> str:
    return (raw or "").strip().lower()


def parse_project_number(raw: str) -> str:
    """Return the normalised p-number or raise a ValidationError that says what is wrong."""
    number = normalise_number(raw)
    if SERVER_NUMBER_RE.match(number):
        raise ValidationError(
            _("Server können nicht betreut werden – bitte einzelne Projekte (p-Nummern) angeben."),
            code="server_number",
        )
    if not PROJECT_NUMBER_RE.match(number):
        raise ValidationError(_("Bitte eine Projektnummer wie p12345 angeben."), code="malformed_number")
    return number
