"""Every notification, every history row, every e-mail and the main pages speak the reader's
language: English has no German words left in it, German no English ones.

English comes from the compiled catalogue (locale/en): a text whose translation is missing there
comes out German, and the English checks name it.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customercenter import event_params
from customercenter.models import Customer, Role
from delegation.models import Scope
from notifications.models import Notification
from notifications.rendering import EARLIER_NOTIFICATIONS, NOTIFICATIONS, render_email
from projects.models import ACTION_LABELS, AuditEntry, Project
from tests.conftest import login
from tests.delegation.helpers import page_text
from tests.factories import CustomerFactory, ProjectFactory

# Words only German has; the test data (names, domains, e-mail addresses) uses none of them.
GERMAN = [
    " und ",
    " der ",
    " die ",
    " das ",
    " nicht ",
    " wurde",
    " für ",
    "Projekt",
    "Kundennummer",
    "Betreuer",
    "Betreuung",
    "Antrag",
    "Freigabe",
    "unbefristet",
    "Vertragspartner",
    "ä",
    "ö",
    "ü",
    "ß",
    "Ä",
    "Ö",
    "Ü",
]
# Words only English has.
ENGLISH = [
    " the ",
    " and ",
    " your ",
    " was ",
    " has ",
    "Project",
    "Request",
    "customer number",
    "caretaker",
    "expired",
    "no expiry",
    "Read only",
    "Technical administration",
]

# English names written with these letters (the country list).
ENGLISH_NAMES = ["Türkiye"]

DAY = date(2026, 12, 31)


def foreign_words(text: str, language: str) -> list[str]:
    words = GERMAN if language == "en" else ENGLISH
    for name in ENGLISH_NAMES:
        text = text.replace(name, "")
    return [word for word in words if word in f" {text} "]


def sample_customer(**fields) -> Customer:
    return Customer(company="Pixelwerk", first_name="Lena", last_name="Pixel", number=100003, **fields)


def sample_params(kind: str) -> dict:
    """Parameters of the kind, of the types the services store."""
    params = {
        "project": "p10002",
        "projects": "p10002, p10003",
        "caretaker": event_params.customer(sample_customer()),
        "owner": event_params.customer(sample_customer()),
        "email": "lena@example.com",
        "day": event_params.day(DAY),
        "date": event_params.day(DAY),
        "scope": event_params.label(Scope.READ_ONLY.label),
        "id": 42,
        "subject": "Login trouble",
        "reason": "Spam",
    }
    return (
        {**params, "n": 3}
        if kind.startswith(("requests.", "releases.", "caretakerships.", "release.offered"))
        else params
    )


def history_entry(action: str) -> AuditEntry:
    return AuditEntry(
        action=action,
        role=AuditEntry.Role.OWNER,
        params={
            "subject": event_params.customer(sample_customer()),
            "old": event_params.day(None),
            "new": event_params.label(Scope.READ_ONLY.label),
            "scope": event_params.label(Scope.READ_ONLY.label),
        },
    )


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", sorted(NOTIFICATIONS))
def test_every_notification_kind_speaks_the_readers_language(kind, language):
    notification = Notification(kind=kind, params=sample_params(kind))

    with translation.override(language):
        text = notification.text

    assert "%(" not in text
    assert foreign_words(text, language) == []


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("kind", sorted(EARLIER_NOTIFICATIONS))
def test_a_notification_written_before_its_text_named_a_parameter_speaks_the_readers_language(kind, language):
    parameter, _earlier = EARLIER_NOTIFICATIONS[kind]
    params = sample_params(kind)
    del params[parameter]
    notification = Notification(kind=kind, params=params)

    with translation.override(language):
        text = notification.text

    assert "%(" not in text
    assert foreign_words(text, language) == []


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("action", sorted(ACTION_LABELS))
def test_every_history_action_speaks_the_readers_language(action, language):
    entry = history_entry(action)

    with translation.override(language):
        text = " · ".join([entry.action_display, entry.subject, entry.old_value, entry.new_value, entry.scope])

    assert foreign_words(text, language) == []


def test_a_notification_written_for_a_german_reader_reads_english_for_an_english_one():
    notification = Notification(kind="request.declined", params={"project": "p10002"})

    with translation.override("de"):
        assert notification.text == "Dein Antrag für p10002 wurde abgelehnt."
    with translation.override("en"):
        assert notification.text != "Dein Antrag für p10002 wurde abgelehnt."
        assert "p10002" in notification.text


def email_contexts() -> dict[str, dict]:
    owner = sample_customer()
    later = timezone.now() + timedelta(days=14)
    return {
        "notice": {
            "subject": "p10002",
            "lines": [
                "p10002 – lena@example.com",
                {"text": "p10003 – lena@example.com", "link": f"{settings.SITE_URL}/projekte/p10003/#access"},
            ],
            "link": f"{settings.SITE_URL}/vertragsdaten/",
        },
        "release_link": {
            "owner": owner,
            "projects": [Project(number="p10002", name="Webshop")],
            "link": f"{settings.SITE_URL}/freigabe/abc/",
            "link_expires_at": later,
            "access_until": DAY,
            "scope": Scope.READ_ONLY.label,
            "require_mfa": True,
        },
        "member_invitation": {
            "customer": owner,
            "role": "Technik",
            "invited_by": None,
            "link": f"{settings.SITE_URL}/einladung/abc/",
            "expires_at": later,
        },
    }


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("template", ["member_invitation", "notice", "release_link"])
def test_every_email_speaks_the_readers_language(template, language):
    context = email_contexts()[template]
    if template == "member_invitation":
        with translation.override(language):
            context["role"] = str(Role.TECHNIK.label)

    subject, body_text, body_html = render_email(template, context, language=language)

    for text in (subject, body_text, page_text_of(body_html)):
        assert foreign_words(text, language) == []


ACCOUNT_EMAILS = [
    "account_already_exists",
    "email_confirmation",
    "password_reset_key",
    "unknown_account",
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("template", ACCOUNT_EMAILS)
def test_every_account_email_speaks_the_readers_language(template, language):
    context = {
        "email": "lena@example.com",
        "password_reset_url": f"{settings.SITE_URL}/konto/passwort/",
        "signup_url": f"{settings.SITE_URL}/konto/registrieren/",
        "activate_url": f"{settings.SITE_URL}/konto/bestaetigen/",
        "code": "ABC123",
        "current_site": type("Site", (), {"domain": "example.com", "name": "Kundencenter"}),
    }

    with translation.override(language):
        subject = render_to_string(f"account/email/{template}_subject.txt", context)
        body = render_to_string(f"account/email/{template}_message.txt", context)

    assert foreign_words(subject, language) == []
    assert foreign_words(body, language) == []


def page_text_of(html: str) -> str:
    class Response:
        content = html.encode()

    return page_text(Response)


@pytest.fixture
def owner(db) -> Customer:
    return CustomerFactory(company="Acme", first_name="Max", last_name="Muster", admin__email="max@example.com")


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner, number="p12345", name="Webshop")


@pytest.fixture
def busy_owner(owner, project):
    """Every kind of notification and every kind of history row, on the pages the owner reads."""
    Notification.objects.bulk_create(
        Notification(recipient=owner, kind=kind, params=sample_params(kind)) for kind in sorted(NOTIFICATIONS)
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(project=project, actor=owner, role=entry.role, action=entry.action, params=entry.params)
        for entry in map(history_entry, sorted(ACTION_LABELS))
    )
    return owner


PAGES = [
    reverse("home"),
    reverse("projects:list"),
    reverse("projects:detail", args=["p12345"]),
    reverse("notifications:list"),
    reverse("contract:master_data"),
    reverse("contract:caretakers"),
    reverse("contract:release_new"),
    reverse("tickets:list"),
    reverse("tickets:new"),
]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("url", PAGES)
def test_main_pages_speak_the_readers_language(busy_owner, url, language):
    client = login(busy_owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(url)

    assert response.status_code == 200
    assert foreign_words(page_text(response), language) == []
