import json
from datetime import UTC, date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from apps.analytics.audit import COVERAGE_SAMPLE, DEFAULT_DAYS, audit_run


class Command(BaseCommand):
    help = (
        "Audit the ticket history: per category volume, channel / tier / segment mix, complexity, sensitivity, "
        "knowledge coverage and an automation potential score, best first (the suggested build order)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"History window (default {DEFAULT_DAYS})")
        parser.add_argument(
            "--coverage-sample",
            type=int,
            default=COVERAGE_SAMPLE,
            help=f"Tickets per category searched in the knowledge base (default {COVERAGE_SAMPLE}; 0 skips)",
        )
        parser.add_argument(
            "--since",
            type=date.fromisoformat,
            help="First day audited (YYYY-MM-DD, UTC); with it, --days is ignored",
        )
        parser.add_argument(
            "--until",
            type=date.fromisoformat,
            help="Last day audited, included (YYYY-MM-DD, UTC; default: up to now)",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")
        parser.add_argument(
            "--from-stats",
            action="store_true",
            help="Read the daily figures (fast at any size, binned medians) instead of tickets and messages",
        )

    def handle(self, *args, days: int, coverage_sample: int, json: bool, from_stats: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        since, until = _midnight(options.get("since")), _midnight(options.get("until"), next_day=True)
        if until is not None and since is None:
            since = until - timedelta(days=days)
        try:
            report = audit_run(
                days=days,
                since=since,
                until=until,
                coverage_sample=coverage_sample,
                source="stats" if from_stats else "live",
            )
        except ValueError as exc:
            raise CommandError(f"--since must be on or before --until ({exc})") from exc
        if json:
            self.stdout.write(_dumps(report.as_dict()))
            return
        self.stdout.write(
            f"Audit of {report.tickets} tickets created {report.since:%Y-%m-%d} – {report.until:%Y-%m-%d} "
            f"({report.uncategorised} without a category)"
        )
        self.stdout.write(
            f"{'#':>3} {'category':<32} {'score':>6} {'tickets':>8} {'share':>6} {'replies':>7} {'esc':>5} {'cov':>5}"
        )
        for c in report.categories:
            replies = "—" if c.agent_replies is None else f"{c.agent_replies:.1f}"
            cov = "—" if c.coverage is None else f"{c.coverage:.2f}"
            self.stdout.write(
                f"{c.rank:>3} {c.slug[:32]:<32} {c.score:>6.1f} {c.tickets:>8} {c.share * 100:>5.1f}% {replies:>7} "
                f"{c.escalation_rate * 100:>4.0f}% {cov:>5}"
            )
            self.stdout.write(f"      {'; '.join(c.reasons)}")
        self.stdout.write("Suggested build order: " + ", ".join(c.slug for c in report.build_order))
        self.stdout.write("Timings: " + ", ".join(f"{k} {v:.0f} ms" for k, v in report.timings_ms.items()))


def _midnight(day: date | None, *, next_day: bool = False) -> datetime | None:
    """00:00 UTC of ``day`` (of the day after with ``next_day``: an inclusive last day), ``None`` for ``None``."""
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1 if next_day else 0)


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, default=str)
