"""Two changes to one database or domain at the same moment, on PostgreSQL: the first to lock the
row wins, the second waits for it and then acts on what is left (or is told it is gone, 404);
never a server error, never a history entry for a change that did not happen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import AuditEntry, Database, Domain
from tests.concurrency import after, hold_after_audit, race
from tests.conftest import login
from tests.factories import DatabaseFactory, DomainFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database(project) -> Database:
    return DatabaseFactory(project=project, name="p12345_shop")


@pytest.fixture
def domain(project) -> Domain:
    return DomainFactory(project=project, name="sonnenschein.de", target="/")


def statuses(results) -> list[object]:
    return [value.status_code if kind == "ok" else repr(value) for kind, value in results]


def history(project) -> list[str]:
    return list(AuditEntry.objects.filter(project=project).order_by("pk").values_list("action", flat=True))


def post(owner, name: str, *args, data: dict | None = None):
    client = login(owner)
    url = reverse(f"projects:{name}", args=["p12345", *args])
    return lambda: client.post(url, data or {})


def test_a_password_reset_while_the_database_is_deleted_finds_it_gone(monkeypatch, owner, project, database):
    deleting = hold_after_audit(monkeypatch, "database.deleted")

    results = race(
        post(owner, "database_delete", database.name),
        after(deleting, post(owner, "database_reset_password", database.name)),
    )

    assert statuses(results) == [302, 404]
    assert not Database.objects.exists()
    assert history(project) == ["database.deleted"]


def test_a_delete_while_the_password_is_reset_deletes_after_it(monkeypatch, owner, project, database):
    resetting = hold_after_audit(monkeypatch, "database.password_reset")

    results = race(
        post(owner, "database_reset_password", database.name),
        after(resetting, post(owner, "database_delete", database.name)),
    )

    assert statuses(results) == [302, 302]
    assert not Database.objects.exists()
    assert history(project) == ["database.password_reset", "database.deleted"]


def test_two_deletes_of_one_database_delete_it_once(monkeypatch, owner, project, database):
    deleting = hold_after_audit(monkeypatch, "database.deleted")

    results = race(
        post(owner, "database_delete", database.name),
        after(deleting, post(owner, "database_delete", database.name)),
    )

    assert statuses(results) == [302, 404]
    assert history(project) == ["database.deleted"]


def test_a_target_change_while_the_domain_is_removed_finds_it_gone(monkeypatch, owner, project, domain):
    removing = hold_after_audit(monkeypatch, "domain.removed")
    target = {"target_kind": "path", "target": "/shop"}

    results = race(
        post(owner, "domain_remove", domain.name),
        after(removing, post(owner, "domain_edit", domain.name, data=target)),
    )

    assert statuses(results) == [302, 404]
    assert not Domain.objects.exists()
    assert history(project) == ["domain.removed"]


def test_a_removal_while_the_target_changes_removes_after_it(monkeypatch, owner, project, domain):
    changing = hold_after_audit(monkeypatch, "domain.target_changed")
    target = {"target_kind": "path", "target": "/shop"}

    results = race(
        post(owner, "domain_edit", domain.name, data=target),
        after(changing, post(owner, "domain_remove", domain.name)),
    )

    assert statuses(results) == [302, 302]
    assert not Domain.objects.exists()
    assert history(project) == ["domain.target_changed", "domain.removed"]
    assert AuditEntry.objects.get(action="domain.removed").old_value == "/shop"
