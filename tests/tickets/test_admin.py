"""Support answers in the admin and sees at a glance who opened a ticket, for which customer."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delegation.models import Caretakership
from notifications.models import Notification, OutboxEmail
from projects.models import AuditEntry
from tests.factories import UserFactory
from tests.tickets.helpers import (
    ADMIN_LIST,
    admin_change_data,
    admin_change_url,
    detail_url,
    message_badges,
    open_ticket,
    page_text,
)
from tickets.models import Message, Role, Ticket

ANSWER = "Wir haben den Datenbankserver neu gestartet."


@pytest.fixture
def caretaker_ticket(caretaker, project, caretakership) -> Ticket:
    return open_ticket(caretaker, project, subject="Datenbank antwortet nicht")


@pytest.fixture
def owner_ticket(owner, project) -> Ticket:
    return open_ticket(owner, project, subject="Rechnung unklar")


def listed_subjects(response) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'<td class="field-subject"><a [^>]*>(.*?)</a>', response.text)]


def test_staff_reply_notifies_the_opener_in_app_and_by_email(
    staff_client, staff, caretaker, owner, caretaker_ticket, on_commit
):
    OutboxEmail.objects.all().delete()

    with on_commit():
        response = staff_client.post(
            admin_change_url(caretaker_ticket), admin_change_data(caretaker_ticket, reply=ANSWER)
        )

    assert response.status_code == 302
    caretaker_ticket.refresh_from_db()
    assert caretaker_ticket.status == Ticket.Status.ANSWERED
    message = caretaker_ticket.messages.last()
    assert (message.role, message.author, message.author_staff, message.body) == (Role.STAFF, None, staff, ANSWER)
    assert caretaker_ticket.last_message_at == message.created_at

    notification = Notification.objects.get()
    assert notification.recipient == caretaker
    assert notification.link == detail_url(caretaker_ticket)
    assert f"#{caretaker_ticket.pk}" in notification.text
    assert "Datenbank antwortet nicht" in notification.text
    assert "p12345" in notification.text
    queued = OutboxEmail.objects.get()
    assert (queued.to, queued.subject, queued.topic) == (caretaker.admin.email, notification.text[:-1], "ticket")
    assert notification.text.endswith(".")
    assert ANSWER in queued.body_text
    assert f"/tickets/{caretaker_ticket.pk}/" in queued.body_text
    assert [message.to for message in mail.outbox] == [[caretaker.admin.email]]
    assert not Notification.objects.filter(recipient=owner).exists()


def test_staff_reply_is_audited_as_a_status_change_by_support(staff_client, staff, caretaker_ticket):
    staff_client.post(admin_change_url(caretaker_ticket), admin_change_data(caretaker_ticket, reply=ANSWER))

    change = AuditEntry.objects.get(action="ticket.status_changed")
    assert (change.role, change.actor, change.actor_user, change.old_value, change.new_value) == (
        AuditEntry.Role.STAFF,
        None,
        staff,
        "offen",
        "beantwortet",
    )


def test_staff_reply_shows_in_the_customers_thread(staff_client, caretaker_ticket, owner_client, caretaker):
    staff_client.post(admin_change_url(caretaker_ticket), admin_change_data(caretaker_ticket, reply=ANSWER))

    response = owner_client.get(detail_url(caretaker_ticket))

    assert message_badges(response)[-1] == "Support"
    page = page_text(response)
    assert ANSWER in page
    assert "beantwortet" in page


def test_staff_reply_and_close_in_one_go(staff_client, caretaker_ticket):
    data = admin_change_data(caretaker_ticket, reply=ANSWER, status=Ticket.Status.CLOSED)

    staff_client.post(admin_change_url(caretaker_ticket), data)

    caretaker_ticket.refresh_from_db()
    assert caretaker_ticket.status == Ticket.Status.CLOSED
    assert caretaker_ticket.messages.filter(role=Role.STAFF).count() == 1
    changes = AuditEntry.objects.filter(action="ticket.status_changed").order_by("pk")
    assert [(e.old_value, e.new_value) for e in changes] == [("offen", "beantwortet"), ("beantwortet", "geschlossen")]


def test_assigning_without_reply_tells_nobody(staff_client, staff, caretaker_ticket):
    OutboxEmail.objects.all().delete()
    colleague = UserFactory(email="kollegin@example.com", is_staff=True)

    response = staff_client.post(
        admin_change_url(caretaker_ticket), admin_change_data(caretaker_ticket, assignee=colleague.pk)
    )

    assert response.status_code == 302
    caretaker_ticket.refresh_from_db()
    assert (caretaker_ticket.assignee, caretaker_ticket.status) == (colleague, Ticket.Status.OPEN)
    assert caretaker_ticket.messages.count() == 1
    assert not Notification.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert not AuditEntry.objects.filter(action="ticket.status_changed").exists()


def test_staff_reply_to_a_former_caretakers_ticket_goes_to_the_owner(
    staff_client, caretaker, owner, caretakership, caretaker_ticket, on_commit
):
    """The caretaker lost access: the answer must not leave the project, the owner gets it."""
    caretakership.ended_at = timezone.now()
    caretakership.end_reason = Caretakership.EndReason.REVOKED
    caretakership.save()
    OutboxEmail.objects.all().delete()

    with on_commit():
        staff_client.post(admin_change_url(caretaker_ticket), admin_change_data(caretaker_ticket, reply=ANSWER))

    assert caretaker_ticket.messages.filter(role=Role.STAFF, body=ANSWER).exists()
    assert list(Notification.objects.values_list("recipient", flat=True)) == [owner.pk]
    assert [email.to for email in OutboxEmail.objects.all()] == [owner.admin.email]
    assert not [message for message in mail.outbox if caretaker.admin.email in message.to]


def test_staff_reply_to_an_expired_caretakers_ticket_goes_to_the_owner(
    staff_client, caretaker, owner, caretakership, caretaker_ticket
):
    caretakership.expires_at = timezone.now() - timedelta(minutes=1)
    caretakership.save()

    staff_client.post(admin_change_url(caretaker_ticket), admin_change_data(caretaker_ticket, reply=ANSWER))

    assert list(Notification.objects.values_list("recipient", flat=True)) == [owner.pk]


def test_staff_list_shows_role_owner_and_caretaker_at_a_glance(
    staff_client, caretaker, owner, caretaker_ticket, owner_ticket
):
    response = staff_client.get(ADMIN_LIST)

    assert response.status_code == 200
    page = page_text(response)
    assert f"Technischer Betreuer {caretaker.number} für Vertragspartner {owner.number}" in page
    assert f"Vertragspartner {owner.number}" in page
    assert str(caretaker) in page
    assert str(owner) in page


@pytest.mark.parametrize(
    ("value", "subjects"),
    [
        (Role.CARETAKER, ["Datenbank antwortet nicht"]),
        (Role.OWNER, ["Rechnung unklar"]),
        (None, ["Datenbank antwortet nicht", "Rechnung unklar"]),
    ],
)
def test_staff_list_filters_by_who_opened(staff_client, caretaker_ticket, owner_ticket, value, subjects):
    response = staff_client.get(ADMIN_LIST, {"opened_as": value} if value else {})

    assert sorted(listed_subjects(response)) == subjects


def test_staff_list_offers_the_opener_filter(staff_client, caretaker_ticket):
    response = staff_client.get(ADMIN_LIST)

    assert "Nach eröffnet von" in page_text(response)
    assert '<a href="?opened_as=caretaker">Technischem Betreuer</a>' in response.text
    assert '<a href="?opened_as=owner">Vertragspartner</a>' in response.text


def test_change_form_shows_the_thread_with_badges(staff_client, caretaker, owner, caretaker_ticket):
    Message.objects.create(ticket=caretaker_ticket, author=owner, role=Role.OWNER, body="Ich sehe das auch.")

    page = page_text(staff_client.get(admin_change_url(caretaker_ticket)))

    assert f"Technischer Betreuer · {caretaker.display_name} · {caretaker.number} für p12345" in page
    assert f"Vertragspartner · {owner.display_name} · {owner.number}" in page
    assert f"Technischer Betreuer {caretaker.number} für Vertragspartner {owner.number}" in page
    assert "Antwort an den Kunden" in page


def test_staff_list_query_count_does_not_grow(staff_client, caretaker, owner, project, caretakership):
    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert staff_client.get(ADMIN_LIST).status_code == 200
        return len(context.captured_queries)

    for customer in [caretaker, owner]:
        open_ticket(customer, project)
    few = count()
    for index in range(48):
        open_ticket([caretaker, owner][index % 2], project)

    assert count() == few
