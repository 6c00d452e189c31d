"""What the health checks know beyond "the database answers": whether the periodic sweep runs
(beat schedules it, a worker runs it) and how long the oldest e-mail has been waiting.

The last sweep is kept in the cache, which is Redis whenever beat exists; after a Redis restart
it is unknown until the next sweep.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.cache import cache

LAST_SWEEP_KEY = "health:last-sweep"
STALE_AFTER_INTERVALS = 3


def record_sweep(finished_at: datetime) -> None:
    cache.set(LAST_SWEEP_KEY, finished_at, timeout=None)


def last_sweep() -> datetime | None:
    return cache.get(LAST_SWEEP_KEY)


def sweep_is_recent(now: datetime) -> bool:
    """False when the sweep has not finished for three intervals: beat or every worker is down."""
    finished_at = last_sweep()
    return finished_at is not None and now - finished_at <= STALE_AFTER_INTERVALS * settings.SWEEP_INTERVAL
