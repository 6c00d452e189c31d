"""Every delegation event lands in the owner's project history (Verlauf), naming the caretaker."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from delegation import services, sweeper
from delegation.models import Caretakership, ManagementRequest
from projects.models import ACTION_LABELS, AuditEntry
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import REQUEST_NEW, TAG_RE, link_url, page_text
from tests.factories import CustomerFactory

DELEGATION_ACTIONS = sorted(a for a in ACTION_LABELS if a.split(".")[0] in {"request", "release", "caretakership"})


def history(client, number: str = "p12345") -> list[str]:
    """The rows of the Verlauf on the project page, newest first, as text."""
    response = client.get(f"/projekte/{number}/")
    assert response.status_code == 200
    section = re.search(r'<section id="history".*?</section>', response.text, re.S)
    assert section, "the owner's project page has a Verlauf"
    rows = re.findall(r"<tr>(.*?)</tr>", section.group(0), re.S)[1:]
    return [" ".join(TAG_RE.sub(" ", row).split()) for row in rows]


def rows_with(rows: list[str], label: str) -> list[str]:
    return [row for row in rows if label in row]


def test_request_lifecycle_in_the_history(owner, caretaker, project):
    owner_client, caretaker_client = login(owner), login(caretaker)
    who = caretaker.name_with_number

    caretaker_client.post(REQUEST_NEW, {"number": "p12345"})
    request = ManagementRequest.objects.get(status="pending")
    caretaker_client.post(reverse("contract:request_withdraw", args=[request.pk]))
    caretaker_client.post(REQUEST_NEW, {"number": "p12345"})
    request = ManagementRequest.objects.get(status="pending")
    owner_client.post(reverse("contract:request_accept", args=[request.pk]), {"expires_on": ""})
    caretaker_client.post("/projekte/p12345/php/", {"php_version": "8.1"})
    care = Caretakership.objects.get()
    owner_client.post(reverse("contract:caretakership_revoke", args=[care.pk]))

    rows = history(owner_client)

    assert len(rows_with(rows, f"Verwaltung beantragt: {who}")) == 2
    for label in ["Antrag zurückgezogen", "Antrag angenommen", "Betreuung begonnen", "Betreuung widerrufen"]:
        assert len(rows_with(rows, f"{label}: {who}")) == 1, label
    [php] = rows_with(rows, "PHP-Version geändert")
    assert php.startswith(timezone.localtime().strftime("%d.%m.%Y"))
    person = caretaker.admin.display_name
    assert f"{person} ({caretaker.account_name}, {caretaker.number}) als Technischer Betreuer von p12345" in php
    assert php.endswith("8.3 8.1")
    [requested, *_] = rows_with(rows, "Verwaltung beantragt")
    assert "als Technischer Betreuer von p12345" in requested
    [revoked] = rows_with(rows, "Betreuung widerrufen")
    assert f"{owner.admin.display_name} ({owner.account_name}, {owner.number}) Vertragspartner" in revoked


def test_release_lifecycle_in_the_history(owner, caretaker, project):
    owner_client, caretaker_client = login(owner), login(caretaker)
    who = caretaker.name_with_number
    last_day = timezone.localdate() + timedelta(days=30)

    owner_client.post(
        reverse("contract:release_new"),
        {"email": "agentur@example.com", "projects": ["p12345"], "expires_on": last_day.isoformat(), "scope": "read"},
    )
    release = owner.releases.get()
    token = services.resend_release(owner=owner, pk=release.pk)
    caretaker_client.post(link_url(token, "annehmen"))
    care = Caretakership.objects.get()
    caretaker_client.post(reverse("contract:caretakership_end", args=[care.pk]))

    rows = history(owner_client)

    [created] = rows_with(rows, "Projektfreigabe erteilt: agentur@example.com")
    assert created.endswith(f"{last_day:%d.%m.%Y} Nur lesen")
    [_resent] = rows_with(rows, "Freigabe-Link neu versendet: agentur@example.com")
    [accepted] = rows_with(rows, f"Projektfreigabe angenommen: {who}")
    assert "als Technischer Betreuer von p12345" in accepted
    [started] = rows_with(rows, f"Betreuung begonnen: {who}")
    assert started.endswith(f"{last_day:%d.%m.%Y} Nur lesen")
    [ended] = rows_with(rows, f"Betreuung beendet: {who}")
    assert "als Technischer Betreuer von p12345" in ended


def test_history_rows_from_before_scopes_were_recorded_show_none(owner_client, owner, project):
    AuditEntry.objects.create(
        project=project,
        actor=owner,
        role="owner",
        action="release.created",
        params={"subject": "agentur@example.com", "new": {"day": None}},
    )

    [created] = history(owner_client)

    assert created.endswith("Projektfreigabe erteilt: agentur@example.com unbefristet")


def test_declines_withdrawals_and_system_events_in_the_history(owner, caretaker, project, staff):
    now = timezone.now()
    request = services.request_management(caretaker=caretaker, project=project)
    services.decline_request(owner=owner, request_id=request.pk)
    release, _token = services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
    )
    services.decline_release(customer=caretaker, pk=release.pk)
    release, _token = services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
    )
    services.withdraw_release(owner=owner, pk=release.pk)
    services.create_release(owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None)
    ManagementRequestFactory(project=project, caretaker=CustomerFactory(), created_at=now - timedelta(days=30))
    Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source="release", expires_at=now
    )
    sweeper.sweep(now + timedelta(days=15))
    care = Caretakership.objects.create(
        project=project, owner_number=project.owner.number, caretaker=caretaker, source="request"
    )
    services.staff_end_caretakership(staff=staff, caretakership_id=care.pk, reason="Vertrag gekündigt")

    rows = history(login(owner))

    who = caretaker.name_with_number
    assert rows_with(rows, f"Antrag abgelehnt: {who}")
    assert rows_with(rows, f"Projektfreigabe abgelehnt: {who}")
    assert rows_with(rows, "Projektfreigabe zurückgezogen: agentur@example.com")
    [lapsed_link] = rows_with(rows, "Freigabe-Link abgelaufen: agentur@example.com")
    assert "System" in lapsed_link
    [lapsed_request] = rows_with(rows, "Antrag verfallen")
    assert "System" in lapsed_request
    [expired] = rows_with(rows, f"Betreuung abgelaufen: {caretaker.display_name}")
    assert "System" in expired
    [by_staff] = rows_with(rows, f"Betreuung vom Support beendet: {who}")
    assert "support@example.com Support" in by_staff


def test_every_delegation_event_appears_in_the_history(owner, caretaker, project, staff):
    now = timezone.now()
    other = CustomerFactory()
    request = services.request_management(caretaker=caretaker, project=project)
    services.withdraw_request(caretaker=caretaker, request_id=request.pk)
    request = services.request_management(caretaker=caretaker, project=project)
    services.accept_request(owner=owner, request_id=request.pk, expires_at=None)
    services.revoke_caretakership(owner=owner, caretakership_id=Caretakership.objects.open().get().pk)
    request = services.request_management(caretaker=other, project=project)
    services.decline_request(owner=owner, request_id=request.pk)
    request = ManagementRequestFactory(project=project, caretaker=CustomerFactory())
    services.staff_end_request(staff=staff, request_id=request.pk)
    ManagementRequestFactory(project=project, caretaker=CustomerFactory(), created_at=now - timedelta(days=31))
    release, _token = services.create_release(
        owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
    )
    token = services.resend_release(owner=owner, pk=release.pk)
    services.accept_release(customer=caretaker, token=token)
    services.end_caretakership(caretaker=caretaker, caretakership_id=Caretakership.objects.open().get().pk)
    for answer in (services.decline_release, None):
        release, _token = services.create_release(
            owner=owner, email="agentur@example.com", projects=[project], access_expires_at=None
        )
        if answer:
            answer(customer=caretaker, pk=release.pk)
        else:
            services.withdraw_release(owner=owner, pk=release.pk)
    ProjectReleaseFactory(owner=owner, projects=[project], created_at=now - timedelta(days=15))
    CaretakershipFactory(project=project, caretaker=other, expires_at=now - timedelta(hours=1))
    sweeper.sweep(now)
    care = CaretakershipFactory(project=project, caretaker=CustomerFactory())
    services.change_expiry(owner=owner, caretakership_id=care.pk, expires_at=now + timedelta(days=90))
    services.change_scope(owner=owner, caretakership_id=care.pk, scope="read")
    services.staff_end_caretakership(staff=staff, caretakership_id=care.pk, reason="Vertrag gekündigt")

    recorded = set(AuditEntry.objects.filter(project=project).values_list("action", flat=True))
    assert recorded == set(DELEGATION_ACTIONS)
    rows = history(login(owner))
    assert len(rows) == AuditEntry.objects.filter(project=project).count()
    for action in DELEGATION_ACTIONS:
        assert rows_with(rows, str(ACTION_LABELS[action])), action


def test_caretaker_does_not_see_the_history(caretaker_client, caretakership):
    response = caretaker_client.get("/projekte/p12345/")

    assert response.status_code == 200
    assert 'id="history"' not in response.text
    assert "Verlauf" not in page_text(response)


@pytest.mark.parametrize("htmx", [False, True])
def test_history_fragment_refreshes_for_htmx(owner_client, project, htmx):
    services.request_management(caretaker=CustomerFactory(), project=project)

    response = owner_client.get(
        "/projekte/p12345/", {"section": "history"}, headers={"HX-Request": "true"} if htmx else {}
    )

    assert "Verwaltung beantragt" in response.text
    assert ("<html" in response.text) is not htmx
