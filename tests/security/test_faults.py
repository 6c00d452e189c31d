"""Faults survived, nothing lost: broker down, mail provider down or refusing, bounces reported
by webhook, a worker killed in the middle of a send, a database error in the middle of a change."""

from __future__ import annotations

import base64
import json
import smtplib
import threading
import time
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customercenter.celery import app as celery_app
from delegation.models import ProjectRelease
from notifications import tasks
from notifications.models import Notification, OutboxEmail
from notifications.services import enqueue
from projects import audit
from projects.models import AuditEntry
from tests.conftest import login

RELEASE_NEW = reverse("contract:release_new")
OVERVIEW = reverse("contract:caretakers")
POSTMARK_TRACKING = "/anymail/postmark/tracking/"
WEBHOOK_SECRET = "kundencenter:webhook-geheim"


def reset_broker_pools() -> None:
    """Celery keeps its broker connection; after changing the URL the next publish must reconnect."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Celery publishes to a Redis that refuses connections, as in production when Redis is down."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    reset_broker_pools()

    def broker_returns():
        conf.broker_url, conf.task_always_eager = saved
        reset_broker_pools()

    yield broker_returns
    broker_returns()


def release_data(email: str, project: str = "p12345") -> dict:
    return {"email": email, "projects": [project]}


# --- Broker down while 100 releases are made --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_broker_down_loses_no_release_and_no_mail(owner, project, settings, broker_down, caplog):
    """Real commits (transaction=True): the e-mail is handed to the broker inside the request."""
    settings.MAX_RELEASES_PER_OWNER_PER_DAY = 200
    client = login(owner)
    emails = [f"betreuer{n}@example.com" for n in range(100)]

    started = time.monotonic()
    responses = [client.post(RELEASE_NEW, release_data(email)) for email in emails]
    elapsed = time.monotonic() - started

    assert {(r.status_code, r["Location"]) for r in responses} == {(302, OVERVIEW)}
    assert ProjectRelease.objects.filter(email__in=emails, status="pending").count() == 100
    assert OutboxEmail.objects.filter(to__in=emails, status="pending").count() == 100
    assert mail.outbox == []
    assert elapsed < 60, "requests waited for the broker"
    assert sum("Could not enqueue outbox e-mail" in r.getMessage() for r in caplog.records) == 100

    broker_down()  # ... returns, and beat runs the re-send job after a while.
    with time_machine.travel(timezone.now() + tasks.RESEND_AFTER + timedelta(seconds=1)):
        assert tasks.send_pending_emails() == 100
        assert tasks.send_pending_emails() == 0

    assert sorted(message.to[0] for message in mail.outbox) == sorted(emails)
    assert OutboxEmail.objects.filter(to__in=emails, status="sent").count() == 100


def test_a_request_does_not_wait_for_a_dead_broker(outbox_row, broker_down):
    """No reconnect loop while publishing, and a bounded connect for a host that does not answer."""
    enqueue(outbox_row.pk)  # the first publish also loads the Redis transport
    started = time.monotonic()
    enqueue(outbox_row.pk)

    assert time.monotonic() - started < 1
    assert 0 < django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] <= 5
    outbox_row.refresh_from_db()
    assert outbox_row.status == "pending"


# --- The mail provider fails for a while, or refuses for good ---------------------------------


def fail_with(error: Exception):
    def send(self, fail_silently=False):
        raise error

    return send


@pytest.fixture
def outbox_row(db) -> OutboxEmail:
    return OutboxEmail.objects.create(to="agentur@example.com", subject="Freigabe", body_text="Hallo", topic="test")


@pytest.mark.parametrize(
    "error",
    [AnymailAPIError("Postmark API response 503: Service Unavailable"), smtplib.SMTPServerDisconnected("Lost")],
    ids=["anymail-api-error", "smtp-disconnect"],
)
def test_transient_provider_error_is_retried_with_backoff(outbox_row, monkeypatch, error):
    monkeypatch.setattr(EmailMultiAlternatives, "send", fail_with(error))
    retries = []

    def retry(*args, **kwargs):
        retries.append(kwargs)
        return Retry(exc=kwargs.get("exc"), when=kwargs.get("countdown"))

    monkeypatch.setattr(tasks.send_email, "retry", retry)

    with pytest.raises(Retry):
        tasks.send_email(outbox_row.pk)  # as a worker runs it: not eager

    [options] = retries
    outbox_row.refresh_from_db()
    assert timezone.now() < options["eta"] == outbox_row.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert tasks.send_email.max_retries == tasks.MAX_ATTEMPTS
    assert (outbox_row.status, outbox_row.attempts, outbox_row.sent_at) == ("pending", 1, None)
    assert str(error) in outbox_row.last_error
    assert mail.outbox == []


def test_refused_release_mail_shows_at_the_release_and_resend_clears_it(
    owner_client, project, monkeypatch, django_capture_on_commit_callbacks
):
    with monkeypatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr(EmailMultiAlternatives, "send", fail_with(AnymailRecipientsRefused("Mailbox does not exist")))
        owner_client.post(RELEASE_NEW, release_data("tippfehler@example.com"))
    release = ProjectRelease.objects.get(email="tippfehler@example.com")
    assert OutboxEmail.objects.get(to="tippfehler@example.com").status == "failed"

    page = owner_client.get(OVERVIEW).content.decode()
    assert "E-Mail konnte nicht zugestellt werden" in page
    assert "Erneut senden" in page
    assert Notification.objects.filter(recipient=release.owner, kind="release.undeliverable").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("contract:release_resend", args=[release.pk]))

    assert response.status_code == 302
    release.refresh_from_db()
    assert release.delivery_failed_at is None
    assert "E-Mail konnte nicht zugestellt werden" not in owner_client.get(OVERVIEW).content.decode()
    assert [m.to for m in mail.outbox] == [["tippfehler@example.com"]]


# --- Bounces reported by the provider's webhook -----------------------------------------------


def send_like_an_esp(self, fail_silently=False):
    """What an anymail backend does: send, and tell the message id the provider assigned."""
    self.anymail_status = SimpleNamespace(message_id=str(uuid.uuid4()))
    mail.outbox.append(self)
    return 1


def postmark_bounce(message_id: str, email: str) -> dict:
    """A Postmark bounce webhook, as documented (https://postmarkapp.com/developer/webhooks/bounce-webhook)."""
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "kundencenter@example.com",
        "BouncedAt": "2030-03-04T10:00:00.000Z",
        "DumpAvailable": False,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Bäckerei Sonnenschein gibt dir Projekte zur technischen Betreuung frei",
    }


def basic_auth(credentials: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


POSTMARK = {"EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend", "ANYMAIL": {"WEBHOOK_SECRET": WEBHOOK_SECRET}}


@pytest.fixture
def sent_release(owner_client, project, monkeypatch, mount_urls, django_capture_on_commit_callbacks):
    monkeypatch.setattr(EmailMultiAlternatives, "send", send_like_an_esp)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(RELEASE_NEW, release_data("verschrieben@example.com"))
    mount_urls(**POSTMARK)
    row = OutboxEmail.objects.get(to="verschrieben@example.com")
    assert row.status == "sent"
    assert row.message_id
    return ProjectRelease.objects.get(email="verschrieben@example.com"), row


def test_bounce_webhook_marks_the_release_undeliverable(client, sent_release):
    release, row = sent_release

    response = client.post(
        POSTMARK_TRACKING,
        json.dumps(postmark_bounce(row.message_id, row.to)),
        content_type="application/json",
        **basic_auth(WEBHOOK_SECRET),
    )

    assert response.status_code == 200
    release.refresh_from_db()
    row.refresh_from_db()
    assert release.delivery_failed_at is not None
    assert row.status == "failed"
    assert row.last_error.startswith("bounced")


@pytest.mark.parametrize("headers", [{}, basic_auth("kundencenter:falsch"), basic_auth("fremd:webhook-geheim")])
def test_bounce_webhook_without_the_secret_changes_nothing(client, sent_release, headers):
    release, row = sent_release

    response = client.post(
        POSTMARK_TRACKING,
        json.dumps(postmark_bounce(row.message_id, row.to)),
        content_type="application/json",
        **headers,
    )

    assert response.status_code in {400, 403}
    release.refresh_from_db()
    row.refresh_from_db()
    assert release.delivery_failed_at is None
    assert row.status == "sent"


# --- A worker killed in the middle of a send ---------------------------------------------------


def test_a_killed_workers_task_is_redelivered():
    """acks_late + reject_on_worker_lost: the message is acknowledged only after the task ran, and
    goes back to the queue when the worker process dies; deliver() must then be safe to run again."""
    assert django_settings.CELERY_TASK_ACKS_LATE is True
    assert django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert tasks.send_email.acks_late is True
    assert tasks.send_email.reject_on_worker_lost is True


def test_the_rerun_after_a_completed_send_sends_nothing(outbox_row):
    tasks.deliver(outbox_row.pk)

    assert tasks.deliver(outbox_row.pk) is None

    outbox_row.refresh_from_db()
    assert (outbox_row.status, outbox_row.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_rerun_while_the_first_still_sends_skips_the_row(outbox_row):
    """The redelivered task meets the row still locked by the first (not dead yet) worker."""
    locked, release = threading.Event(), threading.Event()

    def first_worker():
        try:
            with transaction.atomic():
                OutboxEmail.objects.select_for_update().get(pk=outbox_row.pk)
                locked.set()
                release.wait(20)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert locked.wait(20)
        assert tasks.deliver(outbox_row.pk) is None
        assert mail.outbox == []
    finally:
        release.set()
        thread.join(20)

    assert tasks.deliver(outbox_row.pk) is not None
    assert tasks.deliver(outbox_row.pk) is None
    assert len(mail.outbox) == 1


# --- A database error in the middle of a change ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_database_error_after_the_release_row_rolls_back_everything(owner, project, monkeypatch):
    def broken_audit(**fields):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(audit, "record", broken_audit)
    client = Client(raise_request_exception=False)
    client.force_login(owner.admin)

    response = client.post(RELEASE_NEW, release_data("agentur@example.com"))

    assert response.status_code == 500
    assert ProjectRelease.objects.count() == 0
    assert OutboxEmail.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == []
