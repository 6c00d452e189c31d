"""The whole installation as processes, driven by a browser.

gunicorn (two workers) serves the app on the pytest PostgreSQL database, a Celery worker sends
the e-mails through Redis and out over SMTP to a real SMTP server, and Celery beat runs the
sweeper every two seconds — configured only through environment variables, as in production.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from delegation.models import Caretakership
from tests.e2e.conftest import (
    AGENCY_EMAIL,
    OWNER_EMAIL,
    Browsing,
    Mailbox,
    free_port,
    text_of,
    wait_for,
)
from tests.e2e.steps import AGENCY_NAME, release_two_projects_and_revoke_one

# The processes share the test's database and need a broker: PostgreSQL and Redis.
pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.worker]

BOOT_SECONDS = 90
MAIL_SECONDS = 30
SWEEP_INTERVAL_SECONDS = 2


def url_of_the_test_database() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = quote(database["HOST"] or "127.0.0.1", safe="")
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"


class Stack:
    """Web, worker, beat: started as the compose file does, stopped in any case."""

    def __init__(self, directory: Path, mailbox: Mailbox) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "customercenter.settings",
            "STATIC_ROOT": str(directory / "static"),
            "DJANGO_TESTING": "false",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": url_of_the_test_database(),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(mailbox.port),
            "SWEEP_INTERVAL_SECONDS": str(SWEEP_INTERVAL_SECONDS),
        }

    def start(self, name: str, *arguments: str) -> subprocess.Popen:
        with open(self.directory / f"{name}.log", "wb") as log:
            process = subprocess.Popen(  # noqa: S603 -- fixed arguments, no shell
                [sys.executable, *arguments],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[name] = process
        return process

    def boot(self) -> None:
        collect = self.start("collectstatic", "manage.py", "collectstatic", "--noinput", "-v", "0")
        self.start(
            "worker",
            *("-m", "celery", "-A", "customercenter", "worker", "--pool=solo", "-l", "info"),
            *("--hostname", f"e2e-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        )
        self.start(
            "beat",
            *("-m", "celery", "-A", "customercenter", "beat", "-l", "info"),
            *("--schedule", str(self.directory / "celerybeat-schedule")),
        )
        try:
            returncode = collect.wait(timeout=BOOT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"collectstatic took longer than {BOOT_SECONDS}s:\n{self.logs()}")
        assert returncode == 0, f"collectstatic failed:\n{self.logs()}"
        del self.processes["collectstatic"]
        self.start(
            "gunicorn",
            *("-m", "gunicorn", "customercenter.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"),
            *("--access-logfile", "-", "--graceful-timeout", "5", "--no-control-socket"),
        )
        wait_for(self.healthy, timeout=BOOT_SECONDS, what=f"{self.url}/healthz to answer 200", check=self.check)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310 -- our URL
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def check(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{self.logs()}")

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.stem} ---\n{path.read_text(errors='replace')}" for path in sorted(self.directory.glob("*.log"))
        )

    @contextmanager
    def logs_on_failure(self, item: pytest.Item):
        """A failing test shows what the processes wrote."""
        try:
            yield
        except BaseException:
            self.stop()
            item.add_report_section("call", "processes", self.logs())
            raise


@pytest.fixture
def production_passwords(settings):
    """The processes run without the suite's fast MD5 hasher: store passwords as production does."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def stack(transactional_db, mailbox, tmp_path) -> Stack:
    stack = Stack(tmp_path, mailbox)
    try:
        stack.boot()
        yield stack
    finally:
        stack.stop()


def test_release_and_expiry_through_gunicorn_worker_beat_and_smtp(
    production_passwords, browser, stack, demo_owner, agency, mailbox, request
):
    browsing = Browsing(browser, stack.url)
    with stack.logs_on_failure(request.node):
        try:
            release_two_projects_and_revoke_one(
                browsing, mailbox, expires_on=timezone.localdate() + timedelta(days=30), mail_check=stack.check
            )
        finally:
            browsing.close()

        # The caretakership that is left runs out in a few seconds; beat's sweep ends it and tells both.
        remaining = Caretakership.objects.get(project__number="p10002", caretaker=agency, ended_at=None)
        Caretakership.objects.filter(pk=remaining.pk).update(
            expires_at=timezone.now() + timedelta(seconds=3), reminder_sent_at=timezone.now()
        )
        to_owner = mailbox.wait_for(
            to=OWNER_EMAIL,
            subject="Die technische Betreuung eines Projekts ist abgelaufen",
            timeout=MAIL_SECONDS,
            check=stack.check,
        )
        to_agency = mailbox.wait_for(
            to=AGENCY_EMAIL,
            subject="Deine Betreuung eines Projekts ist abgelaufen",
            timeout=MAIL_SECONDS,
            check=stack.check,
        )

        assert f"p10002 – Betreuer {AGENCY_NAME}" in text_of(to_owner)
        assert "p10002 – Vertragspartner Bäckerei Sonnenschein (Maria Sonne)" in text_of(to_agency)
        remaining.refresh_from_db()
        assert remaining.end_reason == Caretakership.EndReason.EXPIRED
