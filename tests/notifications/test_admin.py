"""Support staff see the e-mail outbox but cannot write into it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification, OutboxEmail


@pytest.fixture
def rows(owner):
    OutboxEmail.objects.create(to="owner@example.com", subject="Bitte bestätigen", body_text="x")
    Notification.objects.create(
        recipient=owner, concerns="RELEASE", kind="request.declined", params={"project": "p10001"}
    )


@pytest.mark.parametrize("url", ["/admin/notifications/outboxemail/", "/admin/notifications/notification/"])
def test_staff_opens_changelists(staff_client, rows, url):
    assert staff_client.get(url).status_code == 200


def test_outbox_search_by_recipient(staff_client, rows):
    response = staff_client.get("/admin/notifications/outboxemail/", {"q": "owner@example.com"})

    assert response.context["cl"].result_count == 1


def test_notifications_search_by_customer_number(staff_client, owner, rows):
    response = staff_client.get("/admin/notifications/notification/", {"q": str(owner.number)})

    assert response.context["cl"].result_count == 1


def test_outbox_has_no_add_form(staff_client, db):
    assert staff_client.get("/admin/notifications/outboxemail/add/").status_code == 403
    assert not OutboxEmail.objects.exists()


def test_a_waiting_digest_shows_what_the_worker_will_send(staff_client, db):
    email = OutboxEmail.objects.create(
        to="agentur@example.com",
        subject="2 Betreuungen sind abgelaufen.",
        template="notice",
        context={"subject": "2 Betreuungen sind abgelaufen.", "lines": ["p12345 – bis 1.12.2026"], "link": ""},
        language="de",
    )

    response = staff_client.get(f"/admin/notifications/outboxemail/{email.pk}/change/")

    assert response.status_code == 200
    assert "p12345 – bis 1.12.2026" in response.text
    email.refresh_from_db()
    assert email.body_text == ""  # looking does not send or store anything


@pytest.fixture
def delivery_rows(db) -> dict[str, OutboxEmail]:
    now = timezone.now()
    rows = {
        "sent": OutboxEmail(status="sent", sent_at=now - timedelta(hours=1)),
        "failed": OutboxEmail(status="failed", attempts=8, last_error="503 Service Unavailable"),
        "late": OutboxEmail(
            created_at=now - timedelta(minutes=20), attempts=3, next_attempt_at=now + timedelta(hours=1)
        ),
        "fresh": OutboxEmail(),
        "link": OutboxEmail(status="failed", attempts=8, sensitive=True, body_text="[entfernt]"),
    }
    for name, row in rows.items():
        row.to, row.subject = f"{name}@example.com", name
        row.body_text = row.body_text or "Hallo"
        row.save()
    return rows


@pytest.mark.parametrize(("problem", "expected"), [("failed", {"failed", "link"}), ("late", {"late"})])
def test_staff_lists_failed_and_late_emails(staff_client, delivery_rows, problem, expected):
    response = staff_client.get("/admin/notifications/outboxemail/", {"problem": problem})

    assert response.status_code == 200
    assert {row.subject for row in response.context["cl"].result_list} == expected


def requeue(client, rows):
    return client.post(
        "/admin/notifications/outboxemail/",
        {"action": "requeue", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def test_requeue_sends_failed_and_late_emails_at_once(staff_client, delivery_rows, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = requeue(staff_client, [delivery_rows["failed"], delivery_rows["late"]])

    assert "2 E-Mails werden erneut versendet." in response.text
    assert sorted(message.to[0] for message in mail.outbox) == ["failed@example.com", "late@example.com"]
    for name in ("failed", "late"):
        delivery_rows[name].refresh_from_db()
        assert (delivery_rows[name].status, delivery_rows[name].attempts) == ("sent", 1)


def test_requeue_skips_sent_emails_and_failed_ones_whose_link_was_wiped(
    staff_client, delivery_rows, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = requeue(staff_client, [delivery_rows["sent"], delivery_rows["link"]])

    assert "2 E-Mails übersprungen" in response.text
    assert mail.outbox == []
    assert OutboxEmail.objects.get(pk=delivery_rows["sent"].pk).status == "sent"
    assert OutboxEmail.objects.get(pk=delivery_rows["link"].pk).status == "failed"
