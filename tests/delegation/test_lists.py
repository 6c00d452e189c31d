"""Technischer Betreuer tab and Projektverwaltung: grouped, searchable, a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from customercenter.models import Customer
from delegation.expiry import expiry_from_last_day
from delegation.models import Caretakership
from projects.models import Project
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import HX, OVERVIEW, page_text
from tests.factories import CustomerFactory, ProjectFactory
from tests.helpers import count_queries

PROJECTS = "/projekte/"
# Pinned. Tab: session, user with customer, six lists each with its total in the same query
# (verified addresses as a subquery), the projects of both release lists, the unread badge
# (not in the htmx fragment).
OVERVIEW_QUERIES = 10
# List: session, user with customer, the sizes of both sections (own, cared for), the slice of
# each section the page reaches, the unread badge (not in the htmx fragment).
PROJECT_LIST_QUERIES = 6


def bulk_projects(owners: list[Customer], count: int, start: int) -> list[Project]:
    """`count` projects spread over `owners`, created in one statement."""
    return Project.objects.bulk_create(
        Project(
            number=f"p{start + i}",
            name=f"Kundenseite {start + i}",
            owner=owners[i % len(owners)],
            tariff=Project.Tariff.PLUS,
            php_version="8.3",
        )
        for i in range(count)
    )


def bulk_care(projects: list[Project], caretakers: list[Customer]) -> None:
    Caretakership.objects.bulk_create(
        Caretakership(
            project=project,
            owner_number=project.owner.number,
            caretaker=caretakers[i % len(caretakers)],
            source="release",
        )
        for i, project in enumerate(projects)
    )


@pytest.fixture
def agency(caretaker):
    """A caretaker with a bit of everything in Offene Anträge, and 2 cared-for projects."""
    owners = [CustomerFactory(company=f"Kunde {i}") for i in range(2)]
    bulk_care(bulk_projects(owners, 2, start=700000), [caretaker])
    ManagementRequestFactory(caretaker=caretaker)
    ProjectReleaseFactory(email=caretaker.user.email, projects=[ProjectFactory()])
    return caretaker


def grow_agency(caretaker, total: int = 2000) -> None:
    owners = [CustomerFactory(company=f"Großkunde {i}") for i in range(20)]
    bulk_care(bulk_projects(owners, total - 2, start=710000), [caretaker])


@pytest.fixture
def releasing_owner(owner, project):
    """An owner with 2 released projects and incoming and outgoing open items."""
    caretakers = [CustomerFactory(company=f"Agentur {i}") for i in range(2)]
    bulk_care([project, ProjectFactory(owner=owner)], caretakers)
    ManagementRequestFactory(project=project)
    ProjectReleaseFactory(owner=owner, projects=[project])
    return owner


def grow_owner(owner, total: int = 2000) -> None:
    caretakers = [CustomerFactory(company=f"Agentur {i}") for i in range(2, 22)]
    bulk_care(bulk_projects([owner], total - 2, start=720000), caretakers)


# --- Fixed query counts -----------------------------------------------------------------------


@pytest.mark.parametrize(("url", "pinned"), [(OVERVIEW, OVERVIEW_QUERIES), (PROJECTS, PROJECT_LIST_QUERIES)])
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_caretaker_query_count_is_the_same_for_2_and_2000_projects(
    agency, url, pinned, headers, django_assert_max_num_queries
):
    client = login(agency)
    small = count_queries(client, url, headers=headers)
    grow_agency(agency)
    assert Caretakership.objects.active().filter(caretaker=agency).count() == 2000

    large = count_queries(client, url, headers=headers)
    with django_assert_max_num_queries(pinned):
        response = client.get(url, headers=headers)

    assert large == small
    assert response.status_code == 200
    assert ("2000 Projekte" if url == PROJECTS else "Seite 1 von 100") in page_text(response)


@pytest.mark.parametrize(("url", "pinned"), [(OVERVIEW, OVERVIEW_QUERIES), (PROJECTS, PROJECT_LIST_QUERIES)])
def test_owner_query_count_is_the_same_for_2_and_2000_released_projects(
    releasing_owner, url, pinned, django_assert_max_num_queries
):
    client = login(releasing_owner)
    small = count_queries(client, url)
    grow_owner(releasing_owner)

    large = count_queries(client, url)
    with django_assert_max_num_queries(pinned):
        response = client.get(url)

    assert large == small
    if url == OVERVIEW:
        assert response.context["released"].paginator.count == 2000


def test_search_in_2000_projects_has_the_same_query_count(agency, django_assert_max_num_queries):
    client = login(agency)
    small = count_queries(client, PROJECTS, data={"q": "p700001"})
    grow_agency(agency)

    with django_assert_max_num_queries(PROJECT_LIST_QUERIES):
        response = client.get(PROJECTS, {"q": "p711234"})

    assert count_queries(client, PROJECTS, data={"q": "p711234"}) == small
    assert [p["number"] for p in response.context["page"].object_list] == ["p711234"]
    assert "1 Projekt" in page_text(response)


def test_lists_are_paginated(agency):
    grow_agency(agency, total=120)
    client = login(agency)

    first = client.get(OVERVIEW).context["cared"]
    third = client.get(OVERVIEW, {"betreut": 3}).context["cared"]
    projects = client.get(PROJECTS, {"page": 5}).context["page"]

    assert len(first.object_list) == 20
    assert len(third.object_list) == 20
    assert first.paginator.count == third.paginator.count == 120
    assert client.get(OVERVIEW, {"betreut": 99}).context["cared"].number == 6
    assert len(projects.object_list) == 120 - 4 * settings.PROJECTS_PER_PAGE
    assert projects.paginator.count == 120


# --- Projektverwaltung: grouped and searchable ------------------------------------------------


@pytest.fixture
def two_customers(caretaker):
    alpha = CustomerFactory(company="Alpha Bau", last_name="Adler")
    beta = CustomerFactory(company="Beta Blumen", last_name="Brandt")
    for number, name, customer in [
        ("p30001", "Alpha Shop", alpha),
        ("p30002", "Alpha Blog", alpha),
        ("p30003", "Beta Laden", beta),
    ]:
        CaretakershipFactory(project=ProjectFactory(number=number, name=name, owner=customer), caretaker=caretaker)
    ProjectFactory(owner=caretaker, number="p40001", name="Eigene Seite")
    return alpha, beta


def test_cared_for_projects_are_grouped_by_customer_after_own_projects(caretaker_client, two_customers):
    alpha, beta = two_customers

    text = page_text(caretaker_client.get(PROJECTS))

    headings = re.findall(r"(Eigene Projekte|Betreut für [^·]+· Kundennummer \d+)", text)
    assert headings == [
        "Eigene Projekte",
        f"Betreut für {alpha.display_name} · Kundennummer {alpha.number}",
        f"Betreut für {beta.display_name} · Kundennummer {beta.number}",
    ]
    order = [text.index(number) for number in ["p40001", "p30001", "p30002", "p30003"]]
    assert order == sorted(order)
    assert "4 Projekte" in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("p30003", ["p30003"]),
        ("P30003 ", ["p30003"]),
        ("Alpha Shop", ["p30001"]),
        ("laden", ["p30003"]),
        ("Alpha Bau", ["p30001", "p30002"]),
        ("brandt", ["p30003"]),
        ("Eigene", ["p40001"]),
    ],
)
def test_search_by_number_name_and_customer(caretaker_client, two_customers, query, expected):
    response = caretaker_client.get(PROJECTS, {"q": query})

    assert [p["number"] for p in response.context["page"].object_list] == expected


def test_search_by_customer_number(caretaker_client, two_customers):
    _alpha, beta = two_customers

    response = caretaker_client.get(PROJECTS, {"q": str(beta.number)})

    assert [p["number"] for p in response.context["page"].object_list] == ["p30003"]


def test_search_never_finds_projects_no_longer_cared_for(caretaker_client, two_customers):
    Caretakership.objects.filter(project__number="p30003").update(ended_at=timezone.now(), end_reason="revoked")

    response = caretaker_client.get(PROJECTS, {"q": "Beta"})

    assert list(response.context["page"].object_list) == []


def test_project_list_fragment_for_htmx(caretaker_client, two_customers):
    response = caretaker_client.get(PROJECTS, {"q": "Alpha"}, headers=HX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="project-list"' in response.text
    assert "p30001" in response.text
    assert "p30003" not in response.text
    assert "Neu laden" in response.text
    assert "HX-Request" in response["Vary"]


def test_project_list_shows_the_caretakers_expiry(caretaker_client, caretaker):
    last_day = timezone.localdate() + timedelta(days=20)
    CaretakershipFactory(
        project=ProjectFactory(number="p30009"), caretaker=caretaker, expires_at=expiry_from_last_day(last_day)
    )

    text = page_text(caretaker_client.get(PROJECTS))

    assert f"bis {last_day:%d.%m.%Y}" in text


# --- Technischer Betreuer tab -----------------------------------------------------------------


def test_overview_lists_cared_for_projects_with_owner(caretaker_client, two_customers):
    alpha, beta = two_customers

    text = page_text(caretaker_client.get(OVERVIEW))

    assert "Betreute Projekte" in text
    assert "p30001 · Alpha Shop" in text
    assert f"{alpha.display_name} Kundennummer {alpha.number}" in text
    assert f"{beta.display_name} Kundennummer {beta.number}" in text
    assert "Betreuung beenden" in text


def test_overview_lists_released_projects_with_caretaker(owner_client, caretaker, caretakership):
    text = page_text(owner_client.get(OVERVIEW))

    assert "Freigegebene Projekte" in text
    assert "p12345 · Hauptseite" in text
    assert f"{caretaker.display_name} Kundennummer {caretaker.number}" in text
    assert "unbefristet" in text
    assert "Widerrufen" in text


def test_overview_fragment_for_htmx(caretaker_client, two_customers):
    response = caretaker_client.get(OVERVIEW, headers=HX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="tab-content">')
    assert "Betreute Projekte" in response.text
    assert "HX-Request" in response["Vary"]


def test_overview_history_restore_gets_the_full_page(caretaker_client):
    response = caretaker_client.get(OVERVIEW, headers={**HX, "HX-History-Restore-Request": "true"})

    assert "<html" in response.text


def test_overview_needs_login(client, db):
    response = client.get(OVERVIEW)

    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


# --- Technischer Betreuer: six lists, each paged on its own -----------------------------------


@pytest.fixture
def busy_owner(owner):
    """An owner with 25 incoming requests and 12 outgoing releases, 3 released projects."""
    projects = bulk_projects([owner], 25, start=730000)
    for i, project in enumerate(projects):
        ManagementRequestFactory(project=project, created_at=timezone.now() - timedelta(minutes=i))
    for i in range(12):
        ProjectReleaseFactory(owner=owner, projects=[projects[i]], created_at=timezone.now() - timedelta(minutes=i))
    bulk_care(projects[:3], [CustomerFactory(company="Agentur Drei")])
    return owner


def test_open_lists_are_paged_each_on_its_own(busy_owner):
    client = login(busy_owner)

    first = client.get(OVERVIEW).context
    later = client.get(OVERVIEW, {"antraege": 3, "meine-freigaben": 2}).context

    assert [len(first[name].object_list) for name in ("incoming_requests", "outgoing_releases")] == [10, 10]
    assert first["incoming_requests"].paginator.count == 25
    assert later["incoming_requests"].number == 3
    assert [r.project.number for r in later["incoming_requests"].object_list] == [
        f"p{730000 + i}" for i in range(20, 25)
    ]
    assert later["outgoing_releases"].number == 2
    assert len(later["outgoing_releases"].object_list) == 2
    assert later["released"].number == 1


def test_a_pager_keeps_the_other_lists_pages(busy_owner):
    response = login(busy_owner).get(OVERVIEW, {"antraege": 2})

    assert 'href="?antraege=2&amp;meine-freigaben=2"' in response.text
    assert 'href="?antraege=3"' in response.text


@pytest.mark.parametrize("number", ["99999999999999999999", "-1", "x"])
def test_odd_page_numbers_give_a_page_not_an_error(busy_owner, agency, number):
    assert login(busy_owner).get(OVERVIEW, {"antraege": number, "freigegeben": number}).status_code == 200
    assert login(agency).get(PROJECTS, {"page": number}).status_code == 200


def test_no_open_items_says_so(caretaker_client):
    assert "Keine offenen Anträge." in page_text(caretaker_client.get(OVERVIEW))


def test_open_items_hide_the_empty_message(busy_owner):
    assert "Keine offenen Anträge." not in page_text(login(busy_owner).get(OVERVIEW))


def test_forms_post_back_with_the_pages_shown(busy_owner):
    client = login(busy_owner)
    page = client.get(OVERVIEW, {"antraege": 2, "bogus": "<x>"})
    shown = page.context["incoming_requests"].object_list[0]
    decline = reverse("contract:request_decline", args=[shown.pk])

    assert f'action="{decline}?antraege=2"' in page.text
    assert f'hx-post="{decline}?antraege=2"' in page.text
    # Every form of the tab sits inside the element that tells htmx where the answer goes.
    wrapper = page.text.index('<div hx-target="#tab-content" hx-swap="outerHTML">')
    assert all(
        match.start() > wrapper for match in re.finditer(r'<form method="post" action="/vertragsdaten', page.text)
    )

    htmx = client.post(f"{decline}?antraege=2", headers=HX)
    plain_shown = client.get(OVERVIEW, {"antraege": 2}).context["incoming_requests"].object_list[0]
    plain = client.post(reverse("contract:request_decline", args=[plain_shown.pk]) + "?antraege=2")

    assert htmx.status_code == 200
    assert htmx.context["incoming_requests"].number == 2
    assert plain.status_code == 302
    assert plain["Location"] == f"{OVERVIEW}?antraege=2"
