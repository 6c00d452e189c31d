"""Betreuung: one active per project × caretaker, ends at once, expires at every access."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from delegation import expiry, services, sweeper
from delegation.access import accessible_projects
from delegation.models import Caretakership
from notifications.models import Notification
from projects.models import AuditEntry, Database, Domain, Order, Project
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory
from tests.delegation.helpers import HX, OVERVIEW, mails_to, page_text
from tests.factories import CustomerFactory, DatabaseFactory, DomainFactory, ProjectFactory

ORDER_REFUSAL = "Bestellungen sind Sache des Vertragspartners."


def revoke_url(care: Caretakership) -> str:
    return reverse("contract:caretakership_revoke", args=[care.pk])


def end_url(care: Caretakership) -> str:
    return reverse("contract:caretakership_end", args=[care.pk])


# --- One active caretakership per project and caretaker ---------------------------------------


def test_second_open_caretakership_for_the_same_pair_is_refused_by_the_database(caretakership, project, caretaker):
    with pytest.raises(IntegrityError), transaction.atomic():
        Caretakership.objects.create(
            project=project, owner_number=project.owner.number, caretaker=caretaker, source="request"
        )

    assert Caretakership.objects.count() == 1


def test_expired_but_unswept_row_still_blocks_a_second_open_row(project, caretaker):
    CaretakershipFactory(project=project, caretaker=caretaker, expires_at=timezone.now() - timedelta(days=1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Caretakership.objects.create(
            project=project, owner_number=project.owner.number, caretaker=caretaker, source="request"
        )


def test_ended_rows_do_not_block_a_new_caretakership(project, caretaker):
    for _ in range(2):
        CaretakershipFactory(project=project, caretaker=caretaker, ended_at=timezone.now(), end_reason="revoked")

    CaretakershipFactory(project=project, caretaker=caretaker)

    assert Caretakership.objects.open().count() == 1


def test_a_project_may_have_several_caretakers(project, caretaker):
    CaretakershipFactory(project=project, caretaker=caretaker)
    CaretakershipFactory(project=project, caretaker=CustomerFactory())

    assert Caretakership.objects.active().filter(project=project).count() == 2


def test_accepting_a_request_for_a_project_already_released_extends_instead_of_duplicating(
    owner, caretaker, project, release
):
    _pending, token = release
    request = ManagementRequestFactory(project=project, caretaker=caretaker)
    later = timezone.now() + timedelta(days=100)
    services.accept_release(customer=caretaker, token=token)

    services.accept_request(owner=owner, request_id=request.pk, expires_at=later)

    care = Caretakership.objects.get()
    assert care.expires_at == later
    assert care.is_active
    started, extended = AuditEntry.objects.filter(action="caretakership.started").order_by("pk")
    assert (started.new_value, started.scope) == ("unbefristet", "Technische Verwaltung")
    assert (extended.old_value, extended.new_value) == ("unbefristet", f"{expiry.last_day(later):%d.%m.%Y}")
    assert extended.scope == "Technische Verwaltung"


def test_accepting_anew_after_unswept_expiry_closes_the_old_row_and_opens_a_new_one(owner, caretaker, project):
    past = timezone.now() - timedelta(days=2)
    stale = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=past)
    request = ManagementRequestFactory(project=project, caretaker=caretaker)

    services.accept_request(owner=owner, request_id=request.pk, expires_at=None)

    stale.refresh_from_db()
    assert (stale.ended_at, stale.end_reason) == (past, "expired")
    fresh = Caretakership.objects.open().get()
    assert fresh.pk != stale.pk
    assert fresh.is_active
    # The sweeper will not see this row any more, so the expiry is recorded here.
    expired = AuditEntry.objects.get(action="caretakership.expired")
    assert (expired.role, expired.subject) == (AuditEntry.Role.SYSTEM, caretaker.display_name)
    assert expired.old_value == f"{expiry.last_day(past):%d.%m.%Y}"
    assert sweeper.sweep()["expired"] == 0


# --- Revoking and ending ----------------------------------------------------------------------


def test_owner_revokes_and_access_ends_on_the_next_request(owner_client, caretaker, caretakership, on_commit):
    client = login(caretaker)
    assert client.get("/projekte/p12345/").status_code == 200

    with on_commit():
        response = owner_client.post(revoke_url(caretakership))

    assert response.status_code == 302
    caretakership.refresh_from_db()
    assert caretakership.end_reason == "revoked"
    assert caretakership.ended_at is not None
    assert client.get("/projekte/p12345/").status_code == 404
    assert client.post("/projekte/p12345/php/", {"php_version": "8.1"}).status_code == 404
    assert Project.objects.get(number="p12345").php_version == "8.3"
    assert "p12345" not in page_text(client.get("/projekte/"))

    notification = Notification.objects.get(recipient=caretaker)
    assert "hat deine Betreuung von p12345 widerrufen" in notification.text
    [message] = mails_to("agentur@example.com")
    assert "widerrufen" in message.subject
    entry = AuditEntry.objects.get(action="caretakership.revoked")
    assert (entry.role, entry.actor, entry.project.number) == (
        AuditEntry.Role.OWNER,
        caretakership.project.owner,
        "p12345",
    )


def test_revoke_with_htmx_returns_the_tab(owner_client, caretakership):
    response = owner_client.post(revoke_url(caretakership), headers=HX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Betreuung widerrufen. Der Technische Betreuer hat ab sofort keinen Zugriff mehr." in page_text(response)


def test_caretaker_ends_care_and_the_owner_is_told(caretaker_client, owner, caretakership, on_commit):
    with on_commit():
        response = caretaker_client.post(end_url(caretakership))

    assert response.status_code == 302
    caretakership.refresh_from_db()
    assert caretakership.end_reason == "ended"
    assert caretaker_client.get("/projekte/p12345/").status_code == 404
    notification = Notification.objects.get(recipient=owner)
    assert "betreut p12345 nicht mehr" in notification.text
    [message] = mails_to("owner@example.com")
    assert "nicht mehr" in message.subject
    entry = AuditEntry.objects.get(action="caretakership.ended")
    assert entry.role == AuditEntry.Role.CARETAKER


@pytest.mark.parametrize("who", ["caretaker", "outsider"])
def test_only_the_owner_revokes(who, caretaker, outsider, caretakership):
    response = login({"caretaker": caretaker, "outsider": outsider}[who]).post(revoke_url(caretakership))

    assert response.status_code == 404
    caretakership.refresh_from_db()
    assert caretakership.ended_at is None


@pytest.mark.parametrize("who", ["owner", "outsider"])
def test_only_the_caretaker_ends(who, owner, outsider, caretakership):
    response = login({"owner": owner, "outsider": outsider}[who]).post(end_url(caretakership))

    assert response.status_code == 404
    caretakership.refresh_from_db()
    assert caretakership.ended_at is None


def test_revoking_twice_says_it_is_over(owner_client, caretakership):
    owner_client.post(revoke_url(caretakership))
    ended_at = Caretakership.objects.get().ended_at

    response = owner_client.post(revoke_url(caretakership), follow=True)

    assert "Diese Betreuung ist bereits beendet." in page_text(response)
    assert Caretakership.objects.get().ended_at == ended_at
    assert AuditEntry.objects.filter(action="caretakership.revoked").count() == 1


def test_get_only_asks_before_revoking_or_ending(owner_client, caretaker_client, caretakership, caretaker):
    revoke = owner_client.get(revoke_url(caretakership))
    end = caretaker_client.get(end_url(caretakership))

    assert revoke.status_code == end.status_code == 200
    assert f"p12345 kann dann nicht mehr von {caretaker.display_name} verwaltet werden." in page_text(revoke)
    assert "Du kannst p12345 dann nicht mehr für" in page_text(end)
    assert '<form method="post">' in revoke.text
    caretakership.refresh_from_db()
    assert caretakership.ended_at is None


def test_only_the_owner_and_the_caretaker_see_the_question(owner_client, caretaker_client, caretakership):
    assert caretaker_client.get(revoke_url(caretakership)).status_code == 404
    assert owner_client.get(end_url(caretakership)).status_code == 404


# --- Expiry at every access -------------------------------------------------------------------


def test_expiry_is_enforced_without_the_sweeper(caretaker, project):
    expires_at = timezone.now() + timedelta(days=3)
    care = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=expires_at)

    with time_machine.travel(expires_at - timedelta(seconds=1), tick=False):
        assert login(caretaker).get("/projekte/p12345/").status_code == 200

    with time_machine.travel(expires_at + timedelta(seconds=1), tick=False):
        client = login(caretaker)
        assert client.get("/projekte/p12345/").status_code == 404
        assert client.post("/projekte/p12345/php/", {"php_version": "8.1"}).status_code == 404
        assert "p12345" not in page_text(client.get("/projekte/"))
        assert "Hauptseite" not in page_text(client.get(OVERVIEW))
        assert not accessible_projects(caretaker).exists()

    care.refresh_from_db()
    assert care.ended_at is None
    assert Project.objects.get(pk=project.pk).php_version == "8.3"


def test_expired_caretakership_is_not_listed_for_the_owner_either(owner, caretaker, project):
    expires_at = timezone.now() + timedelta(days=3)
    CaretakershipFactory(project=project, caretaker=caretaker, expires_at=expires_at)

    with time_machine.travel(expires_at + timedelta(seconds=1), tick=False):
        context = login(owner).get(OVERVIEW).context

    assert context["released"].rows == []


def test_expiry_date_means_through_the_end_of_that_day(owner, caretaker, project, pending_request):
    last_day = timezone.localdate() + timedelta(days=5)
    services.accept_request(
        owner=owner, request_id=pending_request.pk, expires_at=expiry.expiry_from_last_day(last_day)
    )
    end_of_day = timezone.make_aware(datetime.combine(last_day, time.max))

    with time_machine.travel(end_of_day - timedelta(minutes=1), tick=False):
        assert login(caretaker).get("/projekte/p12345/").status_code == 200
    with time_machine.travel(end_of_day + timedelta(minutes=1), tick=False):
        assert login(caretaker).get("/projekte/p12345/").status_code == 404


# --- What a caretaker may and may not do ------------------------------------------------------


def audit_roles(project: Project) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(project=project).order_by("pk").values_list("action", "role"))


def test_caretaker_administers_php_databases_and_domains(caretaker_client, caretaker, caretakership, project):
    database = DatabaseFactory(project=project, name="p12345_alt")
    domain = DomainFactory(project=project, name="sonnenschein.de")

    responses = [
        caretaker_client.post("/projekte/p12345/php/", {"php_version": "8.2"}),
        caretaker_client.post("/projekte/p12345/datenbanken/", {"suffix": "shop"}),
        caretaker_client.post(f"/projekte/p12345/datenbanken/{database.name}/passwort/"),
        caretaker_client.post(f"/projekte/p12345/datenbanken/{database.name}/loeschen/"),
        caretaker_client.post("/projekte/p12345/domains/", {"name": "neu.de", "target_kind": "path", "target": "/"}),
        caretaker_client.post(
            f"/projekte/p12345/domains/{domain.name}/", {"target_kind": "redirect", "target": "https://example.org/"}
        ),
        caretaker_client.post("/projekte/p12345/domains/neu.de/entfernen/"),
    ]

    assert [r.status_code for r in responses] == [302] * 7
    project.refresh_from_db()
    assert project.php_version == "8.2"
    assert list(Database.objects.filter(project=project).values_list("name", flat=True)) == ["p12345_shop"]
    assert Domain.objects.get(project=project).target == "https://example.org/"
    entries = AuditEntry.objects.filter(project=project)
    assert [e.action for e in entries.order_by("pk")] == [
        "php_version.changed",
        "database.created",
        "database.password_reset",
        "database.deleted",
        "domain.added",
        "domain.target_changed",
        "domain.removed",
    ]
    assert {(e.role, e.actor_id) for e in entries} == {(AuditEntry.Role.CARETAKER, caretaker.pk)}


def test_caretaker_sees_the_owner_on_the_project_page(caretaker_client, owner, caretakership):
    text = page_text(caretaker_client.get("/projekte/p12345/"))

    assert f"Technischer Betreuer · für {owner.display_name} ({owner.number})" in text


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/projekte/p12345/bestellen/ssl/", "ssl"),
        ("/projekte/p12345/bestellen/domain/", {"name": "neu-registriert.de"}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_caretaker_cannot_order(caretaker_client, caretakership, project, url, data, htmx):
    domain = DomainFactory(project=project, name="sonnenschein.de")
    data = {"domain": domain.pk} if data == "ssl" else data
    before = AuditEntry.objects.count()

    response = caretaker_client.post(url, data, headers=HX if htmx else {})

    assert response.status_code == 403
    assert ORDER_REFUSAL in page_text(response)
    assert not Order.objects.exists()
    assert list(Domain.objects.values_list("name", flat=True)) == ["sonnenschein.de"]
    assert AuditEntry.objects.count() == before


def test_project_page_tells_the_caretaker_why_ordering_is_not_offered(caretaker_client, caretakership):
    text = page_text(caretaker_client.get("/projekte/p12345/"))

    assert ORDER_REFUSAL in text
    assert "SSL-Zertifikat kostenpflichtig bestellen" not in text


def test_owner_can_still_order(owner_client, project, caretakership):
    domain = DomainFactory(project=project, name="sonnenschein.de")

    response = owner_client.post("/projekte/p12345/bestellen/ssl/", {"domain": domain.pk})

    assert response.status_code == 302
    assert Order.objects.get().customer == project.owner


def test_caretaker_cannot_release_the_cared_project(caretaker_client, caretakership):
    form = caretaker_client.get(reverse("contract:release_new"))
    response = caretaker_client.post(
        reverse("contract:release_new"), {"email": "dritte@example.com", "projects": ["p12345"]}
    )

    assert 'value="p12345"' not in form.text
    assert response.status_code == 422
    assert "Du kannst nur eigene Projekte freigeben." in page_text(response)


def test_caretaker_cannot_revoke_another_caretakers_access(caretaker_client, caretaker, project):
    other = CaretakershipFactory(project=project, caretaker=CustomerFactory())
    CaretakershipFactory(project=project, caretaker=caretaker)

    response = caretaker_client.post(revoke_url(other))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.ended_at is None


def test_caretaker_cannot_see_foreign_projects_of_the_same_owner(caretaker_client, owner, caretakership):
    ProjectFactory(owner=owner, number="p12399", name="Nicht freigegeben")

    assert caretaker_client.get("/projekte/p12399/").status_code == 404
    assert "p12399" not in page_text(caretaker_client.get("/projekte/"))
