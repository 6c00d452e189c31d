"""Races on PostgreSQL: each ends in exactly one consistent outcome (how: tests/concurrency.py)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from delegation import rules, services, sweeper
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from delegation.services import caretakerships, management_requests, releases
from notifications.models import Notification
from projects.models import Project
from tests.concurrency import (
    Rendezvous,
    after,
    hold_after_audit,
    other_backend_waits_for_a_lock,
    outcomes,
    pause_after,
    race,
    wait_until,
)
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.delegation.helpers import link_url
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_project_release(owner, project, caretaker):
    blog = ProjectFactory(owner=owner, number="p12346")
    return services.create_release(
        owner=owner, email="agentur@example.com", projects=[project, blog], access_expires_at=None
    )


# --- Release: accept twice, accept against withdraw -------------------------------------------


def test_two_accepts_of_one_release_grant_once(monkeypatch, caretaker, two_project_release):
    _release, token = two_project_release
    pause_after(monkeypatch, releases, "_lock_release", Rendezvous())

    results = race(
        lambda: services.accept_release(customer=caretaker, token=token),
        lambda: services.accept_release(customer=caretaker, token=token),
    )

    assert outcomes(results) == ["error", "ok"]
    [error] = [value for kind, value in results if kind == "error"]
    assert isinstance(error, services.DelegationError)
    assert "bereits angenommen" in str(error)
    assert sorted(Caretakership.objects.values_list("project__number", flat=True)) == ["p12345", "p12346"]
    assert ProjectRelease.objects.get().status == "accepted"
    assert Notification.objects.filter(recipient__memberships__user__email="owner@example.com").count() == 1


def test_two_accepts_over_http_give_one_success_and_one_used_link_page(monkeypatch, caretaker, two_project_release):
    _release, token = two_project_release
    pause_after(monkeypatch, releases, "_lock_release", Rendezvous())
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(caretaker.admin)

    results = race(*[lambda client=client: client.post(link_url(token, "annehmen")) for client in clients])

    assert sorted(response.status_code for _kind, response in results) == [302, 409]
    assert Caretakership.objects.count() == 2


def test_accept_against_withdraw_ends_in_one_outcome(monkeypatch, owner, caretaker, two_project_release):
    release, token = two_project_release
    pause_after(monkeypatch, releases, "_lock_release", Rendezvous())

    results = race(
        lambda: services.accept_release(customer=caretaker, token=token),
        lambda: services.withdraw_release(owner=owner, pk=release.pk),
    )

    assert outcomes(results) == ["error", "ok"]
    release.refresh_from_db()
    accepted, withdrawn = results[0][0] == "ok", results[1][0] == "ok"
    if accepted:
        assert release.status == "accepted"
        assert Caretakership.objects.count() == 2
        assert "bereits angenommen" in str(results[1][1])
    else:
        assert withdrawn
        assert release.status == "withdrawn"
        assert not Caretakership.objects.exists()
        assert "zurückgezogen" in str(results[0][1])


@pytest.mark.parametrize("round_", range(3))
def test_accept_against_withdraw_without_rendezvous_is_consistent(owner, caretaker, two_project_release, round_):
    release, token = two_project_release

    race(
        lambda: services.accept_release(customer=caretaker, token=token),
        lambda: services.withdraw_release(owner=owner, pk=release.pk),
    )

    release.refresh_from_db()
    assert (release.status, Caretakership.objects.count()) in {("accepted", 2), ("withdrawn", 0)}


def test_accept_request_and_release_for_the_same_pair_at_once_open_one_caretakership(
    monkeypatch, owner, caretaker, project, release
):
    _release, token = release
    request = ManagementRequestFactory(project=project, caretaker=caretaker)
    rendezvous = Rendezvous()
    pause_after(monkeypatch, releases, "_lock_release", rendezvous)
    pause_after(monkeypatch, management_requests, "_lock_management_request", rendezvous)

    results = race(
        lambda: services.accept_release(customer=caretaker, token=token),
        lambda: services.accept_request(owner=owner, request_id=request.pk, expires_at=None),
    )

    assert outcomes(results) == ["ok", "ok"], results
    care = Caretakership.objects.get()
    assert care.is_active


def test_revoke_while_a_release_for_the_same_pair_is_accepted(monkeypatch, owner, caretaker, project, release):
    """The revocation holds the caretakership row; acceptance must wait for it, not deadlock."""
    _release, token = release
    care = CaretakershipFactory(project=project, caretaker=caretaker)
    revoking = hold_after_audit(monkeypatch, "caretakership.revoked")

    results = race(
        lambda: services.revoke_caretakership(owner=owner, caretakership_id=care.pk),
        after(revoking, lambda: services.accept_release(customer=caretaker, token=token)),
    )

    assert outcomes(results) == ["ok", "ok"], results
    care.refresh_from_db()
    assert care.end_reason == "revoked"
    fresh = Caretakership.objects.active().get()
    assert (fresh.project, fresh.caretaker) == (project, caretaker)


def test_request_holding_the_project_lets_an_acceptance_wait_not_fail(monkeypatch, owner, caretaker, outsider, project):
    """A new request locks the project row; an acceptance for it commits after, without deadlock."""
    request = ManagementRequestFactory(project=project, caretaker=outsider)
    requesting = hold_after_audit(monkeypatch, "request.created")

    results = race(
        lambda: services.request_management(caretaker=caretaker, project=project),
        after(requesting, lambda: services.accept_request(owner=owner, request_id=request.pk, expires_at=None)),
    )

    assert outcomes(results) == ["ok", "ok"], results
    assert Caretakership.objects.active().get().caretaker == outsider
    assert ManagementRequest.objects.get(caretaker=caretaker).status == "pending"


def test_acceptance_waits_for_an_owner_change_in_progress_and_grants_nothing(caretaker, outsider, project, release):
    """The owner's right is read under lock: a hand-over still in flight is waited for, not overlooked."""
    _release, token = release
    handing_over = threading.Event()

    def hand_over():
        with transaction.atomic():
            Project.objects.filter(pk=project.pk).update(owner=outsider)
            handing_over.set()
            wait_until(other_backend_waits_for_a_lock, "the acceptance did not wait for the project row")

    results = race(hand_over, after(handing_over, lambda: services.accept_release(customer=caretaker, token=token)))

    assert results[0][0] == "ok", results
    assert results[1][0] == "error"
    assert "Der Vertragspartner kann diese Projekte nicht mehr freigeben." in str(results[1][1])
    assert not Caretakership.objects.exists()
    assert ProjectRelease.objects.get().status == "pending"


# --- Requests: two caretakers at once, and the limits under load ------------------------------


def test_two_caretakers_request_the_same_project_at_once(monkeypatch, project, caretaker, outsider):
    pause_after(monkeypatch, rules, "request_problem", Rendezvous())

    results = race(
        lambda: services.request_management(caretaker=caretaker, project=project),
        lambda: services.request_management(caretaker=outsider, project=project),
    )

    assert outcomes(results) == ["ok", "ok"]
    pending = ManagementRequest.objects.filter(project=project, status="pending")
    assert sorted(pending.values_list("caretaker__memberships__user__email", flat=True)) == [
        "agentur@example.com",
        "outsider@example.com",
    ]
    assert Notification.objects.filter(recipient=project.owner).count() == 2
    assert len([m for m in mail.outbox if m.to == ["owner@example.com"]]) == 2


def test_same_caretaker_requesting_twice_at_once_gets_one_request(monkeypatch, project, caretaker):
    pause_after(monkeypatch, rules, "request_problem", Rendezvous())

    results = race(
        lambda: services.request_management(caretaker=caretaker, project=project),
        lambda: services.request_management(caretaker=caretaker, project=project),
    )

    assert outcomes(results) == ["error", "ok"]
    assert ManagementRequest.objects.filter(project=project).count() == 1


def test_last_free_pending_slot_goes_to_one_caretaker(monkeypatch, project, caretaker, outsider, settings):
    for _ in range(settings.MAX_PENDING_REQUESTS_PER_PROJECT - 1):
        ManagementRequestFactory(project=project)
    pause_after(monkeypatch, rules, "request_problem", Rendezvous())

    results = race(
        lambda: services.request_management(caretaker=caretaker, project=project),
        lambda: services.request_management(caretaker=outsider, project=project),
    )

    assert outcomes(results) == ["error", "ok"]
    assert ManagementRequest.objects.filter(project=project, status="pending").count() == 10


def test_accept_against_withdraw_of_a_request(monkeypatch, owner, caretaker, pending_request):
    pause_after(monkeypatch, management_requests, "_lock_management_request", Rendezvous())

    results = race(
        lambda: services.accept_request(owner=owner, request_id=pending_request.pk, expires_at=None),
        lambda: services.withdraw_request(caretaker=caretaker, request_id=pending_request.pk),
    )

    assert outcomes(results) == ["error", "ok"]
    pending_request.refresh_from_db()
    assert (pending_request.status, Caretakership.objects.count()) in {("accepted", 1), ("withdrawn", 0)}


# --- Caretakerships and the sweeper -----------------------------------------------------------


def test_revoke_against_end_closes_once(monkeypatch, owner, caretaker, caretakership):
    pause_after(monkeypatch, caretakerships, "_lock_open_caretakership", Rendezvous())

    results = race(
        lambda: services.revoke_caretakership(owner=owner, caretakership_id=caretakership.pk),
        lambda: services.end_caretakership(caretaker=caretaker, caretakership_id=caretakership.pk),
    )

    assert outcomes(results) == ["error", "ok"]
    caretakership.refresh_from_db()
    assert caretakership.end_reason in {"revoked", "ended"}
    assert Notification.objects.count() == 1


def test_two_sweeps_at_once_do_each_thing_once(caretaker):
    now = timezone.now()
    owners = [CustomerFactory() for _ in range(3)]
    for i in range(12):
        CaretakershipFactory(
            project=ProjectFactory(owner=owners[i % 3]), caretaker=caretaker, expires_at=now - timedelta(minutes=1)
        )

    results = race(lambda: sweeper.sweep(now), lambda: sweeper.sweep(now))

    assert outcomes(results) == ["ok", "ok"]
    assert sum(value["expired"] for _kind, value in results) == 12
    assert Caretakership.objects.filter(end_reason="expired").count() == 12
    assert Notification.objects.filter(recipient=caretaker).count() == 1
    for owner in owners:
        assert Notification.objects.filter(recipient=owner).count() == 1
    assert len([m for m in mail.outbox if m.to == ["agentur@example.com"]]) == 1
