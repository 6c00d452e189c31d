"""The parameters of something that happened (a notification, a history row), stored as JSON.

They become text only when shown, in the language of the reader: an English reader of a row
written for a German one reads "customer number", not "Kundennummer". A value is stored as
plain text when it reads the same in every language (a p-number, an e-mail address, a domain),
and otherwise as what it is:

- ``{"customer": {"company": …, "person": …, "number": …}}`` — a customer with its number;
- ``{"day": "2026-12-31"}`` — a day, ``{"day": null}`` for no expiry;
- ``{"label": "Nur lesen"}`` — the German source text of a choice, translated when shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import suppress
from datetime import date, datetime

from django.utils import translation
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext

from customercenter.models import Customer, name_with_number

Value = str | int | dict | None


def customer(customer: Customer) -> dict:
    """A customer as `name_with_number` shows it, taken as it is now (a later rename does not
    rewrite what happened)."""
    person = f"{customer.first_name} {customer.last_name}".strip()
    return {"customer": {"company": customer.company, "person": person, "number": customer.number}}


def day(value: date | None) -> dict:
    return {"day": value.isoformat() if value else None}


def label(text) -> dict:
    """A translatable text (a choice's label, lazy): its German source is kept, not its translation."""
    with translation.override(None):
        return {"label": str(text)}


def day_text(value: date | None) -> str:
    """A day as text ("31.12.2026"), or "unbefristet" for no expiry."""
    return date_format(value, "SHORT_DATE_FORMAT") if value else gettext("unbefristet")


def text(value: Value) -> str:
    """One stored value as text in the active language."""
    if not isinstance(value, dict):
        return "" if value is None else str(value)
    if "customer" in value:
        who = value["customer"]
        return name_with_number(who["company"], who["person"], who["number"])
    if "day" in value:
        return day_text(date.fromisoformat(value["day"]) if value["day"] else None)
    if "label" in value:
        return gettext(value["label"]) if value["label"] else ""
    raise ValueError(f"Unknown event parameter {value!r}")


def texts(params: dict[str, Value]) -> dict[str, str]:
    """All stored values as text, for a template's `%(name)s` placeholders; numbers stay numbers
    so that plural forms can be chosen by them."""
    return {name: value if isinstance(value, int) else text(value) for name, value in params.items()}


def read(written: str, labels: Sequence[str] = ()) -> Value:
    """The value that `text` wrote as `written`, in German or English, for rows stored as finished
    text before event parameters existed (data migrations). `labels` are the German sources of the
    choices the text may be one of. Text that is none of these stays text: shown as it is."""
    for language in ("de", "en"):
        with translation.override(language):
            for msgid in labels:
                if written == gettext(msgid):
                    return label(msgid)
            if written == gettext("unbefristet"):
                return day(None)
            with suppress(ValueError):
                return day(datetime.strptime(written, _strptime_format(get_format("SHORT_DATE_FORMAT"))).date())
            for template in ("%(company)s (%(person)s, Kundennummer %(number)s)", "%(name)s (Kundennummer %(number)s)"):
                match = template_pattern(gettext(template)).fullmatch(written)
                if match and match["number"].isdecimal():
                    found = match.groupdict()
                    company = found.get("company", found.get("name"))
                    return {
                        "customer": {
                            "company": company,
                            "person": found.get("person", ""),
                            "number": int(found["number"]),
                        }
                    }
    return int(written) if written.isdecimal() and written.isascii() else written


def _strptime_format(django_format: str) -> str:
    return "".join({"d": "%d", "j": "%d", "m": "%m", "n": "%m", "Y": "%Y", "y": "%y"}.get(c, c) for c in django_format)


def template_pattern(template: str) -> re.Pattern:
    """A regular expression matching what `template % values` can give, one group per value."""
    parts = re.split(r"%\((\w+)\)s", template)
    return re.compile(
        "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)" for index, part in enumerate(parts))
    )
