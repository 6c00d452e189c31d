"""docker-compose.yml keeps what running at scale relies on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import yaml
from django.conf import settings

COMPOSE = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def duration(text: str) -> timedelta:
    """A compose duration such as 40s, 6m or 1m30s."""
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", text)
    assert parts and text, f"unexpected duration {text!r}"
    minutes, seconds = (int(part or 0) for part in parts.groups())
    return timedelta(minutes=minutes, seconds=seconds)


@pytest.mark.parametrize("service", ["web", "worker"])
def test_web_and_worker_may_finish_a_mail_before_they_are_killed(service):
    email_timeout = re.fullmatch(r"\$\{EMAIL_TIMEOUT:-(\d+)\}", SERVICES[service]["environment"]["EMAIL_TIMEOUT"])

    assert duration(SERVICES[service]["stop_grace_period"]) > timedelta(seconds=int(email_timeout[1]))


def test_beat_is_healthy_only_while_the_sweep_runs():
    check = SERVICES["beat"]["healthcheck"]

    assert check["test"] == ["CMD", "python", "manage.py", "check_sweep"]
    assert duration(check["start_period"]) > settings.SWEEP_INTERVAL


@pytest.mark.parametrize("service", [name for name, service in SERVICES.items() if "build" not in service])
def test_images_from_a_registry_are_pinned_to_a_version(service):
    image, _, tag = SERVICES[service]["image"].rpartition(":")

    assert image, f"{service} has no tag"
    assert re.fullmatch(r"v?\d+\.\d+(\.\d+)?", tag), f"{service} is not pinned: {tag}"


def test_the_env_file_with_secrets_is_not_committed():
    ignored = (settings.BASE_DIR / ".gitignore").read_text().splitlines()

    assert ".env" in ignored
