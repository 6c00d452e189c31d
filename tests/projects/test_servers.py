"""Servers belong to the contract partner and are never delegated."""

from __future__ import annotations

from tests.conftest import login
from tests.factories import CustomerFactory, ProjectFactory, ServerFactory
from tests.helpers import count_queries

# session, user, customer, servers, their projects, unread badge
SERVER_LIST_QUERIES = 6


def test_server_list_shows_own_servers_with_projects(owner_client, owner, project, outsider):
    server = ServerFactory(owner=owner, number="s4711", name="Shopcluster")
    project.server = server
    project.save()
    ServerFactory(owner=outsider, number="s9999")

    response = owner_client.get("/server/")

    assert response.status_code == 200
    assert "s4711" in response.text
    assert "Shopcluster" in response.text
    assert 'href="/projekte/p12345/"' in response.text
    assert "s9999" not in response.text
    assert "Die Betreuung von ganzen Servern ist nicht möglich" in response.text


def test_server_detail_lists_its_projects(owner_client, owner, project):
    server = ServerFactory(owner=owner, number="s4711")
    project.server = server
    project.save()

    response = owner_client.get("/server/S4711/")

    assert response.status_code == 200
    assert "p12345" in response.text


def test_foreign_server_is_404(owner_client, outsider):
    ServerFactory(owner=outsider, number="s9999")

    assert owner_client.get("/server/s9999/").status_code == 404


def test_caretaker_cannot_see_the_owners_server(caretaker_client, caretakership, owner, project):
    server = ServerFactory(owner=owner, number="s4711")
    project.server = server
    project.save()

    assert caretaker_client.get("/server/s4711/").status_code == 404
    assert "s4711" not in caretaker_client.get("/server/").text


def test_server_list_query_count_is_the_same_for_2_and_50_servers(db, django_assert_max_num_queries):
    few, many = CustomerFactory(), CustomerFactory()
    for customer, count in [(few, 2), (many, 50)]:
        for server in ServerFactory.create_batch(count, owner=customer):
            ProjectFactory.create_batch(2, owner=customer, server=server)
    many_client = login(many)

    with django_assert_max_num_queries(SERVER_LIST_QUERIES):
        many_client.get("/server/")

    assert count_queries(login(few), "/server/") == count_queries(many_client, "/server/")
