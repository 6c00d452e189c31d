"""A mail-provider outage: beat re-queues with backoff; afterwards every e-mail was sent exactly
once, or is failed and shown where it matters; none stays pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from anymail.exceptions import AnymailAPIError
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from delegation.models import ProjectRelease
from notifications import tasks
from notifications.models import Notification, OutboxEmail
from notifications.services import queue_email
from tests.conftest import login

START = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
BEAT_INTERVAL = settings.CELERY_BEAT_SCHEDULE["resend-unsent-emails"]["schedule"]
OVERVIEW = reverse("contract:caretakers")
NOTICES = ["eins@example.com", "zwei@example.com", "drei@example.com"]


class Provider:
    """The mail provider: answers 503 until `back_at`, then accepts; remembers what it accepted."""

    def __init__(self, back_at: datetime) -> None:
        self.back_at = back_at
        self.accepted: list[str] = []

    def send(self, message: EmailMultiAlternatives) -> int:
        if timezone.now() < self.back_at:
            raise AnymailAPIError("Postmark API response 503: Service Unavailable")
        self.accepted.extend(message.to)
        return 1


@pytest.fixture
def owner_client(owner) -> Client:
    """Signed in at START, so the session is valid throughout the outage."""
    with time_machine.travel(START, tick=False):
        return login(owner)


@pytest.fixture
def mails_during_an_outage(owner_client, project, monkeypatch, django_capture_on_commit_callbacks):
    """At START the provider goes down; a release link and three notices are queued meanwhile."""

    def outage(duration: timedelta) -> Provider:
        provider = Provider(back_at=START + duration)
        monkeypatch.setattr(EmailMultiAlternatives, "send", lambda message, fail_silently=False: provider.send(message))
        with time_machine.travel(START, tick=False), django_capture_on_commit_callbacks(execute=True):
            owner_client.post(reverse("contract:release_new"), {"email": "agentur@example.com", "projects": ["p12345"]})
            for to in NOTICES:
                queue_email(to=to, subject="Hinweis", body_text="Text")
        assert OutboxEmail.objects.filter(status="pending", attempts=1).count() == 4
        return provider

    return outage


def run_beat(until: datetime) -> None:
    """Beat runs the re-send job at its interval from START to `until`."""
    moment = START
    while moment <= until:
        with time_machine.travel(moment, tick=False):
            tasks.send_pending_emails()
        moment += BEAT_INTERVAL


def test_provider_down_20_minutes_every_mail_is_sent_exactly_once(mails_during_an_outage, owner_client):
    provider = mails_during_an_outage(timedelta(minutes=20))

    run_beat(until=START + timedelta(hours=4))

    assert sorted(provider.accepted) == sorted(["agentur@example.com", *NOTICES])
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert ProjectRelease.objects.get().delivery_failed_at is None
    assert "E-Mail konnte nicht zugestellt werden" not in owner_client.get(OVERVIEW).text


def test_provider_down_3_hours_every_mail_is_failed_and_the_release_shows_it(mails_during_an_outage, owner_client):
    provider = mails_during_an_outage(timedelta(hours=3))

    run_beat(until=START + timedelta(hours=5))

    assert provider.accepted == []
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {("failed", tasks.MAX_ATTEMPTS)}
    release = ProjectRelease.objects.get()
    assert release.status == "pending"
    assert release.delivery_failed_at is not None
    page = owner_client.get(OVERVIEW).text
    assert "E-Mail konnte nicht zugestellt werden" in page
    assert "Erneut senden" in page
    assert Notification.objects.filter(recipient=release.owner, kind="release.undeliverable").exists()


def test_the_backoff_spreads_the_attempts_over_more_than_half_an_hour(mails_during_an_outage):
    mails_during_an_outage(timedelta(hours=3))

    run_beat(until=START + timedelta(minutes=30))

    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {"pending"}
    assert max(OutboxEmail.objects.values_list("attempts", flat=True)) < tasks.MAX_ATTEMPTS
