from __future__ import annotations

import html
import re

from django.apps import apps
from django.core import mail
from django.db import models
from django.urls import reverse

from notifications.models import OutboxEmail

HX = {"HX-Request": "true"}
TAG_RE = re.compile(r"<[^>]*>")
OVERVIEW = reverse("contract:caretakers")
REQUEST_NEW = reverse("contract:request_new")
RELEASE_NEW = reverse("contract:release_new")


def link_url(token: str, action: str = "") -> str:
    url = reverse("release_link", args=[token])
    return url + (f"{action}/" if action else "")


def field_error(response, field: str) -> str:
    """The error text shown under one form field, or "" when there is none."""
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', response.text, re.S)
    return html.unescape(match.group(1)).strip() if match else ""


def page_text(response) -> str:
    """What a reader sees: tags replaced by spaces, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(TAG_RE.sub(" ", response.content.decode())).split())


def page_html(response) -> str:
    return html.unescape(response.content.decode())


def mails_to(address: str) -> list:
    """Mail that actually left (through the outbox and the eager task) for one address."""
    return [message for message in mail.outbox if message.to == [address]]


def outbox_to(address: str) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(to=address).order_by("pk"))


def rows_containing(value: str) -> list[str]:
    """`app.Model.field` for every stored text value that contains `value`, in every table."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            is_text = isinstance(field, models.CharField | models.TextField)
            if is_text and model._default_manager.filter(**{f"{field.name}__contains": value}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found
