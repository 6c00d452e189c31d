"""Exit with an error when the periodic sweep has not finished for three intervals.

The beat container's health check: beat schedules the sweep and a worker runs it, so this
fails while beat, every worker or the database is down.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customercenter import health


class Command(BaseCommand):
    help = "Fail when the periodic sweep has not finished for three intervals (beat's health check)."
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        last_sweep = health.last_sweep()
        if not health.sweep_is_recent(timezone.now()):
            raise CommandError(f"Sweep is stale; last finished: {last_sweep.isoformat() if last_sweep else 'never'}")
        self.stdout.write(f"Sweep ok; last finished: {last_sweep.isoformat()}")
