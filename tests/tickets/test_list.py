"""The ticket list: open tickets first, newest first, filtered by project and status, paged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from delegation.models import Caretakership
from tests.factories import ProjectFactory
from tests.tickets.helpers import LIST, open_ticket, page_text, subjects_listed
from tickets.models import Ticket


@pytest.fixture
def other_project(owner, caretaker):
    other = ProjectFactory(owner=owner, number="p22222", name="Zweitseite")
    Caretakership.objects.create(
        project=other, owner_number=other.owner.number, caretaker=caretaker, source=Caretakership.Source.RELEASE
    )
    return other


@pytest.fixture
def tickets(owner, caretaker, project, caretakership, other_project) -> None:
    """Four tickets; minutes ago of their last message and their status."""
    now = timezone.now()
    for subject, who, where, minutes, status in [
        ("Geschlossen, neueste Nachricht", owner, project, 1, Ticket.Status.CLOSED),
        ("Offen, alt", caretaker, project, 50, Ticket.Status.OPEN),
        ("Beantwortet, neu", owner, other_project, 5, Ticket.Status.ANSWERED),
        ("Offen, mittel", caretaker, other_project, 20, Ticket.Status.OPEN),
    ]:
        ticket = open_ticket(who, where, subject=subject)
        Ticket.objects.filter(pk=ticket.pk).update(status=status, last_message_at=now - timedelta(minutes=minutes))


@pytest.mark.parametrize("persona", ["owner", "caretaker"])
def test_list_shows_open_tickets_first_then_newest(request, persona, tickets):
    response = request.getfixturevalue(f"{persona}_client").get(LIST)

    assert subjects_listed(response) == [
        "Beantwortet, neu",
        "Offen, mittel",
        "Offen, alt",
        "Geschlossen, neueste Nachricht",
    ]


@pytest.mark.parametrize(
    ("filters", "subjects"),
    [
        ({"project": "p22222"}, ["Beantwortet, neu", "Offen, mittel"]),
        ({"project": " P12345 "}, ["Offen, alt", "Geschlossen, neueste Nachricht"]),
        ({"status": "open"}, ["Offen, mittel", "Offen, alt"]),
        ({"status": "closed"}, ["Geschlossen, neueste Nachricht"]),
        ({"project": "p12345", "status": "answered"}, []),
        ({"project": "p22222", "status": "answered"}, ["Beantwortet, neu"]),
        (
            {"project": "", "status": ""},
            ["Beantwortet, neu", "Offen, mittel", "Offen, alt", "Geschlossen, neueste Nachricht"],
        ),
    ],
)
def test_list_filters_by_project_and_status(caretaker_client, tickets, filters, subjects):
    response = caretaker_client.get(LIST, filters)

    assert response.status_code == 200
    assert subjects_listed(response) == subjects


def test_filter_form_shows_the_current_filter(owner_client, tickets):
    page = owner_client.get(LIST, {"project": "p22222", "status": "answered"}).content.decode()

    assert '<input type="search" name="project" value="p22222"' in page
    assert '<option value="answered" selected>beantwortet</option>' in page


def test_an_invalid_status_filter_is_harmless(owner_client, tickets):
    response = owner_client.get(LIST, {"status": "<script>"})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_an_invalid_status_keeps_the_project_filter(caretaker_client, tickets):
    response = caretaker_client.get(LIST, {"project": "p22222", "status": "kaputt"})

    assert subjects_listed(response) == ["Beantwortet, neu", "Offen, mittel"]


def test_list_shows_who_opened_and_the_status(owner_client, caretaker, tickets):
    page = page_text(owner_client.get(LIST, {"project": "p22222"}))

    assert f"{caretaker.display_name} Technischer Betreuer offen" in page
    assert "Vertragspartner beantwortet" in page


def test_paging_keeps_the_filter(owner_client, owner, project, other_project, settings):
    settings.MAX_TICKET_MESSAGES_PER_CUSTOMER_PER_DAY = 60
    for index in range(30):
        open_ticket(owner, project, subject=f"Hauptseite {index}")
        open_ticket(owner, other_project, subject=f"Zweitseite {index}")

    first = owner_client.get(LIST, {"project": "p22222"})
    assert len(subjects_listed(first)) == 25
    assert "Seite 1 von 2" in page_text(first)
    assert 'href="?project=p22222&amp;page=2"' in first.content.decode()

    second = owner_client.get(LIST, {"project": "p22222", "page": 2})
    assert len(subjects_listed(second)) == 5
    assert all(subject.startswith("Zweitseite") for subject in subjects_listed(second))
    assert 'href="?project=p22222&amp;page=1"' in second.content.decode()
