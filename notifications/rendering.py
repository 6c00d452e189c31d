"""Render an e-mail from its templates in the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


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
