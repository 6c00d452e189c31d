"""Who sees which tickets: everyone with access to the project right now, and nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from delegation.models import Caretakership
from tests.conftest import login
from tests.factories import ProjectFactory
from tests.tickets.helpers import (
    ADMIN_LIST,
    LIST,
    NEW,
    admin_change_url,
    attachment_url,
    close_url,
    detail_url,
    open_ticket,
    page_text,
    reopen_url,
    reply_url,
    subjects_listed,
    upload,
)
from tickets.models import Attachment, Message, Ticket

WITH_ACCESS = ["owner", "caretaker"]
WITHOUT_ACCESS = ["ended_caretaker", "expired_caretaker", "outsider"]
PERSONAS = [*WITH_ACCESS, *WITHOUT_ACCESS, "anonymous", "staff"]


def expected_status(persona: str, allowed: int) -> int:
    """Anonymous visitors log in first, staff without a customer account get a hint, the rest 404."""
    if persona == "anonymous":
        return 302
    if persona == "staff":
        return 403
    return allowed if persona in WITH_ACCESS else 404


def assert_refused(persona: str, response) -> None:
    assert response.status_code == expected_status(persona, allowed=200)
    if persona == "anonymous":
        assert response.url.startswith("/konto/login/?next=")
    if persona == "staff":
        assert "Zur Support-Verwaltung" in page_text(response)


@pytest.fixture
def tickets(owner, project, caretaker, caretakership) -> tuple[Ticket, Ticket]:
    """One ticket opened by the owner and one by the caretaker, each with an attachment."""
    by_owner = open_ticket(
        owner, project, subject="Vom Vertragspartner", files=[upload("inhaber.txt", b"Vertragspartner-Log")]
    )
    by_caretaker = open_ticket(
        caretaker, project, subject="Vom Betreuer", files=[upload("betreuer.txt", b"Betreuer-Log")]
    )
    return by_owner, by_caretaker


@pytest.fixture
def visitor(request, persona, tickets) -> Client:
    if persona == "anonymous":
        return Client()
    return login(request.getfixturevalue(persona))


@pytest.mark.parametrize("persona", PERSONAS)
def test_ticket_list_by_persona(persona, visitor):
    response = visitor.get(LIST)

    if persona in WITH_ACCESS:
        assert response.status_code == 200
        assert sorted(subjects_listed(response)) == ["Vom Betreuer", "Vom Vertragspartner"]
    elif persona in WITHOUT_ACCESS:
        assert response.status_code == 200
        assert subjects_listed(response) == []
        assert "Keine Tickets." in page_text(response)
    else:
        assert_refused(persona, response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_ticket_detail_by_persona(persona, visitor, tickets):
    for ticket in tickets:
        response = visitor.get(detail_url(ticket))

        assert response.status_code == expected_status(persona, allowed=200)
        if persona in WITH_ACCESS:
            assert ticket.subject in page_text(response)
        else:
            assert ticket.subject not in response.content.decode()
            assert_refused(persona, response)


@pytest.mark.parametrize("persona", PERSONAS)
def test_reply_by_persona(persona, visitor, tickets):
    for ticket in tickets:
        response = visitor.post(reply_url(ticket), {"body": f"Nachricht von {persona}"})

        assert response.status_code == expected_status(persona, allowed=302)
        written = Message.objects.filter(ticket=ticket, body=f"Nachricht von {persona}").exists()
        assert written == (persona in WITH_ACCESS)
        if persona in WITH_ACCESS:
            assert response.url == detail_url(ticket)


@pytest.mark.parametrize("persona", PERSONAS)
def test_close_and_reopen_by_persona(persona, visitor, tickets):
    for ticket in tickets:
        response = visitor.post(close_url(ticket))

        assert response.status_code == expected_status(persona, allowed=302)
        ticket.refresh_from_db()
        assert ticket.is_closed == (persona in WITH_ACCESS)

        Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
        response = visitor.post(reopen_url(ticket))

        assert response.status_code == expected_status(persona, allowed=302)
        ticket.refresh_from_db()
        assert ticket.is_closed == (persona not in WITH_ACCESS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_attachment_download_by_persona(persona, visitor, tickets):
    for attachment, content in zip(
        Attachment.objects.filter(message__ticket__in=tickets).order_by("pk"),
        [b"Vertragspartner-Log", b"Betreuer-Log"],
        strict=True,
    ):
        response = visitor.get(attachment_url(attachment))

        assert response.status_code == expected_status(persona, allowed=200)
        if persona in WITH_ACCESS:
            assert b"".join(response.streaming_content) == content
        else:
            assert_refused(persona, response)


def test_staff_see_every_ticket_in_the_admin(staff_client, tickets, outsider):
    foreign = open_ticket(outsider, ProjectFactory(owner=outsider, number="p77777"), subject="Fremdes Ticket")

    response = staff_client.get(ADMIN_LIST)

    assert response.status_code == 200
    for subject in ["Vom Vertragspartner", "Vom Betreuer", "Fremdes Ticket"]:
        assert subject in page_text(response)
    for ticket in [*tickets, foreign]:
        assert staff_client.get(admin_change_url(ticket)).status_code == 200


@pytest.mark.parametrize("persona", ["owner", "caretaker", "outsider"])
def test_customers_cannot_use_the_admin(persona, request, tickets):
    client = login(request.getfixturevalue(persona))

    for url in [ADMIN_LIST, admin_change_url(tickets[0])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


def test_owner_and_caretaker_see_each_others_tickets(owner_client, caretaker_client, tickets):
    by_owner, by_caretaker = tickets

    for client in [owner_client, caretaker_client]:
        assert sorted(subjects_listed(client.get(LIST))) == ["Vom Betreuer", "Vom Vertragspartner"]
        for ticket in tickets:
            assert client.get(detail_url(ticket)).status_code == 200

    assert "Technischer Betreuer" in page_text(owner_client.get(detail_url(by_caretaker)))
    assert "Vertragspartner" in page_text(caretaker_client.get(detail_url(by_owner)))


def end_caretakership(caretakership: Caretakership, how: str) -> None:
    now = timezone.now()
    if how == "expired":
        # Past its expiry date; the sweeper has not run, so the row still looks open.
        caretakership.expires_at = now - timedelta(minutes=1)
    else:
        caretakership.ended_at = now
        caretakership.end_reason = how
    caretakership.save()


@pytest.mark.parametrize(
    "how", [Caretakership.EndReason.REVOKED, Caretakership.EndReason.ENDED, Caretakership.EndReason.STAFF, "expired"]
)
def test_caretaker_loses_the_projects_tickets_when_the_caretakership_ends(
    how, caretakership, tickets, owner_client, caretaker_client
):
    attachments = list(Attachment.objects.filter(message__ticket__in=tickets))
    assert caretaker_client.get(detail_url(tickets[1])).status_code == 200

    end_caretakership(caretakership, how)

    response = caretaker_client.get(LIST)
    assert response.status_code == 200
    assert subjects_listed(response) == []
    assert subjects_listed(caretaker_client.get(LIST, {"project": "p12345"})) == []
    for ticket in tickets:
        assert caretaker_client.get(detail_url(ticket)).status_code == 404
        assert caretaker_client.post(reply_url(ticket), {"body": "Noch da?"}).status_code == 404
        assert caretaker_client.post(close_url(ticket)).status_code == 404
        assert caretaker_client.post(reopen_url(ticket)).status_code == 404
    for attachment in attachments:
        assert caretaker_client.get(attachment_url(attachment)).status_code == 404
    assert not Message.objects.filter(body="Noch da?").exists()
    assert not Ticket.objects.filter(status=Ticket.Status.CLOSED).exists()
    assert "p12345" not in caretaker_client.get(NEW).content.decode()

    # The owner keeps everything, including what the former caretaker wrote.
    assert sorted(subjects_listed(owner_client.get(LIST))) == ["Vom Betreuer", "Vom Vertragspartner"]
    assert owner_client.get(detail_url(tickets[1])).status_code == 200
    for attachment in attachments:
        assert owner_client.get(attachment_url(attachment)).status_code == 200


def test_a_new_caretakership_shows_the_tickets_again(project, caretaker, caretakership, tickets, caretaker_client):
    end_caretakership(caretakership, Caretakership.EndReason.REVOKED)
    assert subjects_listed(caretaker_client.get(LIST)) == []

    Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source=Caretakership.Source.REQUEST
    )

    assert sorted(subjects_listed(caretaker_client.get(LIST))) == ["Vom Betreuer", "Vom Vertragspartner"]


def test_caretaker_of_one_project_never_sees_the_owners_other_projects(
    owner, caretaker, caretakership, caretaker_client, owner_client
):
    other = ProjectFactory(owner=owner, number="p22222", name="Zweitseite")
    hidden = open_ticket(owner, other, subject="Nur für den Vertragspartner", files=[upload("geheim.txt", b"geheim")])
    attachment = Attachment.objects.get(message__ticket=hidden)

    assert subjects_listed(caretaker_client.get(LIST)) == []
    assert subjects_listed(caretaker_client.get(LIST, {"project": "p22222"})) == []
    assert caretaker_client.get(detail_url(hidden)).status_code == 404
    assert caretaker_client.get(attachment_url(attachment)).status_code == 404
    assert caretaker_client.post(reply_url(hidden), {"body": "Hallo"}).status_code == 404
    new_form = caretaker_client.get(NEW).content.decode()
    assert "p12345" in new_form
    assert "p22222" not in new_form
    assert "Zweitseite" not in new_form
    assert subjects_listed(owner_client.get(LIST)) == ["Nur für den Vertragspartner"]


def test_tickets_of_different_owners_stay_apart(owner, project, caretaker, caretakership, outsider):
    foreign_project = ProjectFactory(owner=outsider, number="p77777")
    Caretakership.objects.create(
        project=foreign_project,
        owner_number=foreign_project.owner.number,
        caretaker=caretaker,
        source=Caretakership.Source.RELEASE,
    )
    open_ticket(owner, project, subject="Ticket Sonnenschein")
    open_ticket(outsider, foreign_project, subject="Ticket Fremd")

    assert subjects_listed(login(owner).get(LIST)) == ["Ticket Sonnenschein"]
    assert subjects_listed(login(outsider).get(LIST)) == ["Ticket Fremd"]
    assert sorted(subjects_listed(login(caretaker).get(LIST))) == ["Ticket Fremd", "Ticket Sonnenschein"]
