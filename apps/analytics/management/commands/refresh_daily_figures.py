import time

from django.core.management.base import BaseCommand, CommandError

from apps.analytics.rollup import NIGHTLY_DAYS, category_stats_refresh_recent
from apps.analytics.services.training import training_examples_build


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's daily figures now (what the schedule does every 10 minutes for the last 3 days "
        f"and nightly for {NIGHTLY_DAYS}): the overview, metrics and audit screens read them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=NIGHTLY_DAYS, help=f"UTC days up to today (default {NIGHTLY_DAYS})"
        )

    def handle(self, *args, days: int, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        started = time.perf_counter()
        examples = training_examples_build()
        rows = category_stats_refresh_recent(days=days)
        self.stdout.write(
            f"Daily figures of the last {days} days recomputed: {rows} rows in {time.perf_counter() - started:.1f} s "
            f"({sum(examples.values())} new training examples)"
        )
