"""Support staff see the e-mail outbox but cannot write into it."""

from __future__ import annotations

import pytest

from notifications.models import Notification, OutboxEmail


@pytest.fixture
def rows(owner):
    OutboxEmail.objects.create(to="owner@example.com", subject="Bitte bestätigen", body_text="x")
    Notification.objects.create(recipient=owner, text="Neuer Antrag")


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
