"""The start page (Übersicht): where a customer lands, what waits for it, what happened."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from customercenter.models import Role
from projects.models import AuditEntry
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import page_text
from tests.factories import PASSWORD, CustomerFactory, MembershipFactory, ProjectFactory, UserFactory
from tests.helpers import count_queries

START = "/"


def test_signing_in_lands_on_the_start_page(client, owner):
    response = client.post("/konto/login/", {"login": "owner@example.com", "password": PASSWORD})

    assert response["Location"] == START
    assert "Übersicht" in page_text(client.get(START))


def test_anonymous_visitors_are_sent_to_the_login(client, db):
    assert client.get(START)["Location"].startswith("/konto/login/")


def test_owner_sees_requests_to_decide_and_where_to_decide(owner_client, project, caretaker):
    ManagementRequestFactory(project=project, caretaker=caretaker)

    response = owner_client.get(START)

    text = page_text(response)
    assert f"{caretaker.display_name} beantragt die Verwaltung von p12345." in text
    assert f'href="{reverse("contract:caretakers")}">Antrag entscheiden' in response.text


def test_technik_sees_requests_to_decide_only_where_the_account_lets_it_decide(client, owner, project, caretaker):
    ManagementRequestFactory(project=project, caretaker=caretaker)
    tom = UserFactory(email="tom@example.com")
    MembershipFactory(user=tom, customer=owner, role=Role.TECHNIK)
    client.force_login(tom)
    asks = f"{caretaker.display_name} beantragt die Verwaltung von p12345."

    assert asks not in page_text(client.get(START))

    owner.technik_may_decide = True
    owner.save(update_fields=["technik_may_decide"])
    assert asks in page_text(client.get(START))


def test_caretaker_sees_releases_to_accept(caretaker_client, owner, project):
    ProjectReleaseFactory(owner=owner, email="agentur@example.com", projects=[project])

    text = page_text(caretaker_client.get(START))

    assert f"{owner.display_name} gibt dir Projekte zur technischen Betreuung frei." in text


def test_caretakerships_ending_within_30_days_are_listed_for_both_sides(
    owner_client, caretaker_client, project, caretaker
):
    CaretakershipFactory(project=project, caretaker=caretaker, expires_at=timezone.now() + timedelta(days=20))
    later = ProjectFactory(owner=project.owner, number="p12346")
    CaretakershipFactory(project=later, caretaker=caretaker, expires_at=timezone.now() + timedelta(days=60))

    owner_text = page_text(owner_client.get(START))
    caretaker_text = page_text(caretaker_client.get(START))

    assert f"Die Betreuung von p12345 durch {caretaker.display_name} endet am" in owner_text
    assert "p12346 durch" not in owner_text
    assert "Deine Betreuung von p12345 endet am" in caretaker_text
    assert "Deine Betreuung von p12346" not in caretaker_text


def test_undeliverable_release_mails_are_listed(owner_client, owner, project):
    ProjectReleaseFactory(
        owner=owner, email="tippfehler@example.com", projects=[project], delivery_failed_at=timezone.now()
    )

    text = page_text(owner_client.get(START))

    assert "Die Projektfreigabe an tippfehler@example.com konnte nicht zugestellt werden." in text


def test_nothing_to_do_says_so(owner_client):
    assert "Gerade wartet nichts auf dich." in page_text(owner_client.get(START))


def test_counts_at_a_glance(owner_client, owner, project):
    ProjectFactory(owner=owner, number="p12346")
    CaretakershipFactory(project=project)

    text = page_text(owner_client.get(START))

    assert "2 eigene Projekte" in text
    assert "1 Betreuung deiner Projekte" in text
    assert "0 betreute Projekte" in text


def test_recent_history_shows_the_owners_projects_only(owner_client, owner, project, outsider):
    AuditEntry.objects.create(
        project=project, actor=owner, role="owner", action="php_version.changed", params={"subject": "8.3"}
    )
    foreign = ProjectFactory(owner=outsider, number="p99999")
    AuditEntry.objects.create(
        project=foreign, actor=outsider, role="owner", action="php_version.changed", params={"subject": "8.1"}
    )

    response = owner_client.get(START)

    assert 'href="/projekte/p12345/#history">p12345</a>' in response.text
    assert "p99999" not in response.text


def test_start_page_query_count_does_not_grow(owner_client, owner, caretaker):
    def add_some(start: int) -> None:
        for n in range(start, start + 8):
            project = ProjectFactory(owner=owner, number=f"p{n}")
            CaretakershipFactory(project=project, expires_at=timezone.now() + timedelta(days=5))
            ManagementRequestFactory(project=project, caretaker=CustomerFactory())
            AuditEntry.objects.create(project=project, actor=owner, role="owner", action="php_version.changed")

    add_some(20000)
    few = count_queries(owner_client, START)
    add_some(30000)

    assert count_queries(owner_client, START) == few <= 10
