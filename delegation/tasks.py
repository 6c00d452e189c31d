from celery import shared_task

from delegation import sweeper


@shared_task
def sweep() -> dict[str, int]:
    return sweeper.sweep()
