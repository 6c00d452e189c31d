from celery import shared_task
from django.utils import timezone

from customercenter import health
from delegation import sweeper


@shared_task
def sweep() -> dict[str, int]:
    done = sweeper.sweep()
    health.record_sweep(timezone.now())
    return done
