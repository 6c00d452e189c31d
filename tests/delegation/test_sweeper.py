"""The periodic job: expires, reminds, lapses — in bulk, one digest per recipient, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delegation import services, sweeper, tasks
from delegation.expiry import last_day_text
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, Scope
from delegation.rules import REQUEST_LIFETIME
from notifications.models import Notification, OutboxEmail
from notifications.tasks import deliver
from projects.models import AuditEntry
from tests.conftest import login
from tests.delegation.factories import CaretakershipFactory, ManagementRequestFactory, ProjectReleaseFactory
from tests.delegation.helpers import mails_to
from tests.factories import CustomerFactory, ProjectFactory

NOTHING = {"expired": 0, "reminded": 0, "lapsed_requests": 0, "lapsed_releases": 0}


def side_effects():
    return (Notification.objects.count(), OutboxEmail.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def now():
    return timezone.now()


# --- Expiry -----------------------------------------------------------------------------------


def test_sweep_expires_due_caretakerships(now, owner, caretaker, project, on_commit):
    expires_at = now - timedelta(hours=1)
    due = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=expires_at, scope=Scope.READ_ONLY)
    later = CaretakershipFactory(caretaker=caretaker, expires_at=now + timedelta(days=30))
    unlimited = CaretakershipFactory(caretaker=caretaker)

    with on_commit():
        result = sweeper.sweep(now)

    assert result["expired"] == 1
    due.refresh_from_db()
    assert (due.ended_at, due.end_reason) == (expires_at, "expired")
    for row in (later, unlimited):
        row.refresh_from_db()
        assert row.ended_at is None

    entry = AuditEntry.objects.get(action="caretakership.expired")
    assert (entry.project, entry.role, entry.actor, entry.actor_user) == (project, "system", None, None)
    assert entry.subject == caretaker.display_name

    assert "Die technische Betreuung eines Projekts ist abgelaufen." in Notification.objects.get(recipient=owner).text
    assert "Deine Betreuung eines Projekts ist abgelaufen." in Notification.objects.get(recipient=caretaker).text
    day = last_day_text(expires_at)
    [to_owner] = mails_to("owner@example.com")
    assert f"p12345 – Betreuer {caretaker.display_name}, Umfang: Nur lesen, bis {day}" in to_owner.body
    [to_caretaker] = mails_to("agentur@example.com")
    assert f"p12345 – Vertragspartner {owner.display_name}, Umfang: Nur lesen, bis {day}" in to_caretaker.body


def test_caretakership_expiring_exactly_now_is_expired(now, caretakership):
    caretakership.expires_at = now
    caretakership.save()

    assert sweeper.sweep(now)["expired"] == 1


def test_swept_caretakership_stays_without_access(now, caretaker, caretakership):
    caretakership.expires_at = now - timedelta(minutes=1)
    caretakership.save()

    sweeper.sweep(now)

    assert login(caretaker).get("/projekte/p12345/").status_code == 404


# --- Reminders --------------------------------------------------------------------------------


def test_reminder_seven_days_before_expiry_is_sent_once(now, owner, caretaker, project, on_commit):
    care = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=now + timedelta(days=6))
    CaretakershipFactory(caretaker=caretaker, expires_at=now + timedelta(days=9))

    with on_commit():
        first = sweeper.sweep(now)
    after_first = side_effects()
    with on_commit():
        second = sweeper.sweep(now + timedelta(days=1))

    assert first["reminded"] == 1
    assert second["reminded"] == 0
    assert side_effects() == after_first
    care.refresh_from_db()
    assert care.reminder_sent_at == now
    assert care.ended_at is None
    last = last_day_text(care.expires_at)
    # The subject is true for the days actually left: it names the last day, not "7 days".
    assert (
        Notification.objects.get(recipient=owner).text == f"Eine technische Betreuung deiner Projekte endet am {last}."
    )
    assert Notification.objects.get(recipient=caretaker).text == f"Eine deiner Betreuungen endet am {last}."
    [to_caretaker] = mails_to("agentur@example.com")
    assert f"p12345 – für {owner.display_name} – Umfang: Technische Verwaltung – endet am {last}" in to_caretaker.body
    [to_owner] = mails_to("owner@example.com")
    assert (
        f"p12345 – betreut von {caretaker.display_name} – Umfang: Technische Verwaltung – endet am {last}"
        in to_owner.body
    )
    assert "Verlängern kannst du auf der Seite des Projekts unter Zugriff." in to_owner.body
    # One project: the e-mail and the notification lead to where it is extended.
    access = f"{settings.SITE_URL}/projekte/p12345/#access"
    assert f"endet am {last}\n  {access}\n" in to_owner.body
    assert f'<a href="{access}">p12345 – betreut von' in to_owner.alternatives[0][0]
    assert f"Im Kundencenter ansehen: {access}" in to_owner.body
    assert Notification.objects.get(recipient=owner).link == "/projekte/p12345/#access"


def test_a_reminder_of_several_projects_links_each_to_its_access_section(now, owner, caretaker, on_commit):
    for number in ("p20001", "p20002"):
        CaretakershipFactory(
            project=ProjectFactory(owner=owner, number=number), caretaker=caretaker, expires_at=now + timedelta(days=3)
        )

    with on_commit():
        sweeper.sweep(now)

    [to_owner] = mails_to("owner@example.com")
    html = to_owner.alternatives[0][0]
    for number in ("p20001", "p20002"):
        access = f"{settings.SITE_URL}/projekte/{number}/#access"
        assert f"  {access}\n" in to_owner.body
        assert f'<a href="{access}">{number} – betreut von' in html
    assert "/vertragsdaten/technischer-betreuer/liste/freigegeben/" in to_owner.body
    assert "#access" not in mails_to("agentur@example.com")[0].body


def test_reminder_comes_again_after_the_expiry_was_changed(now, owner, caretaker, project, pending_request):
    care = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=now + timedelta(days=5))
    sweeper.sweep(now)
    care.refresh_from_db()
    assert care.reminder_sent_at is not None
    services.accept_request(owner=owner, request_id=pending_request.pk, expires_at=now + timedelta(days=6))

    care.refresh_from_db()
    assert care.reminder_sent_at is None
    assert sweeper.sweep(now)["reminded"] == 1


def test_no_reminder_for_unlimited_caretakerships(now, caretakership):
    assert sweeper.sweep(now)["reminded"] == 0


# --- Lapsing ----------------------------------------------------------------------------------


def test_requests_lapse_after_thirty_days(now, caretaker, project):
    old = ManagementRequestFactory(caretaker=caretaker, project=project, created_at=now - REQUEST_LIFETIME)
    young = ManagementRequestFactory(caretaker=caretaker, created_at=now - REQUEST_LIFETIME + timedelta(hours=1))
    decided = ManagementRequestFactory(created_at=now - timedelta(days=40), status="declined")

    result = sweeper.sweep(now)

    assert result["lapsed_requests"] == 1
    assert ManagementRequest.objects.get(pk=old.pk).status == "lapsed"
    assert ManagementRequest.objects.get(pk=old.pk).decided_at == now
    assert ManagementRequest.objects.get(pk=young.pk).status == "pending"
    assert ManagementRequest.objects.get(pk=decided.pk).status == "declined"
    assert AuditEntry.objects.get(action="request.lapsed").role == "system"
    assert "Ein Antrag ist nach 30 Tagen ohne Antwort verfallen." in Notification.objects.get(recipient=caretaker).text


def test_release_links_lapse_after_fourteen_days(now, owner, project, on_commit):
    old = ProjectReleaseFactory(owner=owner, created_at=now - timedelta(days=14), projects=[project])
    young = ProjectReleaseFactory(owner=owner, created_at=now - timedelta(days=13), projects=[project])

    with on_commit():
        result = sweeper.sweep(now)

    assert result["lapsed_releases"] == 1
    assert ProjectRelease.objects.get(pk=old.pk).status == "lapsed"
    assert ProjectRelease.objects.get(pk=young.pk).status == "pending"
    entry = AuditEntry.objects.get(action="release.lapsed")
    assert (entry.project, entry.role, entry.subject) == (project, "system", old.email)
    notification = Notification.objects.get(recipient=owner)
    assert "Ein Freigabe-Link ist abgelaufen" in notification.text
    [message] = mails_to("owner@example.com")
    assert f"{old.email}: p12345" in message.body


# --- Idempotent and in bulk -------------------------------------------------------------------


def test_running_twice_does_nothing_the_second_time(now, owner, caretaker, project, on_commit):
    CaretakershipFactory(project=project, caretaker=caretaker, expires_at=now - timedelta(days=1))
    CaretakershipFactory(caretaker=caretaker, expires_at=now + timedelta(days=2))
    ManagementRequestFactory(caretaker=caretaker, created_at=now - timedelta(days=31))
    ProjectReleaseFactory(owner=owner, created_at=now - timedelta(days=15), projects=[project])

    with on_commit():
        first = sweeper.sweep(now)
    sent = len(mails_to("owner@example.com")) + len(mails_to("agentur@example.com"))
    before = side_effects()
    with on_commit():
        second = sweeper.sweep(now)

    assert first == {"expired": 1, "reminded": 1, "lapsed_requests": 1, "lapsed_releases": 1}
    assert second == NOTHING
    assert side_effects() == before
    assert len(mails_to("owner@example.com")) + len(mails_to("agentur@example.com")) == sent


def test_many_grants_give_one_digest_per_recipient(now, caretaker, on_commit):
    owners = [CustomerFactory() for _ in range(3)]
    for i in range(30):
        project = ProjectFactory(owner=owners[i % 3])
        CaretakershipFactory(project=project, caretaker=caretaker, expires_at=now - timedelta(minutes=i + 1))

    with on_commit():
        result = sweeper.sweep(now)

    assert result["expired"] == 30
    assert Caretakership.objects.filter(end_reason="expired").count() == 30
    assert AuditEntry.objects.filter(action="caretakership.expired").count() == 30
    [to_caretaker] = mails_to("agentur@example.com")
    assert "Deine Betreuung von 30 Projekten ist abgelaufen" in to_caretaker.subject
    assert to_caretaker.body.count("Vertragspartner") == 30
    for owner in owners:
        [to_owner] = mails_to(owner.admin.email)
        assert "Die technische Betreuung von 10 Projekten ist abgelaufen" in to_owner.subject
        assert Notification.objects.filter(recipient=owner).count() == 1
    assert Notification.objects.filter(recipient=caretaker).count() == 1
    assert OutboxEmail.objects.count() == 4


def test_long_digest_is_shortened(now, owner, caretaker, on_commit):
    for _ in range(sweeper.MAX_LINES + 5):
        project = ProjectFactory(owner=owner)
        CaretakershipFactory(project=project, caretaker=caretaker, expires_at=now + timedelta(days=2))

    with on_commit():
        sweeper.sweep(now)

    [email] = mails_to("agentur@example.com")
    assert "… und 5 weitere" in email.body
    assert email.body.count("– endet am") == sweeper.MAX_LINES
    # The worker keeps what it sent.
    assert OutboxEmail.objects.get(to="agentur@example.com").body_text == email.body


def test_digests_are_rendered_by_the_worker_in_the_recipients_language(now, owner, caretaker, on_commit):
    caretaker.admin.language = "en"
    caretaker.admin.save(update_fields=["language"])
    CaretakershipFactory(project=ProjectFactory(owner=owner), caretaker=caretaker, expires_at=now - timedelta(hours=1))

    sweeper.sweep(now)
    waiting = OutboxEmail.objects.get(to="agentur@example.com")

    assert (waiting.template, waiting.language, waiting.body_text) == ("notice", "en", "")
    # The subject is the notice without the full stop that ends it in the body.
    assert waiting.subject == waiting.context["subject"].removesuffix(".")

    deliver(waiting.pk)
    [email] = mails_to("agentur@example.com")
    waiting.refresh_from_db()
    assert email.subject == waiting.subject
    assert "expired" in email.subject.lower()
    assert email.body == waiting.body_text
    assert "<html" in email.alternatives[0][0]


def make_due(now, owners: int, per_owner: int) -> None:
    caretaker = CustomerFactory()
    for _ in range(owners):
        owner = CustomerFactory()
        for _ in range(per_owner):
            CaretakershipFactory(
                project=ProjectFactory(owner=owner), caretaker=caretaker, expires_at=now - timedelta(minutes=1)
            )
            CaretakershipFactory(
                project=ProjectFactory(owner=owner), caretaker=caretaker, expires_at=now + timedelta(days=1)
            )
        ManagementRequestFactory(caretaker=caretaker, created_at=now - timedelta(days=31))
        ProjectReleaseFactory(owner=owner, created_at=now - timedelta(days=15), projects=[ProjectFactory(owner=owner)])


def sweep_queries(now) -> int:
    with CaptureQueriesContext(connection) as context:
        sweeper.sweep(now)
    return len(context.captured_queries)


def test_sweep_query_count_does_not_grow_with_rows_or_recipients(db, now):
    make_due(now, owners=1, per_owner=2)
    small = sweep_queries(now)
    make_due(now, owners=8, per_owner=6)
    large = sweep_queries(now)

    assert large == small


# --- As the Celery task -----------------------------------------------------------------------


def test_celery_task_runs_the_sweep(owner, caretaker, project, on_commit):
    expires_at = timezone.now() + timedelta(days=20)
    care = CaretakershipFactory(project=project, caretaker=caretaker, expires_at=expires_at)

    with time_machine.travel(expires_at + timedelta(minutes=5), tick=False), on_commit():
        result = tasks.sweep.delay().get()
        again = tasks.sweep.delay().get()

    assert result["expired"] == 1
    assert again == NOTHING
    care.refresh_from_db()
    assert (care.ended_at, care.end_reason) == (expires_at, "expired")
    assert len(mails_to("agentur@example.com")) == 1
    assert len(mails_to("owner@example.com")) == 1


def test_beat_schedules_the_sweep(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "delegation.tasks.sweep" in schedule
