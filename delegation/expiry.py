"""The last day of access, and the moment it ends.

An expiry date that people pick or read is the last day on which access still works; it is
stored as `expires_at`, the first moment after that day (local time).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from customercenter import event_params


def expiry_from_last_day(last_day: date | None) -> datetime | None:
    """Access through the end of `last_day`, local time; None for no expiry."""
    if last_day is None:
        return None
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))


def last_day(expires_at: datetime | None) -> date | None:
    """The last day on which access still works; None for no expiry."""
    if expires_at is None:
        return None
    return timezone.localtime(expires_at - timedelta(microseconds=1)).date()


# Access that ends this soon is shown in a warning colour.
ENDS_SOON = timedelta(days=14)


def ends_soon(expires_at: datetime | None) -> bool:
    return expires_at is not None and expires_at - timezone.now() <= ENDS_SOON


def last_day_text(expires_at: datetime | None) -> str:
    """The last day as text ("31.12.2026"), or "unbefristet" for no expiry."""
    return event_params.day_text(last_day(expires_at))


def until(expires_at: datetime | None) -> dict:
    """The last day as an event parameter, written as `last_day_text` writes it when shown."""
    return event_params.day(last_day(expires_at))
