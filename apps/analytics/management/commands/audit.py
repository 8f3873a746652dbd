import json

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
        parser.add_argument("--json", action="store_true", help="Print the report as JSON")
        parser.add_argument(
            "--from-stats",
            action="store_true",
            help="Read the daily figures (fast at any size, binned medians) instead of tickets and messages",
        )

    def handle(self, *args, days: int, coverage_sample: int, json: bool, from_stats: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        report = audit_run(days=days, coverage_sample=coverage_sample, source="stats" if from_stats else "live")
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


def _dumps(data: dict) -> str:
    return json.dumps(data, indent=2, default=str)
