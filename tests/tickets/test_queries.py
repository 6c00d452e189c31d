"""The ticket list and the thread cost the same few queries for 2 tickets or messages as for 50."""

from __future__ import annotations

import pytest

from delegation.models import Caretakership
from tests.factories import ProjectFactory
from tests.helpers import count_queries
from tests.tickets.helpers import LIST, PNG, detail_url, open_ticket, subjects_listed, upload
from tickets.models import Attachment, Message, Role, Ticket

# session, user, customer, count, page of tickets (+ unread badge)
LIST_QUERIES = 6
# session, user, customer, ticket, messages, attachments (+ unread badge)
THREAD_QUERIES = 7


@pytest.fixture
def other_project(owner):
    return ProjectFactory(owner=owner, number="p22222", name="Zweitseite")


def add_tickets(n: int, *, owner, caretaker, projects) -> None:
    for index in range(n):
        ticket = open_ticket([owner, caretaker][index % 2], projects[index % len(projects)], subject=f"Ticket {index}")
        if index % 3 == 0:
            Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)


@pytest.mark.parametrize(
    "filters", [{}, {"project": "p22222"}, {"status": "open"}, {"project": "p12345", "status": "closed"}]
)
def test_ticket_list_query_count_is_fixed(
    caretaker_client, owner, caretaker, project, other_project, caretakership, django_assert_max_num_queries, filters
):
    Caretakership.objects.create(
        project=other_project,
        owner_number=other_project.owner.number,
        caretaker=caretaker,
        source=Caretakership.Source.RELEASE,
    )
    projects = [project, other_project]
    add_tickets(2, owner=owner, caretaker=caretaker, projects=projects)
    few = count_queries(caretaker_client, LIST, filters)
    assert subjects_listed(caretaker_client.get(LIST, filters))

    add_tickets(48, owner=owner, caretaker=caretaker, projects=projects)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = caretaker_client.get(LIST, filters)

    assert response.status_code == 200
    assert len(subjects_listed(response)) > 2
    assert count_queries(caretaker_client, LIST, filters) == few


def test_thread_query_count_is_fixed(
    owner_client, owner, caretaker, staff, project, caretakership, django_assert_max_num_queries
):
    ticket = open_ticket(owner, project, files=[upload("log.txt", b"Protokoll")])
    Message.objects.create(ticket=ticket, author=caretaker, role=Role.CARETAKER, body="Zweite Nachricht")
    few = count_queries(owner_client, detail_url(ticket))

    authors = [(owner, Role.OWNER), (caretaker, Role.CARETAKER), (None, Role.STAFF)]
    for index in range(48):
        author, role = authors[index % 3]
        message = Message.objects.create(
            ticket=ticket, author=author, author_staff=staff if author is None else None, role=role, body=f"Nr. {index}"
        )
        if index % 2:
            Attachment.objects.create(
                message=message, file=upload("bild.png", PNG), name="bild.png", size=len(PNG), content_type="image/png"
            )

    with django_assert_max_num_queries(THREAD_QUERIES):
        response = owner_client.get(detail_url(ticket))

    assert response.status_code == 200
    assert response.content.decode().count('class="card mb-3') == 50
    assert count_queries(owner_client, detail_url(ticket)) == few
