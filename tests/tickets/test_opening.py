"""Opening and answering tickets: the writer's role, both customer numbers, history and mail to support."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.models import OutboxEmail
from projects.models import AuditEntry
from tests.tickets.helpers import (
    NEW,
    PNG,
    close_url,
    detail_url,
    message_badges,
    open_ticket,
    page_text,
    reopen_url,
    reply_url,
    upload,
)
from tickets.models import Message, Role, Ticket

SUPPORT = "helpdesk@example.com"


@pytest.fixture(autouse=True)
def _support_address(settings):
    settings.SUPPORT_EMAIL = SUPPORT


def new_ticket(client, **fields):
    data = {
        "project": "p12345",
        "category": Ticket.Category.DATABASES,
        "subject": "Datenbank antwortet nicht",
        "body": "Seit heute Morgen: Access denied für p12345_shop.",
        **fields,
    }
    return client.post(NEW, data)


def caretaker_badge(caretaker) -> str:
    """The badge of a message the caretaker's login wrote: the person, then its account."""
    person = f"{caretaker.admin.display_name} ({caretaker.account_name})"
    return f"Technischer Betreuer · {person} · {caretaker.number} für p12345"


def owner_badge(owner) -> str:
    return f"Vertragspartner · {owner.admin.display_name} ({owner.account_name}) · {owner.number}"


def test_owner_opens_a_ticket_as_owner(owner_client, owner, project):
    response = new_ticket(owner_client)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(ticket)
    assert (ticket.project, ticket.opened_by, ticket.opened_as, ticket.owner) == (project, owner, Role.OWNER, owner)
    assert (ticket.status, ticket.category, ticket.subject) == ("open", "databases", "Datenbank antwortet nicht")
    message = ticket.messages.get()
    assert (message.author, message.role, message.body) == (
        owner,
        Role.OWNER,
        "Seit heute Morgen: Access denied für p12345_shop.",
    )


def test_caretaker_opens_a_ticket_as_caretaker_with_both_customer_numbers(
    caretaker_client, caretaker, owner, caretakership
):
    response = new_ticket(caretaker_client)

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (ticket.opened_by, ticket.opened_as, ticket.owner) == (caretaker, Role.CARETAKER, owner)
    assert (ticket.opened_by.number, ticket.owner.number) == (caretaker.number, owner.number)
    assert ticket.messages.get().role == Role.CARETAKER

    page = page_text(caretaker_client.get(response.url))
    assert f"Ticket #{ticket.pk} eröffnet. Wir melden uns so schnell wie möglich." in page
    assert f"#{ticket.pk} · Datenbank antwortet nicht" in page
    assert caretaker_badge(caretaker) in page


def test_thread_shows_who_wrote_each_message(owner, caretaker, project, caretakership, owner_client, staff):
    ticket = open_ticket(caretaker, project)
    Message.objects.filter(ticket=ticket).update(author_person=caretaker.admin)
    Message.objects.create(
        ticket=ticket, author=owner, author_person=owner.admin, role=Role.OWNER, body="Danke fürs Melden."
    )
    Message.objects.create(ticket=ticket, author_staff=staff, role=Role.STAFF, body="Wir schauen nach.")

    response = owner_client.get(detail_url(ticket))

    assert message_badges(response) == [caretaker_badge(caretaker), owner_badge(owner), "Support"]
    assert "support@example.com" not in response.content.decode()


def test_the_caretaker_badge_also_shows_in_the_owners_list(owner, caretaker, project, caretakership, owner_client):
    open_ticket(caretaker, project, subject="Vom Betreuer")

    page = page_text(owner_client.get("/tickets/"))

    assert f"{caretaker.display_name} Technischer Betreuer" in page


def test_opening_is_audited_with_role_and_actor(caretaker_client, caretaker, caretakership, project):
    new_ticket(caretaker_client)

    ticket = Ticket.objects.get()
    entry = AuditEntry.objects.get(action="ticket.opened")
    assert (entry.project, entry.role, entry.actor, entry.actor_user) == (
        project,
        AuditEntry.Role.CARETAKER,
        caretaker,
        caretaker.admin,
    )
    assert entry.subject == f"#{ticket.pk} Datenbank antwortet nicht"


@pytest.mark.parametrize(
    ("persona", "role"), [("owner", AuditEntry.Role.OWNER), ("caretaker", AuditEntry.Role.CARETAKER)]
)
def test_closing_and_reopening_are_audited(request, persona, role, owner, project, caretakership):
    actor = request.getfixturevalue(persona)
    client = request.getfixturevalue(f"{persona}_client")
    ticket = open_ticket(owner, project, subject="Seite langsam")

    assert client.post(close_url(ticket)).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CLOSED
    assert client.post(reopen_url(ticket)).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN

    changes = AuditEntry.objects.filter(action="ticket.status_changed").order_by("pk")
    assert [(e.old_value, e.new_value, e.role, e.actor, e.subject) for e in changes] == [
        ("offen", "geschlossen", role, actor, f"#{ticket.pk} Seite langsam"),
        ("geschlossen", "offen", role, actor, f"#{ticket.pk} Seite langsam"),
    ]


def test_closing_a_closed_ticket_changes_nothing(owner_client, owner, project):
    ticket = open_ticket(owner, project)
    owner_client.post(close_url(ticket))

    response = owner_client.post(close_url(ticket), follow=True)

    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="ticket.status_changed").count() == 1


def test_close_and_reopen_offer_each_other(owner_client, owner, project):
    ticket = open_ticket(owner, project)

    page = owner_client.get(detail_url(ticket)).content.decode()
    assert f'action="{close_url(ticket)}"' in page
    assert f'action="{reopen_url(ticket)}"' not in page

    page = owner_client.post(close_url(ticket), follow=True).content.decode()
    assert "Ticket geschlossen." in page
    assert f'action="{reopen_url(ticket)}"' in page
    assert f'action="{close_url(ticket)}"' not in page
    assert f'action="{reply_url(ticket)}"' not in page


def test_a_new_ticket_is_mailed_to_support(caretaker_client, caretaker, caretakership, on_commit):
    with on_commit():
        new_ticket(caretaker_client)

    ticket = Ticket.objects.get()
    queued = OutboxEmail.objects.get(to=SUPPORT)
    assert queued.topic == "ticket"
    assert queued.subject == f"[#{ticket.pk}] Datenbank antwortet nicht – {caretaker_badge(caretaker)}"
    assert "Access denied für p12345_shop." in queued.body_text
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in queued.body_text
    sent = [message for message in mail.outbox if message.to == [SUPPORT]]
    assert [message.subject for message in sent] == [queued.subject]
    assert OutboxEmail.objects.count() == 1


@pytest.mark.parametrize("persona", ["owner", "caretaker"])
def test_a_customer_reply_is_mailed_to_support(request, persona, owner, project, caretakership, on_commit):
    client = request.getfixturevalue(f"{persona}_client")
    ticket = open_ticket(owner, project, subject="Seite langsam")
    OutboxEmail.objects.all().delete()

    with on_commit():
        response = client.post(reply_url(ticket), {"body": "Noch ein Detail: nur nachts."})

    assert response.status_code == 302
    queued = OutboxEmail.objects.get()
    assert queued.to == SUPPORT
    assert queued.subject.startswith(f"[#{ticket.pk}] Seite langsam – ")
    author = request.getfixturevalue(persona)
    assert str(author.number) in queued.subject
    assert "Noch ein Detail: nur nachts." in queued.body_text
    assert [message.to for message in mail.outbox] == [[SUPPORT]]


def test_reply_appears_in_the_thread_with_attachments(caretaker_client, caretaker, owner, project, caretakership):
    ticket = open_ticket(owner, project)

    response = caretaker_client.post(
        reply_url(ticket),
        {"body": "Screenshot anbei.", "attachments": [upload("fehler.png", PNG, "image/png")]},
        follow=True,
    )

    page = page_text(response)
    assert "Antwort gesendet." in page
    assert f"{caretaker_badge(caretaker)}" in page
    assert "Screenshot anbei." in page
    assert "📎 fehler.png" in page
    ticket.refresh_from_db()
    assert ticket.last_message_at == ticket.messages.last().created_at


def test_a_customer_reply_reopens_an_answered_ticket_and_audits_it(owner_client, owner, project):
    ticket = open_ticket(owner, project)
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.ANSWERED)

    owner_client.post(reply_url(ticket), {"body": "Leider nicht behoben."})

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    change = AuditEntry.objects.get(action="ticket.status_changed")
    assert (change.old_value, change.new_value, change.role, change.actor) == (
        "beantwortet",
        "offen",
        AuditEntry.Role.OWNER,
        owner,
    )


def test_a_reply_to_an_open_ticket_records_no_status_change(owner_client, owner, project):
    ticket = open_ticket(owner, project)

    owner_client.post(reply_url(ticket), {"body": "Nachtrag."})

    assert not AuditEntry.objects.filter(action="ticket.status_changed").exists()


def test_new_ticket_link_preselects_the_project(caretaker_client, caretakership):
    page = caretaker_client.get(NEW, {"projekt": "P12345"}).content.decode()

    assert '<option value="p12345" selected>' in page
