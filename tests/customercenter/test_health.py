"""/healthz and beat's health check know whether the sweep runs and how long mail has waited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command

from customercenter import health, views
from delegation.tasks import sweep
from notifications.models import OutboxEmail

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_sweep_yet():
    cache.delete(health.LAST_SWEEP_KEY)
    yield
    cache.delete(health.LAST_SWEEP_KEY)


@pytest.fixture
def broker_up(settings, monkeypatch):
    """Installed at scale (beat exists only with Redis); the broker answers."""
    settings.REDIS_URL = "redis://redis:6379/0"
    monkeypatch.setattr(views, "_check_broker", lambda: True)


def healthz_at(client, moment: datetime) -> dict:
    with time_machine.travel(moment, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    return response.json()


def test_beat_is_stale_before_any_sweep_finished(client, db, broker_up):
    body = healthz_at(client, NOW)

    assert (body["beat"], body["last_sweep"]) == ("stale", None)


def test_beat_is_ok_after_a_sweep_and_stale_after_three_intervals(client, db, broker_up, settings):
    with time_machine.travel(NOW, tick=False):
        sweep.delay()
    three_intervals = 3 * settings.SWEEP_INTERVAL

    assert healthz_at(client, NOW + three_intervals) == {
        "database": "ok",
        "broker": "ok",
        "beat": "ok",
        "last_sweep": NOW.isoformat(),
        "oldest_pending_email_seconds": 0,
    }
    assert healthz_at(client, NOW + three_intervals + timedelta(seconds=1))["beat"] == "stale"


def test_without_redis_there_is_no_beat_to_report(client, db, settings):
    settings.REDIS_URL = ""

    assert "beat" not in healthz_at(client, NOW)


def test_healthz_reports_how_long_the_oldest_email_has_been_waiting(client, db, settings):
    settings.REDIS_URL = ""
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        OutboxEmail.objects.create(to="alt@example.com", subject="s", body_text="x", status="sent")
    with time_machine.travel(NOW - timedelta(minutes=10), tick=False):
        OutboxEmail.objects.create(to="wartet@example.com", subject="s", body_text="x", attempts=3)
    with time_machine.travel(NOW - timedelta(minutes=1), tick=False):
        OutboxEmail.objects.create(to="neu@example.com", subject="s", body_text="x")

    assert healthz_at(client, NOW)["oldest_pending_email_seconds"] == 600


def test_check_sweep_fails_while_the_sweep_is_stale(db, settings):
    settings.SWEEP_INTERVAL = timedelta(minutes=5)
    with time_machine.travel(NOW, tick=False):
        sweep.delay()

    with time_machine.travel(NOW + timedelta(minutes=14), tick=False):
        call_command("check_sweep")
    with time_machine.travel(NOW + timedelta(minutes=16), tick=False), pytest.raises(CommandError, match="stale"):
        call_command("check_sweep")


def test_check_sweep_fails_before_any_sweep(db):
    with pytest.raises(CommandError, match="never"):
        call_command("check_sweep")
