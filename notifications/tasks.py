from __future__ import annotations

import logging
import random
import smtplib
from datetime import datetime, timedelta

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboxEmail

logger = logging.getLogger(__name__)

PERMANENT_ERRORS = (AnymailRecipientsRefused, smtplib.SMTPRecipientsRefused)
TRANSIENT_ERRORS = (AnymailAPIError, smtplib.SMTPException, OSError)
# Attempts before a row is given up as failed; with the backoff below that spans about half an
# hour to an hour (see retry_delay), so a short provider outage delays mail but loses none.
MAX_ATTEMPTS = 8
# A due row still pending this long after its time has lost its task (broker down, worker
# gone); the periodic job hands it over again. Rows handed over just now are left alone.
RESEND_AFTER = timedelta(minutes=1)


class TransientSendError(Exception):
    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


def deliver(outbox_id: int) -> OutboxEmail | None:
    """Send one pending row that is due, at most once: the row is locked while sending and marked after.

    A temporary failure sets the row's next attempt time (backoff); the last one marks it failed.
    A row waiting out its backoff is left alone, whoever asks for it early.
    """
    transient_error = None
    with transaction.atomic():
        email = OutboxEmail.objects.select_for_update(skip_locked=True).due(timezone.now()).filter(pk=outbox_id).first()
        if email is None:
            return None
        rendered = email.render()
        if rendered:
            email.save(update_fields=rendered)
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except PERMANENT_ERRORS as error:
            logger.warning("Outbox e-mail %s refused permanently: %s", email.pk, error)
            email.mark_undeliverable(str(error))
            return email
        except TRANSIENT_ERRORS as error:
            if email.attempts >= MAX_ATTEMPTS:
                logger.warning("Outbox e-mail %s failed after %s attempts: %s", email.pk, email.attempts, error)
                email.mark_undeliverable(str(error))
                return email
            email.last_error = str(error)[:500]
            email.next_attempt_at = timezone.now() + timedelta(seconds=retry_delay(email.attempts))
            email.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            transient_error = error
        else:
            status = getattr(message, "anymail_status", None)
            email.message_id = (getattr(status, "message_id", None) or "")[:255]
            email.status = OutboxEmail.Status.SENT
            email.sent_at = timezone.now()
            email.save(update_fields=["status", "attempts", "sent_at", "message_id", "last_error", *email.redact()])
    # Raised outside the transaction, so the counted attempt is kept for the retry limit.
    if transient_error is not None:
        raise TransientSendError(str(transient_error), retry_at=email.next_attempt_at) from transient_error
    return email


def retry_delay(attempts: int) -> int:
    """Exponential backoff with jitter after the n-th failed attempt: about 30 s, 1 min, 2 min … at most an hour."""
    base = min(3600, 30 * 2 ** (attempts - 1))
    return base // 2 + random.randint(0, base // 2)  # noqa: S311 — jitter, not a secret


@shared_task(bind=True, max_retries=MAX_ATTEMPTS)
def send_email(self, outbox_id: int) -> None:
    try:
        deliver(outbox_id)
    except TransientSendError as error:
        if self.request.is_eager:
            # In-process (no broker) a retry would block the request: the periodic job re-sends.
            logger.warning("Outbox e-mail %s not sent yet: %s", outbox_id, error)
            return
        raise self.retry(exc=error, eta=error.retry_at) from error


@shared_task
def send_emails(outbox_ids: list[int]) -> None:
    """Fan a bulk hand-over out into one task per e-mail, each with its own retries."""
    for pk in outbox_ids:
        send_email.delay(pk)


@shared_task
def send_pending_emails() -> int:
    """Hand every row whose attempt is overdue to a worker again (the broker may have been down).

    Rows waiting out their backoff are not due yet, so an outage of the mail provider does not
    use up their attempts any faster than the backoff allows.
    """
    overdue = timezone.now() - RESEND_AFTER
    ids = list(OutboxEmail.objects.due(overdue).order_by("next_attempt_at").values_list("pk", flat=True)[:1000])
    for pk in ids:
        send_email.delay(pk)
    return len(ids)
