"""``manage.py triage``: triage tickets that have no Decision yet, newest first, through the bulk path."""

import json
import multiprocessing
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.models import Exists, OuterRef
from tqdm import tqdm

from apps.tickets.models import Ticket
from apps.workflows.classifier import get_active_classifier
from apps.workflows.models import Decision
from apps.workflows.services.triage import tickets_triage_bulk

DEFAULT_LIMIT = 1000


def _forget_inherited_connections() -> None:
    """Pool initializer: drop (never close) any connection object inherited through fork, so the child opens its
    own socket instead of talking over the parent's."""
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        conn.in_atomic_block = False
        conn.savepoint_ids = []
        conn.needs_rollback = False


def _triage_chunk(ticket_ids: list[int], classifier=None) -> dict:
    """One batch in its own transaction (runs in a worker process when ``--workers`` > 1)."""
    return tickets_triage_bulk(ticket_ids=ticket_ids, classifier=classifier).counts()


class Command(BaseCommand):
    help = (
        "Triage tickets without a Decision (newest first) in bulk: classify, hard triggers, rollout gate, compose, "
        "decide; prints counts per outcome and category and the rate in tickets/second."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help=f"How many tickets at most (default {DEFAULT_LIMIT})"
        )
        parser.add_argument("--all", action="store_true", help="Every ticket without a Decision (no limit)")
        parser.add_argument("--batch-size", type=int, default=500, help="Tickets per transaction and classifier call")
        parser.add_argument(
            "--workers", type=int, default=1, help="Processes triaging batches in parallel (up to the CPU cores)"
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of the table")

    def handle(self, *args, **options):
        limit, batch_size = options["limit"], options["batch_size"]
        if options["all"] and limit is not None:
            raise CommandError("Give either --limit or --all, not both.")
        if (limit is not None and limit < 1) or batch_size < 1 or options["workers"] < 1:
            raise CommandError("--limit, --batch-size and --workers must be positive.")
        pending = (
            Ticket.objects.filter(~Exists(Decision.objects.filter(ticket=OuterRef("pk"))))
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)
        )
        ids = list(pending if options["all"] else pending[: limit or DEFAULT_LIMIT])

        classifier = get_active_classifier()
        if classifier is None and not options["json"]:
            self.stderr.write(
                "No trained classifier: every ticket will be escalated (run `manage.py train_classifier`)."
            )
        by_outcome, by_category, phases = Counter(), Counter(), Counter()
        total = skipped = sent = 0
        started = time.perf_counter()
        chunks = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
        with tqdm(total=len(ids), unit="ticket", disable=options["json"] or not ids, file=sys.stderr) as bar:
            for counts in self._run(chunks, classifier, options["workers"]):
                total, skipped, sent = total + counts["total"], skipped + counts["skipped"], sent + counts["sent"]
                by_outcome.update(counts["by_outcome"])
                by_category.update(counts["by_category"])
                phases.update(counts["phases"])
                bar.update(counts["total"] + counts["skipped"])
        seconds = time.perf_counter() - started
        summary = {
            "total": total,
            "skipped": skipped,
            "sent": sent,
            "by_outcome": dict(by_outcome.most_common()),
            "by_category": dict(by_category.most_common()),
            "seconds": round(seconds, 3),
            "tickets_per_s": round(total / seconds, 1) if total and seconds > 0 else 0.0,
            "classifier": getattr(classifier, "model_name", None),
            "phases_s": {k: round(v, 3) for k, v in phases.items()},
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self._table(summary)

    def _run(self, chunks: list[list[int]], classifier, workers: int):
        """Counts per batch, in this process or in ``workers`` forked processes (each with its own connection;
        the classifier loaded here is shared with them copy-on-write)."""
        if workers == 1 or len(chunks) < 2:
            for chunk in chunks:
                yield _triage_chunk(chunk, classifier)
            return
        connections.close_all()  # a forked child must not share the parent's socket
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=min(workers, len(chunks)), mp_context=context, initializer=_forget_inherited_connections
        ) as pool:
            yield from pool.map(_triage_chunk, chunks)

    def _table(self, summary: dict) -> None:
        out = self.stdout.write
        out(
            f"Triaged {summary['total']} tickets in {summary['seconds']:.2f} s "
            f"({summary['tickets_per_s']:.0f} tickets/s); skipped {summary['skipped']}; replies sent {summary['sent']}"
        )
        out("")
        out(f"{'outcome':<28}{'tickets':>9}")
        for outcome, n in summary["by_outcome"].items():
            out(f"{outcome:<28}{n:>9}")
        out("")
        out(f"{'category':<28}{'tickets':>9}")
        for category, n in summary["by_category"].items():
            out(f"{category:<28}{n:>9}")
