"""The outbox: every e-mail is a row first, sent once by a task, re-sent by the sweep."""

from __future__ import annotations

import importlib
import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from anymail.exceptions import AnymailRecipientsRefused
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from kombu.exceptions import OperationalError

from notifications import tasks
from notifications.models import OutboxEmail
from notifications.services import enqueue, queue_email

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def pending(db) -> OutboxEmail:
    return OutboxEmail.objects.create(
        to="kunde@example.com",
        subject="Betreff",
        body_text="Hallo",
        body_html="<p>Hallo</p>",
        topic="test",
    )


def _refuse(exception: Exception):
    def send(self, fail_silently=False):
        raise exception

    return send


def test_deliver_sends_pending_row_once_and_marks_it_sent(pending):
    delivered = tasks.deliver(pending.pk)

    assert delivered is not None
    pending.refresh_from_db()
    assert pending.status == OutboxEmail.Status.SENT
    assert pending.sent_at is not None
    assert pending.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kunde@example.com"]
    assert message.subject == "Betreff"
    assert message.body == "Hallo"
    assert message.alternatives[0][0] == "<p>Hallo</p>"


def test_deliver_twice_sends_once(pending):
    tasks.deliver(pending.pk)

    assert tasks.deliver(pending.pk) is None

    pending.refresh_from_db()
    assert pending.attempts == 1
    assert len(mail.outbox) == 1


def test_deliver_of_unknown_row_does_nothing(db):
    assert tasks.deliver(999_999) is None
    assert mail.outbox == []


def test_transient_smtp_error_keeps_row_pending_and_counts_the_attempt(pending, monkeypatch):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _refuse(smtplib.SMTPServerDisconnected("Verbindung verloren")))

    with pytest.raises(tasks.TransientSendError):
        tasks.deliver(pending.pk)

    pending.refresh_from_db()
    assert pending.status == OutboxEmail.Status.PENDING
    assert pending.attempts == 1
    assert "Verbindung verloren" in pending.last_error
    assert pending.sent_at is None


def test_transient_error_then_success_sends_on_the_next_attempt(pending, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", _refuse(smtplib.SMTPServerDisconnected("weg")))
        with pytest.raises(tasks.TransientSendError) as raised:
            tasks.deliver(pending.pk)

    with time_machine.travel(raised.value.retry_at, tick=False):
        tasks.deliver(pending.pk)

    pending.refresh_from_db()
    assert pending.status == OutboxEmail.Status.SENT
    assert pending.attempts == 2
    assert len(mail.outbox) == 1


def test_refused_recipient_marks_row_failed(pending, monkeypatch):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _refuse(AnymailRecipientsRefused()))

    tasks.deliver(pending.pk)

    pending.refresh_from_db()
    assert pending.status == OutboxEmail.Status.FAILED
    assert pending.attempts == 1
    assert pending.last_error
    assert tasks.deliver(pending.pk) is None


def test_send_pending_emails_resends_rows_older_than_a_minute(db):
    with time_machine.travel(NOW, tick=False):
        old = OutboxEmail.objects.create(to="alt@example.com", subject="alt", body_text="x")
    with time_machine.travel(NOW + timedelta(seconds=90), tick=False):
        fresh = OutboxEmail.objects.create(to="neu@example.com", subject="neu", body_text="x")

        assert tasks.send_pending_emails() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == OutboxEmail.Status.SENT
    assert fresh.status == OutboxEmail.Status.PENDING
    assert [m.to for m in mail.outbox] == [["alt@example.com"]]


def test_send_pending_emails_skips_sent_failed_and_backing_off_rows(db):
    with time_machine.travel(NOW, tick=False):
        OutboxEmail.objects.create(to="a@example.com", subject="s", body_text="x", status="sent")
        OutboxEmail.objects.create(to="b@example.com", subject="s", body_text="x", status="failed")
        OutboxEmail.objects.create(
            to="c@example.com", subject="s", body_text="x", attempts=3, next_attempt_at=NOW + timedelta(hours=2)
        )
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert tasks.send_pending_emails() == 0
    assert mail.outbox == []


def test_send_pending_emails_resends_a_row_once_its_backoff_is_over(db):
    with time_machine.travel(NOW, tick=False):
        row = OutboxEmail.objects.create(
            to="c@example.com", subject="s", body_text="x", attempts=3, next_attempt_at=NOW + timedelta(minutes=4)
        )
    with time_machine.travel(NOW + timedelta(minutes=4, seconds=30), tick=False):
        assert tasks.send_pending_emails() == 0
    with time_machine.travel(NOW + timedelta(minutes=5, seconds=1), tick=False):
        assert tasks.send_pending_emails() == 1

    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 4)
    assert len(mail.outbox) == 1


def test_transient_error_sets_the_next_attempt_after_a_backoff(pending, monkeypatch):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _refuse(smtplib.SMTPServerDisconnected("weg")))

    with time_machine.travel(NOW, tick=False), pytest.raises(tasks.TransientSendError) as raised:
        tasks.deliver(pending.pk)

    pending.refresh_from_db()
    assert NOW + timedelta(seconds=15) <= pending.next_attempt_at <= NOW + timedelta(seconds=30)
    assert raised.value.retry_at == pending.next_attempt_at


def test_backoff_grows_with_each_attempt_up_to_an_hour():
    for attempts in range(1, 8):
        assert 15 * 2 ** (attempts - 1) <= tasks.retry_delay(attempts) <= 30 * 2 ** (attempts - 1)
    assert 1800 <= tasks.retry_delay(20) <= 3600


def test_a_row_is_not_tried_again_before_its_next_attempt(pending, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        pending.attempts, pending.next_attempt_at = 2, NOW + timedelta(minutes=1)
        pending.save()

        assert tasks.deliver(pending.pk) is None

    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("pending", 2)
    assert mail.outbox == []


def test_the_last_failed_attempt_marks_the_row_failed(pending, monkeypatch):
    pending.attempts = tasks.MAX_ATTEMPTS - 1
    pending.save()
    monkeypatch.setattr(EmailMultiAlternatives, "send", _refuse(smtplib.SMTPServerDisconnected("immer noch weg")))

    tasks.deliver(pending.pk)  # no retry after the last attempt

    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("failed", tasks.MAX_ATTEMPTS)
    assert "immer noch weg" in pending.last_error
    assert tasks.send_pending_emails() == 0


def test_migration_gives_rows_stranded_by_the_old_resend_job_one_last_attempt(db):
    migration = importlib.import_module("notifications.migrations.0004_outbox_next_attempt")
    stranded = OutboxEmail.objects.create(to="a@example.com", subject="s", body_text="x", attempts=8)
    fresh = OutboxEmail.objects.create(to="b@example.com", subject="s", body_text="x", attempts=2)
    failed = OutboxEmail.objects.create(to="c@example.com", subject="s", body_text="x", attempts=8, status="failed")

    migration.give_stranded_rows_a_last_attempt(django_apps, None)

    assert [OutboxEmail.objects.get(pk=row.pk).attempts for row in (stranded, fresh, failed)] == [7, 2, 8]


def test_send_pending_emails_twice_sends_each_row_once(db):
    with time_machine.travel(NOW, tick=False):
        OutboxEmail.objects.create(to="a@example.com", subject="s", body_text="x")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        tasks.send_pending_emails()
        tasks.send_pending_emails()
    assert len(mail.outbox) == 1


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to redis")


def test_enqueue_never_raises_when_the_broker_is_down(pending, monkeypatch):
    # `delay` is `apply_async` with defaults, so this covers both ways of publishing.
    monkeypatch.setattr(tasks.send_email, "apply_async", broker_down)

    enqueue(pending.pk)

    pending.refresh_from_db()
    assert pending.status == OutboxEmail.Status.PENDING
    assert mail.outbox == []


def test_queue_email_writes_the_row_and_sends_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(to="kunde@example.com", subject="  Hallo  ", body_text="Text", topic="test")
        assert email.status == OutboxEmail.Status.PENDING
        assert mail.outbox == []

    email.refresh_from_db()
    assert email.subject == "Hallo"
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1


def test_queue_email_keeps_the_row_when_the_broker_is_down(db, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.send_email, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        email = queue_email(to="kunde@example.com", subject="Hallo", body_text="Text")

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert mail.outbox == []
