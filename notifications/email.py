"""Queue e-mails in the outbox; the sending itself is a Celery task."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from notifications.models import OutboxEmail

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
):
    """Render emails/<template>_{subject.txt,message.txt,message.html} in the recipient's language."""
    subject, body_text, body_html = render_email(template, context, language=language)
    return queue_email(
        to=to, subject=subject, body_text=body_text, body_html=body_html, topic=topic, sensitive=sensitive
    )


def render_email(template: str, context: dict, *, language: str | None) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context)
        body_text = render_to_string(f"emails/{template}_message.txt", context)
        body_html = render_to_string(f"emails/{template}_message.html", context)
    return " ".join(subject.split())[:255], body_text, body_html


def enqueue(outbox_id: int) -> None:
    """Hand one row to the broker. A broker outage is logged, never raised: the row waits."""
    from notifications.tasks import send_email

    _publish(send_email, outbox_id)


def enqueue_many(outbox_ids: list[int], chunk: int = 500) -> None:
    """Hand many rows over with one message per chunk; a worker fans them out to one task each."""
    from notifications.tasks import send_emails

    for start in range(0, len(outbox_ids), chunk):
        _publish(send_emails, outbox_ids[start : start + chunk])


def _publish(task, argument) -> None:
    try:
        # No publish retries: a web request must not wait for a broker that is down.
        task.apply_async((argument,), retry=False)
    except Exception:
        logger.warning("Could not enqueue outbox e-mail(s) %s; the periodic job re-sends", argument, exc_info=True)
