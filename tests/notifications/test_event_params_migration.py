"""Notifications and history rows written as finished text become kinds and parameters, and so
speak the reader's language; text nothing matches stays, shown as it is."""

from __future__ import annotations

import pytest
from django.utils import translation

from notifications.models import Notification
from projects.models import AuditEntry

CUSTOMERS = ("customercenter", "0004_invitations")
BEFORE = [CUSTOMERS, ("notifications", "0004_outbox_next_attempt"), ("projects", "0006_owner_named_vertragspartner")]
AFTER = [CUSTOMERS, ("notifications", "0006_notification_kind_params"), ("projects", "0007_audit_entry_params")]


@pytest.fixture
def old(migrate):
    apps = migrate(BEFORE)
    customer = apps.get_model("customercenter", "Customer").objects.create(number=100001, company="Bäckerei")
    project = apps.get_model("projects", "Project").objects.create(
        number="p12345", name="Shop", owner=customer, tariff="plus", php_version="8.3"
    )
    return apps, customer, project


def test_notifications_become_kinds_in_german_and_english(migrate, old):
    apps, customer, _project = old
    texts = [
        "Dein Antrag für p10002 wurde abgelehnt.",
        "Webagentur Pixelwerk (Lena Pixel, Kundennummer 100003) beantragt die technische Betreuung von p10002.",
        "Your care of 3 projects has expired.",
        "Die technische Betreuung eines Projekts ist abgelaufen.",
        "Eine deiner Betreuungen endet am 31.12.2026.",
        "Bäckerei hat den Umfang deiner Betreuung von p10002 geändert: Nur lesen.",
        "Etwas ganz anderes.",
    ]
    rows = apps.get_model("notifications", "Notification").objects
    for text in texts:
        rows.create(recipient_id=customer.pk, text=text)

    migrate(AFTER)

    notifications = list(Notification.objects.order_by("pk"))
    assert [n.kind for n in notifications] == [
        "request.declined",
        "request.created",
        "caretakerships.expired.caretaker",
        "caretakerships.expired.owner",
        "caretakerships.ending.caretaker",
        "caretakership.scope_changed",
        "",
    ]
    assert notifications[1].params["caretaker"] == {
        "customer": {"company": "Webagentur Pixelwerk", "person": "Lena Pixel", "number": 100003}
    }
    with translation.override("de"):
        assert [n.text for n in notifications] == [
            *texts[:2],
            "Deine Betreuung von 3 Projekten ist abgelaufen.",
            *texts[3:],
        ]
    with translation.override("en"):
        english = [n.text for n in notifications]
    assert "Kundennummer" not in english[1] and "customer number 100003" in english[1]
    assert english[-1] == "Etwas ganz anderes."


def test_history_values_become_parameters(migrate, old):
    apps, _customer, project = old
    rows = apps.get_model("projects", "AuditEntry").objects
    rows.create(
        project_id=project.pk,
        role="owner",
        action="caretakership.expiry_changed",
        subject="Webagentur Pixelwerk (Kundennummer 100003)",
        old_value="unbefristet",
        new_value="31.12.2026",
    )
    rows.create(
        project_id=project.pk,
        role="owner",
        action="caretakership.scope_changed",
        subject="Agentur (Lena Pixel, customer number 100004)",
        old_value="Technical administration",
        new_value="Nur lesen",
    )
    rows.create(project_id=project.pk, role="owner", action="php_version.changed", old_value="8.2", new_value="8.3")

    migrate(AFTER)

    expiry, scope, php = AuditEntry.objects.order_by("pk")
    assert expiry.params == {
        "subject": {"customer": {"company": "Webagentur Pixelwerk", "person": "", "number": 100003}},
        "old": {"day": None},
        "new": {"day": "2026-12-31"},
    }
    assert scope.params["old"] == {"label": "Technische Verwaltung"}
    assert php.params == {"old": "8.2", "new": "8.3"}
    with translation.override("de"):
        assert (scope.subject, scope.old_value, scope.new_value) == (
            "Agentur (Lena Pixel, Kundennummer 100004)",
            "Technische Verwaltung",
            "Nur lesen",
        )
    with translation.override("en"):
        assert (expiry.subject, expiry.old_value, expiry.new_value) == (
            "Webagentur Pixelwerk (customer number 100003)",
            "no expiry",
            "12/31/2026",
        )


def test_back_to_text(migrate, old):
    apps, customer, project = old
    apps.get_model("notifications", "Notification").objects.create(
        recipient_id=customer.pk, text="Dein Antrag für p10002 wurde abgelehnt."
    )
    apps.get_model("projects", "AuditEntry").objects.create(
        project_id=project.pk, role="owner", action="caretakership.started", subject="Agentur", new_value="unbefristet"
    )
    migrate(AFTER)

    apps = migrate(BEFORE)

    assert (
        apps.get_model("notifications", "Notification").objects.get().text == "Dein Antrag für p10002 wurde abgelehnt."
    )
    entry = apps.get_model("projects", "AuditEntry").objects.get()
    assert (entry.subject, entry.old_value, entry.new_value) == ("Agentur", "", "unbefristet")
