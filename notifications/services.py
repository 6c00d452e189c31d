"""Tell a customer about something: an in-app notification for the account and an e-mail to
each member whose role it concerns, each in the member's language.

E-mails are queued in the outbox inside the caller's transaction; the sending itself is a
Celery task (notifications/tasks.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from customercenter.bulk import insert_rows
from customercenter.models import Customer, Membership
from customercenter.roles import Action, member_may
from notifications.models import Notification, OutboxEmail
from notifications.rendering import NOTIFICATIONS, notification_text, render_email, subject_line
from notifications.tasks import send_email, send_emails

logger = logging.getLogger(__name__)


def queue_email(
    *, to: str, subject: str, body_text: str, body_html: str = "", topic: str = "", sensitive: bool = False
) -> OutboxEmail:
    """Write the e-mail into the outbox and hand it to a worker once the transaction commits."""
    email = OutboxEmail.objects.create(
        to=to,
        subject=subject.strip()[:255],
        body_text=body_text,
        body_html=body_html,
        topic=topic,
        sensitive=sensitive,
    )
    transaction.on_commit(lambda: enqueue(email.pk))
    return email


def queue_templated_email(
    *, to: str, template: str, context: dict, language: str | None = None, topic: str = "", sensitive: bool = False
) -> OutboxEmail:
    """Render emails/<template>_{subject.txt,message.txt,message.html} in the recipient's language."""
    subject, body_text, body_html = render_email(template, context, language=language)
    return queue_email(
        to=to, subject=subject, body_text=body_text, body_html=body_html, topic=topic, sensitive=sensitive
    )


def requeue_emails(emails: QuerySet[OutboxEmail]) -> int:
    """Support sends failed or late e-mails again: with fresh attempts, at once, after the commit."""
    with transaction.atomic():
        ids = list(emails.requeueable().select_for_update().values_list("pk", flat=True))
        OutboxEmail.objects.filter(pk__in=ids).update(
            status=OutboxEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        transaction.on_commit(lambda: enqueue_many(ids))
    return len(ids)


def enqueue(outbox_id: int) -> None:
    """Hand one row to the broker. A broker outage is logged, never raised: the row waits."""
    _publish(send_email, outbox_id)


def enqueue_many(outbox_ids: list[int], chunk: int = 500) -> None:
    """Hand many rows over with one message per chunk; a worker fans them out to one task each."""
    for start in range(0, len(outbox_ids), chunk):
        _publish(send_emails, outbox_ids[start : start + chunk])


def _publish(task, argument) -> None:
    try:
        # No publish retries: a web request must not wait for a broker that is down.
        task.apply_async((argument,), retry=False)
    except Exception:
        logger.warning("Could not enqueue outbox e-mail(s) %s; the periodic job re-sends", argument, exc_info=True)


def members_to_tell(customers: Sequence[Customer], concerns: Action) -> dict[int, list[Membership]]:
    """The members of these accounts whose role may do what a notification `concerns`
    (customercenter.roles.member_may), administrators first, in one query."""
    members: dict[int, list[Membership]] = {customer.pk: [] for customer in customers}
    rows = (
        Membership.objects.filter(customer__in=[c.pk for c in customers])
        .select_related("user", "customer")
        .only("customer_id", "role", "user__email", "user__language", "customer__technik_may_decide")
        .order_by("customer_id", "role", "pk")
    )
    for membership in rows:
        if member_may(membership, concerns):
            members[membership.customer_id].append(membership)
    return members


def language_of(customer: Customer | None) -> str:
    """The language of an account's texts that go to no one person: that of its first administrator."""
    if customer is None:
        return settings.LANGUAGE_CODE
    administrators = Membership.objects.administrators().filter(customer=customer).order_by("pk")
    return administrators.values_list("user__language", flat=True).first() or settings.LANGUAGE_CODE


def _check_kind(kind: str) -> None:
    """A notification is stored by its kind, so one without a sentence could never be shown."""
    if kind not in NOTIFICATIONS:
        raise ValueError(f"Unknown notification kind {kind!r}")


def notify(
    *,
    recipient: Customer,
    concerns: Action,
    kind: str,
    params: dict,
    link: str = "",
    lines: Callable[[], Sequence[str | dict]] | None = None,
    email: bool = True,
    topic: str = "",
) -> Notification:
    """Write the notification and queue the e-mail inside the caller's transaction.

    Only the members whose role may do what it `concerns` see it and get the e-mail. The
    notification is stored as `kind` and `params` (notifications/rendering.py) and written in the
    reader's language when shown; the e-mail is written now, in each member's language (`lines`
    is a callable for that).
    """
    _check_kind(kind)
    members = members_to_tell([recipient], concerns)[recipient.pk]
    notification = Notification.objects.create(
        recipient=recipient, concerns=concerns.name, kind=kind, params=params, link=link
    )
    if email:
        for membership in members:
            language = membership.user.language or settings.LANGUAGE_CODE
            with translation.override(language):
                subject = notification_text(kind, params)
                body_lines = [_written(line) for line in lines()] if lines else []
            send_notice(
                to=membership.user.email, language=language, subject=subject, lines=body_lines, link=link, topic=topic
            )
    return notification


def linked_line(text: str, link: str) -> dict:
    """A line of a notice e-mail that links into the customer center, e.g. to one project's page."""
    return {"text": str(text), "link": f"{settings.SITE_URL}{link}"}


def _written(line: str | dict) -> str | dict:
    """A line as the e-mail's context keeps it: text in the language of the moment, or a linked line."""
    return line if isinstance(line, dict) else str(line)


def send_notice(
    *, to: str, language: str, subject: str, lines: Sequence[str | dict] = (), link: str = "", topic: str = ""
):
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
    concerns: Action
    kind: str
    params: dict
    lines: Callable[[], Sequence[str | dict]]
    link: str = ""
    topic: str = ""


def notify_many(digests: Sequence[Digest]) -> int:
    """`notify` for many recipients at once: bulk inserts, one e-mail per recipient."""
    notifications, emails = [], []
    members: dict[Action, dict[int, list[Membership]]] = {}
    for concerns in {digest.concerns for digest in digests}:
        members[concerns] = members_to_tell([d.recipient for d in digests if d.concerns is concerns], concerns)
    for digest in digests:
        _check_kind(digest.kind)
        notifications.append((digest.recipient.pk, digest.concerns.name, digest.kind, digest.params, digest.link))
        for membership in members[digest.concerns][digest.recipient.pk]:
            language = membership.user.language or settings.LANGUAGE_CODE
            with translation.override(language):
                text = notification_text(digest.kind, digest.params)
                lines = [_written(line) for line in digest.lines()]
            # Rendered by the worker that sends it (OutboxEmail.render); the subject is already
            # what the "notice" template makes of it.
            emails.append(
                (
                    membership.user.email,
                    subject_line(text),
                    "notice",
                    {"subject": text, "lines": lines, "link": f"{settings.SITE_URL}{digest.link}"},
                    language,
                    digest.topic,
                )
            )
    insert_rows(Notification, ["recipient", "concerns", "kind", "params", "link"], notifications)
    fields = ["to", "subject", "template", "context", "language", "topic"]
    ids = insert_rows(OutboxEmail, fields, emails, returning_ids=True)
    transaction.on_commit(lambda: enqueue_many(ids))
    return len(digests)


def record_tracking_event(*, message_id: str, event_type: str, description: str = "") -> bool:
    """An ESP's tracking webhook reported a bounce or complaint for a sent e-mail."""
    if not message_id or event_type not in {"bounced", "rejected", "complained", "failed"}:
        return False
    email = OutboxEmail.objects.filter(message_id=message_id).first()
    if email is None:
        return False
    email.mark_undeliverable(f"{event_type}: {description}".strip(": "))
    return True
