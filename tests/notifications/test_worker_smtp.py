"""An outbox e-mail travels through Redis to a real Celery worker and out over SMTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import transaction

from customercenter.celery import app as celery_app
from notifications.models import OutboxEmail
from notifications.services import queue_email

# The worker needs a database it can share with the test: the pytest database on PostgreSQL.
pytestmark = [pytest.mark.worker, pytest.mark.postgres]

DEADLINE_SECONDS = 60
SUBJECT = "Testnachricht über den Celery-Worker"


class CollectingHandler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def url_of_the_test_database() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = quote(database["HOST"] or "127.0.0.1", safe="")
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"


@pytest.fixture
def smtp_sink():
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, handler.messages
    controller.stop()


@pytest.fixture
def real_worker(smtp_sink, tmp_path):
    """A Celery worker process reading from Redis and writing to the test database."""
    port, _ = smtp_sink
    env = {
        **os.environ,
        "DATABASE_URL": url_of_the_test_database(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DJANGO_TESTING": "true",
    }
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(  # noqa: S603 -- fixed arguments, no shell
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "customercenter",
                "worker",
                "--pool=solo",
                "-l",
                "warning",
                "--hostname",
                f"pytest-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield worker, log_path
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@pytest.fixture
def tasks_go_to_the_broker():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = previous


def test_queued_email_is_sent_by_a_real_worker_over_smtp(
    transactional_db, smtp_sink, real_worker, tasks_go_to_the_broker
):
    _, received = smtp_sink
    worker, log_path = real_worker

    with transaction.atomic():
        email = queue_email(
            to="kunde@example.com",
            subject=SUBJECT,
            body_text="Hallo,\nder Worker hat diese Nachricht verschickt.\n",
            body_html="<p>Hallo,<br>der Worker hat diese Nachricht verschickt.</p>",
            topic="test",
        )
        # Enqueued only after the commit, so the worker cannot see an uncommitted row.
        assert not received

    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == OutboxEmail.Status.SENT and received:
            break
        assert worker.poll() is None, f"worker exited early:\n{log_path.read_text()}"
        time.sleep(0.1)
    else:
        pytest.fail(
            f"no delivery within {DEADLINE_SECONDS}s (status={email.status!r}, "
            f"last_error={email.last_error!r}, received={len(received)}):\n{log_path.read_text()}"
        )

    assert [message["Subject"] for message in received] == [SUBJECT]
    assert received[0]["To"] == "kunde@example.com"
    assert email.attempts == 1
    assert email.sent_at is not None
