"""Technischer Betreuer tab, its lists' own pages and Projektverwaltung: grouped, searchable, a
fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from customercenter.models import Customer
from delegation.expiry import expiry_from_last_day
from delegation.models import Caretakership, ManagementRequest
from projects.models import Project
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import HX, OVERVIEW, page_text
from tests.factories import CustomerFactory, ProjectFactory
from tests.helpers import count_queries

PROJECTS = "/projekte/"
CARED_LIST = "/vertragsdaten/technischer-betreuer/liste/betreut/"
RELEASED_LIST = "/vertragsdaten/technischer-betreuer/liste/freigegeben/"
REQUESTS_LIST = "/vertragsdaten/technischer-betreuer/liste/antraege/"
# Pinned. Tab: session, user, customer, the first rows of six lists (verified addresses as a
# subquery), the projects of both release lists, the unread badge (not in the htmx fragment).
OVERVIEW_QUERIES = 10
# Projektverwaltung: session, user, customer, the sizes of both sections (own, cared for), the
# slice of each section the page reaches, who cares for the own projects on the page, the unread
# badge (not in the htmx fragment).
PROJECT_LIST_QUERIES = 8
# A list's own page: session, user, customer, its size, its rows, the unread badge.
FULL_LIST_QUERIES = 6


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
    ProjectReleaseFactory(email=caretaker.admin.email, projects=[ProjectFactory()])
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


@pytest.mark.parametrize(
    ("url", "pinned", "shown"),
    [
        (OVERVIEW, OVERVIEW_QUERIES, "Alle 2000 anzeigen"),
        (PROJECTS, PROJECT_LIST_QUERIES, "2000 Projekte"),
        (CARED_LIST, FULL_LIST_QUERIES, "Seite 1 von 80"),
    ],
)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_caretaker_query_count_is_the_same_for_2_and_2000_projects(
    agency, url, pinned, shown, headers, django_assert_max_num_queries
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
    assert shown in page_text(response)


@pytest.mark.parametrize(
    ("url", "pinned"),
    [(OVERVIEW, OVERVIEW_QUERIES), (PROJECTS, PROJECT_LIST_QUERIES), (RELEASED_LIST, FULL_LIST_QUERIES)],
)
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
        assert response.context["released"].more
    if url == RELEASED_LIST:
        assert response.context["page"].paginator.count == 2000


def test_search_in_2000_projects_has_the_same_query_count(agency, django_assert_max_num_queries):
    client = login(agency)
    small = count_queries(client, PROJECTS, data={"q": "p700001"})
    grow_agency(agency)

    with django_assert_max_num_queries(PROJECT_LIST_QUERIES):
        response = client.get(PROJECTS, {"q": "p711234"})

    assert count_queries(client, PROJECTS, data={"q": "p711234"}) == small
    assert [project.number for project, _care in response.context["page"].object_list] == ["p711234"]
    assert "1 Projekt" in page_text(response)


def test_the_tab_shows_the_first_rows_and_each_list_its_own_pages(agency):
    grow_agency(agency, total=120)
    client = login(agency)

    tab = client.get(OVERVIEW)
    third = client.get(CARED_LIST, {"page": 3}).context["page"]
    projects = client.get(PROJECTS, {"page": 5}).context["page"]

    assert len(tab.context["cared"].rows) == 5
    assert f'href="{CARED_LIST}"' in tab.text
    assert len(third.object_list) == 25
    assert third.paginator.count == 120
    assert client.get(CARED_LIST, {"page": 99}).context["page"].number == 5
    assert len(projects.object_list) == 120 - 4 * settings.PROJECTS_PER_PAGE
    assert projects.paginator.count == 120


def test_the_tab_shows_the_caretakerships_ending_soonest(caretaker_client, caretaker):
    soon, later = (timezone.localdate() + timedelta(days=days) for days in (3, 40))
    for number, last_day in [("p50001", None), ("p50002", later), ("p50003", soon)]:
        CaretakershipFactory(
            project=ProjectFactory(number=number), caretaker=caretaker, expires_at=expiry_from_last_day(last_day)
        )

    rows = caretaker_client.get(OVERVIEW).context["cared"].rows

    assert [care.project.number for care in rows] == ["p50003", "p50002", "p50001"]


def test_a_full_list_is_searchable(agency):
    grow_agency(agency, total=120)

    response = login(agency).get(CARED_LIST, {"q": "p710042"})

    assert [care.project.number for care in response.context["page"].object_list] == ["p710042"]
    assert "1 Eintrag" in page_text(response)


def test_an_unknown_list_is_not_found(caretaker_client):
    assert caretaker_client.get("/vertragsdaten/technischer-betreuer/liste/alles/").status_code == 404


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

    assert [project.number for project, _care in response.context["page"].object_list] == expected


def test_search_by_customer_number(caretaker_client, two_customers):
    _alpha, beta = two_customers

    response = caretaker_client.get(PROJECTS, {"q": str(beta.number)})

    assert [project.number for project, _care in response.context["page"].object_list] == ["p30003"]


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


def test_open_lists_show_the_newest_three_and_link_to_all(busy_owner):
    client = login(busy_owner)

    tab = client.get(OVERVIEW)
    everything = client.get(REQUESTS_LIST).context["page"]

    assert [len(tab.context[name].rows) for name in ("incoming_requests", "outgoing_releases")] == [3, 3]
    assert [r.project.number for r in tab.context["incoming_requests"].rows] == [f"p{730000 + i}" for i in range(3)]
    assert f'href="{REQUESTS_LIST}"' in tab.text
    assert [r.project.number for r in everything.object_list] == [f"p{730000 + i}" for i in range(25)]


@pytest.mark.parametrize("number", ["99999999999999999999", "-1", "x"])
def test_odd_page_numbers_give_a_page_not_an_error(busy_owner, agency, number):
    assert login(busy_owner).get(REQUESTS_LIST, {"page": number}).status_code == 200
    assert login(busy_owner).get(RELEASED_LIST, {"page": number}).status_code == 200
    assert login(agency).get(PROJECTS, {"page": number}).status_code == 200


def test_no_open_items_says_so(caretaker_client):
    assert "Keine offenen Anträge." in page_text(caretaker_client.get(OVERVIEW))


def test_open_items_hide_the_empty_message(busy_owner):
    assert "Keine offenen Anträge." not in page_text(login(busy_owner).get(OVERVIEW))


def test_actions_on_the_tab_answer_in_place(busy_owner):
    client = login(busy_owner)
    page = client.get(OVERVIEW)
    shown = page.context["incoming_requests"].rows[0]
    decline = reverse("contract:request_decline", args=[shown.pk])

    accept = reverse("contract:request_accept", args=[shown.pk])
    assert f'hx-post="{accept}"' in page.text
    assert f'href="{decline}"' in page.text  # asks first, on a page of its own
    # Every form of the tab sits inside the element that tells htmx where the answer goes.
    wrapper = page.text.index('<div hx-target="#tab-content" hx-swap="outerHTML">')
    assert all(
        match.start() > wrapper for match in re.finditer(r'<form method="post" action="/vertragsdaten', page.text)
    )
    htmx = client.post(decline, headers=HX)
    plain = client.post(reverse("contract:request_decline", args=[page.context["incoming_requests"].rows[1].pk]))

    assert htmx.status_code == 200
    assert "Antrag abgelehnt." in page_text(htmx)
    assert plain.status_code == 302
    assert plain["Location"] == OVERVIEW


def test_actions_on_a_lists_own_page_come_back_to_it(busy_owner):
    client = login(busy_owner)
    page = client.get(REQUESTS_LIST, {"page": 2})
    shown = page.context["page"].object_list[0]
    decline = reverse("contract:request_decline", args=[shown.pk])
    back = f"{REQUESTS_LIST}?page=2"

    assert (
        f'href="{decline}?next=%2Fvertragsdaten%2Ftechnischer-betreuer%2Fliste%2Fantraege%2F%3Fpage%3D2"' in page.text
    )
    plain = client.post(decline, {}, QUERY_STRING=f"next={back}")
    other = page.context["page"].object_list[1]
    htmx = client.post(reverse("contract:request_decline", args=[other.pk]) + f"?next={back}", headers=HX)

    assert (plain.status_code, plain["Location"]) == (302, back)
    assert (htmx.status_code, htmx["HX-Redirect"]) == (200, back)


def test_an_action_never_returns_to_another_site(busy_owner):
    client = login(busy_owner)
    shown = client.get(OVERVIEW).context["incoming_requests"].rows[0]

    response = client.post(reverse("contract:request_decline", args=[shown.pk]) + "?next=https://example.net/")

    assert response["Location"] == OVERVIEW


# --- Offene Anträge hold only what waits; the rest is in Verlauf der Anträge -------------------

HISTORY_REQUESTS = "/vertragsdaten/technischer-betreuer/liste/verlauf-antraege/"
HISTORY_RELEASES = "/vertragsdaten/technischer-betreuer/liste/verlauf-freigaben/"


@pytest.fixture
def decided(owner, project, caretaker):
    """An accepted and a declined request of the caretaker, an accepted and a withdrawn release."""
    accepted = ManagementRequestFactory(project=project, caretaker=caretaker, status="accepted")
    declined = ManagementRequestFactory(project=ProjectFactory(owner=owner), caretaker=caretaker, status="declined")
    for status in ("accepted", "declined"):
        ManagementRequest.objects.filter(status=status).update(decided_at=timezone.now())
    used = ProjectReleaseFactory(owner=owner, projects=[project], email=caretaker.admin.email, status="accepted")
    withdrawn = ProjectReleaseFactory(owner=owner, projects=[project], email="weg@example.com", status="withdrawn")
    return accepted, declined, used, withdrawn


def test_the_tab_shows_only_what_still_waits(owner_client, caretaker_client, decided):
    for client in (owner_client, caretaker_client):
        response = client.get(OVERVIEW)
        lists = ("incoming_requests", "incoming_releases", "outgoing_requests", "outgoing_releases")
        assert all(response.context[name].rows == [] for name in lists)
        assert "Keine offenen Anträge." in page_text(response)
        assert "Link gültig bis" not in page_text(response)


def test_closed_requests_are_in_the_history_of_both_sides(owner_client, caretaker_client, caretaker, decided):
    accepted, declined, _used, _withdrawn = decided

    seen_by_owner = owner_client.get(HISTORY_REQUESTS).context["page"].object_list
    seen_by_caretaker = caretaker_client.get(HISTORY_REQUESTS)

    assert {item.pk for item in seen_by_owner} == {accepted.pk, declined.pk}
    assert {item.pk for item in seen_by_caretaker.context["page"].object_list} == {accepted.pk, declined.pk}
    assert "Dein Antrag" in page_text(seen_by_caretaker)
    assert caretaker.display_name in page_text(owner_client.get(HISTORY_REQUESTS))


def test_a_caretaker_cannot_find_a_request_by_the_owners_name(caretaker_client, owner, decided):
    found = caretaker_client.get(HISTORY_REQUESTS, {"q": owner.last_name}).context["page"].object_list

    assert list(found) == []


def test_closed_releases_are_in_the_history_and_a_lapsed_one_can_be_sent_again(owner_client, owner, decided):
    lapsed = ProjectReleaseFactory(owner=owner, projects=[ProjectFactory(owner=owner)], status="lapsed")

    response = owner_client.get(HISTORY_RELEASES)
    resend = reverse("contract:release_resend", args=[lapsed.pk])

    assert len(response.context["page"].object_list) == 3
    assert f'action="{resend}?next=' in response.text
    again = owner_client.post(f"{resend}?next={HISTORY_RELEASES}")
    assert (again.status_code, again["Location"]) == (302, HISTORY_RELEASES)
    lapsed.refresh_from_db()
    assert lapsed.status == "pending"
    assert lapsed.pk in [release.pk for release in owner_client.get(OVERVIEW).context["outgoing_releases"].rows]


def test_the_tab_counts_released_and_cared_for_projects(releasing_owner):
    grow_owner(releasing_owner, total=30)

    response = login(releasing_owner).get(OVERVIEW)

    assert response.context["released"].total == 30
    assert len(response.context["released"].rows) == 5
    assert "Alle 30 anzeigen" in page_text(response)


@pytest.mark.parametrize(
    ("name", "question"),
    [("request_decline", "kann p730000 dann nicht verwalten."), ("release_withdraw", "gilt dann nicht mehr.")],
)
def test_declining_and_withdrawing_ask_first_without_javascript(busy_owner, name, question):
    client = login(busy_owner)
    tab = client.get(OVERVIEW).context
    item = tab["incoming_requests"].rows[0] if name == "request_decline" else tab["outgoing_releases"].rows[0]
    url = reverse(f"contract:{name}", args=[item.pk])

    asked = client.get(url)
    item.refresh_from_db()

    assert asked.status_code == 200
    assert question in page_text(asked)
    assert '<form method="post">' in asked.text
    assert item.status == "pending"
    assert client.post(url).status_code == 302
    item.refresh_from_db()
    assert item.status in {"declined", "withdrawn"}
