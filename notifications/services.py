"""Tell a customer about something: an in-app notification and an e-mail, in its language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation

from customercenter.bulk import insert_rows
from customercenter.models import Customer
from notifications.email import enqueue_many, queue_templated_email
from notifications.models import Notification, OutboxEmail
from notifications.signals import email_undeliverable


def language_of(customer: Customer | None) -> str:
    return getattr(getattr(customer, "user", None), "language", None) or settings.LANGUAGE_CODE


def notify(
    *,
    recipient: Customer,
    text: Callable[[], str],
    link: str = "",
    lines: Callable[[], Sequence[str]] | None = None,
    email: bool = True,
    topic: str = "",
) -> Notification:
    """Write the notification and queue the e-mail inside the caller's transaction.

    `text` and `lines` are callables so they are translated in the recipient's language.
    """
    language = language_of(recipient)
    with translation.override(language):
        message = str(text())
        body_lines = [str(line) for line in lines()] if lines else []
    notification = Notification.objects.create(recipient=recipient, text=message[:500], link=link)
    if email:
        send_notice(
            to=recipient.user.email,
            language=language,
            subject=message,
            lines=body_lines,
            link=link,
            topic=topic,
        )
    return notification


def send_notice(*, to: str, language: str, subject: str, lines: Sequence[str] = (), link: str = "", topic: str = ""):
    """A plain notice e-mail: a subject, a few lines and a link into the customer center."""
    return queue_templated_email(
        to=to,
        template="notice",
        language=language,
        topic=topic,
        context={
            "subject": subject,
            "lines": lines,
            "link": f"{settings.SITE_URL}{link}" if link.startswith("/") else link,
        },
    )


@dataclass
class Digest:
    """One message for one recipient that lists many things (no mail storms)."""

    recipient: Customer
    text: Callable[[], str]
    lines: Callable[[], Sequence[str]]
    link: str = ""
    topic: str = ""


def notify_many(digests: Sequence[Digest]) -> int:
    """`notify` for many recipients at once: bulk inserts, one e-mail per recipient."""
    notifications, emails = [], []
    for digest in digests:
        language = language_of(digest.recipient)
        with translation.override(language):
            text = str(digest.text())
            lines = [str(line) for line in digest.lines()]
        notifications.append((digest.recipient.pk, text[:500], digest.link))
        # Rendered by the worker that sends it (OutboxEmail.render); the subject is already
        # what the "notice" template makes of it.
        emails.append(
            (
                digest.recipient.user.email,
                " ".join(text.split())[:255],
                "notice",
                {"subject": text, "lines": lines, "link": f"{settings.SITE_URL}{digest.link}"},
                language,
                digest.topic,
            )
        )
    insert_rows(Notification, ["recipient", "text", "link"], notifications)
    fields = ["to", "subject", "template", "context", "language", "topic"]
    ids = insert_rows(OutboxEmail, fields, emails, returning_ids=True)
    transaction.on_commit(lambda: enqueue_many(ids))
    return len(digests)


def mark_undeliverable(email: OutboxEmail, reason: str) -> None:
    """The provider refused or bounced this e-mail: record it and tell the app that caused it."""
    email.status = OutboxEmail.Status.FAILED
    email.last_error = reason[:500]
    email.save(update_fields=["status", "attempts", "last_error", *email.redact()])
    email_undeliverable.send(sender=OutboxEmail, email=email)


def record_tracking_event(*, message_id: str, event_type: str, description: str = "") -> bool:
    """An ESP's tracking webhook reported a bounce or complaint for a sent e-mail."""
    if not message_id or event_type not in {"bounced", "rejected", "complained", "failed"}:
        return False
    email = OutboxEmail.objects.filter(message_id=message_id).first()
    if email is None:
        return False
    mark_undeliverable(email, f"{event_type}: {description}".strip(": "))
    return True
