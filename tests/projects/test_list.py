"""Projektverwaltung: own and cared-for projects, search, Neu laden, fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from delegation.models import Caretakership
from projects.models import Project
from projects.queries import project_list_page
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory
from tests.factories import CustomerFactory, ProjectFactory, ServerFactory
from tests.helpers import count_queries
from tests.projects.helpers import HX

# session, user with customer, the sizes of both sections, the slices the page reaches, who cares
# for the own projects on the page (+ unread badge on the full page)
PAGE_QUERIES = 7
FRAGMENT_QUERIES = 6


def test_list_shows_own_projects_with_their_columns(owner_client, owner):
    server = ServerFactory(owner=owner, number="s4711")
    ProjectFactory(
        owner=owner, number="p12345", name="Hauptseite", tariff=Project.Tariff.PRO, server=server, php_version="8.2"
    )

    response = owner_client.get("/projekte/")

    assert response.status_code == 200
    text = response.text
    assert "Projektverwaltung" in text
    assert 'href="/projekte/p12345/"' in text
    for value in ["p12345", "Hauptseite", "Webhosting Pro", "s4711", "8.2"]:
        assert value in text
    assert "1 Projekt" in text


def test_list_does_not_show_foreign_projects(owner_client, project, outsider):
    ProjectFactory(owner=outsider, number="p77777", name="Fremdprojekt")

    response = owner_client.get("/projekte/")

    assert "p12345" in response.text
    assert "p77777" not in response.text
    assert "Fremdprojekt" not in response.text


def test_list_shows_cared_for_projects_grouped_by_customer(caretaker_client, caretakership, owner):
    response = caretaker_client.get("/projekte/")

    assert "p12345" in response.text
    assert f"Betreut für Bäckerei Sonnenschein ({owner.first_name} {owner.last_name})" in response.text
    assert "unbefristet" in response.text


def test_list_without_projects(outsider_client):
    response = outsider_client.get("/projekte/")

    assert response.status_code == 200
    assert "Noch keine Projekte." in response.text


@pytest.mark.parametrize("query", ["p12345", "P12345", " p12345 ", "12345", "haupt", "HAUPTSEITE"])
def test_search_finds_by_number_and_name(owner_client, owner, project, query):
    ProjectFactory(owner=owner, number="p99999", name="Blog")

    response = owner_client.get("/projekte/", {"q": query})

    assert "p12345" in response.text
    assert "p99999" not in response.text


def test_search_without_match_says_so(owner_client, project):
    response = owner_client.get("/projekte/", {"q": "gibtsnicht"})

    assert "p12345" not in response.text
    assert "Kein Projekt passt zu „gibtsnicht“." in response.text


def test_search_never_finds_foreign_projects(owner_client, project, outsider):
    ProjectFactory(owner=outsider, number="p77777", name="Hauptseite Fremd")

    response = owner_client.get("/projekte/", {"q": "p77777"})

    assert "/projekte/p77777/" not in response.text
    assert "Kein Projekt passt zu „p77777“." in response.text
    response = owner_client.get("/projekte/", {"q": "Hauptseite"})
    assert "p77777" not in response.text
    assert "p12345" in response.text


def test_oversized_search_does_not_fail(owner_client, project):
    response = owner_client.get("/projekte/", {"q": "x" * 1000})

    assert response.status_code == 200


def test_search_is_escaped(owner_client, project):
    response = owner_client.get("/projekte/", {"q": "<script>alert(1)</script>"})

    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_htmx_request_returns_only_the_list_fragment(owner_client, project):
    response = owner_client.get("/projekte/", {"q": "p12345"}, headers=HX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "<nav" not in response.text.split('id="project-list"')[0]
    assert response.text.lstrip().startswith('<div id="project-list"')
    assert "p12345" in response.text
    assert "Neu laden" in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_full_page(owner_client, project):
    response = owner_client.get("/projekte/", headers={**HX, "HX-History-Restore-Request": "true"})

    assert "<html" in response.text


def test_reload_link_works_without_javascript(owner_client, project):
    response = owner_client.get("/projekte/")

    assert 'href="/projekte/"' in response.text
    assert 'hx-get="/projekte/"' in response.text
    assert "Neu laden" in response.text


def test_reload_link_keeps_the_search(owner_client, project):
    response = owner_client.get("/projekte/", {"q": "haupt seite"})

    assert 'href="/projekte/?q=haupt+seite"' in response.text


def test_list_is_paginated(owner_client, owner, settings):
    settings.PROJECTS_PER_PAGE = 10
    ProjectFactory.create_batch(25, owner=owner)

    first = owner_client.get("/projekte/")
    last = owner_client.get("/projekte/", {"page": "3"})
    nonsense = owner_client.get("/projekte/", {"page": "abc"})

    assert "Seite 1 von 3" in first.text
    assert "25 Projekte" in first.text
    assert "Seite 3 von 3" in last.text
    assert nonsense.status_code == 200
    assert "Seite 1 von 3" in nonsense.text


def test_pages_run_from_own_projects_into_cared_for_ones_grouped_by_customer_number(db, settings):
    settings.PROJECTS_PER_PAGE = 4
    agency = CustomerFactory()
    own = [project.number for project in ProjectFactory.create_batch(5, owner=agency)]
    owners = CustomerFactory.create_batch(3)
    cared = []
    for owner in sorted(owners, key=lambda customer: customer.number, reverse=True):
        for project in ProjectFactory.create_batch(2, owner=owner):
            CaretakershipFactory(project=project, caretaker=agency)
    for owner in owners:
        cared += sorted(project.number for project in owner.projects.all())
    CaretakershipFactory(project=ProjectFactory(owner=owners[0]), caretaker=agency, ended_at=timezone.now())
    expired = timezone.now() - timedelta(minutes=1)
    CaretakershipFactory(project=ProjectFactory(owner=owners[1]), caretaker=agency, expires_at=expired)

    pages = [project_list_page(agency, page=number) for number in (1, 2, 3, 4)]

    listed = [project.number for page in pages[:3] for project, _care in page.object_list]
    assert listed == sorted(own) + cared
    assert [len(page.object_list) for page in pages] == [4, 4, 3, 3]
    assert pages[3].number == 3  # past the end: the last page
    assert pages[0].paginator.count == 11
    assert [care is None for _project, care in pages[1].object_list] == [True, False, False, False]


def test_search_pages_through_both_sections(db, settings):
    settings.PROJECTS_PER_PAGE = 2
    agency = CustomerFactory()
    ProjectFactory(owner=agency, name="Shop alt")
    ProjectFactory(owner=agency, name="Blog")
    for name in ["Shop neu", "Shop Test", "Wiki"]:
        CaretakershipFactory(project=ProjectFactory(name=name), caretaker=agency)

    first, second = (project_list_page(agency, query="shop", page=number) for number in (1, 2))

    assert first.paginator.count == 3
    names = [project.name for project, _care in first.object_list + second.object_list]
    assert names == ["Shop alt", "Shop neu", "Shop Test"]


def test_caretaker_finds_cared_for_projects_by_owner_name_number_and_p_number(db):
    agency = CustomerFactory()
    baker = CustomerFactory(company="Bäckerei Sonnenschein", first_name="Lea", last_name="Richter")
    other = CustomerFactory(company="Autohaus Wolf", first_name="Max", last_name="Bauer")
    for owner, names in [(baker, ["Shop", "Blog"]), (other, ["Portal"])]:
        for name in names:
            CaretakershipFactory(project=ProjectFactory(owner=owner, name=name), caretaker=agency)
    ended = ProjectFactory(owner=baker, name="Alt")
    CaretakershipFactory(project=ended, caretaker=agency, ended_at=timezone.now())
    portal = Project.objects.get(name="Portal")

    def found(query):
        page = project_list_page(agency, query=query)
        assert page.paginator.count == len(page.object_list)
        return sorted(project.name for project, _care in page.object_list)

    assert found("sonnenschein") == ["Blog", "Shop"]
    assert found("RICHTER") == ["Blog", "Shop"]
    assert found(str(other.number)) == ["Portal"]
    assert found(portal.number.upper()) == ["Portal"]
    assert found("alt") == []
    assert found("nichts") == []


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/projekte/")

    assert response.status_code == 302
    assert response["Location"] == "/konto/login/?next=/projekte/"


def test_list_query_count_is_the_same_for_2_and_200_projects(db, django_assert_max_num_queries):
    few, many = CustomerFactory(), CustomerFactory()
    ProjectFactory.create_batch(2, owner=few)
    ProjectFactory.create_batch(200, owner=many, server=ServerFactory(owner=many))

    many_client = login(many)

    with django_assert_max_num_queries(PAGE_QUERIES):
        many_client.get("/projekte/")

    assert count_queries(login(few), "/projekte/") == count_queries(many_client, "/projekte/")


def test_list_fragment_query_count_is_the_same_for_2_and_200_projects(db, django_assert_max_num_queries):
    few, many = CustomerFactory(), CustomerFactory()
    ProjectFactory.create_batch(2, owner=few)
    ProjectFactory.create_batch(200, owner=many)

    many_client = login(many)

    with django_assert_max_num_queries(FRAGMENT_QUERIES):
        many_client.get("/projekte/", {"q": "p"}, headers=HX)

    assert count_queries(login(few), "/projekte/", headers=HX) == count_queries(many_client, "/projekte/", headers=HX)


def test_list_query_count_is_the_same_for_2_and_200_cared_for_projects(db, django_assert_max_num_queries):
    few, many = CustomerFactory(), CustomerFactory()
    owners = CustomerFactory.create_batch(20)
    for index in range(200):
        project = ProjectFactory(owner=owners[index % len(owners)])
        Caretakership.objects.create(
            project=project, owner_number=project.owner.number, caretaker=many, source="release"
        )
    for project in ProjectFactory.create_batch(2, owner=owners[0]):
        Caretakership.objects.create(
            project=project, owner_number=project.owner.number, caretaker=few, source="request"
        )

    many_client = login(many)

    with django_assert_max_num_queries(PAGE_QUERIES):
        response = many_client.get("/projekte/")

    assert "200 Projekte" in response.text
    assert count_queries(login(few), "/projekte/") == count_queries(many_client, "/projekte/")
