"""``manage.py backtest``: replay the last N labelled tickets through a category's workflow version (no writes)."""

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from apps.core.errors import ApplicationError
from apps.workflows.models import Category
from apps.workflows.services.backtest import (
    DEFAULT_LIMIT,
    SWEEP,
    backtest_replay,
    holdout_classifier,
    version_overrides,
)


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:5.1f}%"


class Command(BaseCommand):
    help = (
        "Replay the last N tickets with a human label through the pipeline with a workflow version's tree and "
        "thresholds (nothing is written) and print auto / draft / escalate rates and agreement with what humans "
        "did, for the version's thresholds and a sweep of auto thresholds. Without --category: every category. "
        "Lookups are replay-only: answered from what the ticket's history recorded, else the ticket is reported "
        "as not replayable and left out of the rates (no vendor is called)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names a workflow version here; it replaces Django's "print the Django version" option
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--category", help="Category slug (default: every category at its own thresholds)")
        parser.add_argument(
            "--version",
            type=int,
            default=None,
            dest="version",
            help="Workflow version number (default: the published one)",
        )
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"Tickets (default {DEFAULT_LIMIT})")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON")
        parser.add_argument(
            "--holdout",
            action="store_true",
            help="Out of sample: retrain the classifier without 20%% of the labelled tickets and replay only those",
        )

    def handle(self, *args, **options):
        slug, limit = options["category"], options["limit"]
        if options["version"] is not None and not slug:
            raise CommandError("--version needs --category")
        if slug and not Category.objects.filter(slug=slug).exists():
            raise CommandError(f"no category {slug!r}")
        try:
            overrides = version_overrides(category_slug=slug, number=options["version"]) if slug else {}
            bar = tqdm(total=limit, unit="ticket", desc="backtest", disable=None, file=self.stderr._out)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            extra = {}
            if options["holdout"]:
                self.stderr.write("Training a classifier without the held-out tickets…")
                model, held = holdout_classifier()
                extra = {"classifier": model, "ticket_ids": held}
            replay = backtest_replay(limit=limit, overrides=overrides, progress=progress, use_cache=False, **extra)
            bar.close()
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        rate = len(replay.rows) / replay.seconds if replay.seconds else 0.0
        result = {
            "tickets": len(replay.rows),
            "seconds": round(replay.seconds, 3),
            "tickets_per_s": round(rate, 1),
            "classifier_version": "held-out retrain" if options["holdout"] else replay.classifier_version,
        }
        slugs = [slug] if slug else sorted(replay.thresholds)
        result["categories"] = []
        for s in slugs:
            t = replay.thresholds[s]
            entry = {"category": s, **replay.figures(s, auto=t["auto"], draft=t["draft"])}
            if slug:
                entry["version"] = (overrides.get(s) or {}).get("number")
                entry["sweep"] = replay.sweep(s, draft=t["draft"], thresholds=SWEEP)
            result["categories"].append(entry)
        if not slug:
            result["overall"] = replay.overall()
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
            return
        self._print(result, bool(slug))

    def _print(self, result: dict, one: bool) -> None:
        w = self.stdout.write
        w(
            f"Replayed {result['tickets']} labelled tickets in {result['seconds']:.2f} s "
            f"({result['tickets_per_s']:.0f} tickets/s), classifier version {result['classifier_version']}"
        )
        skipped = sum(c["not_replayable"] for c in result["categories"])
        if skipped:
            w(
                f"not replayable: {skipped} (their tree needs a lookup the ticket's history did not record; "
                "left out of the rates)"
            )
        w(
            f"{'category':28} {'auto/draft':>10} {'routed':>6} {'auto':>7} {'draft':>7} {'escal.':>7} "
            f"{'wrong':>5} {'agree':>7} {'cat.ok':>7} {'missed':>6} {'asked':>5} {'n/r':>4}"
        )
        for c in result["categories"]:
            w(
                f"{c['category'][:28]:28} {c['auto_threshold']:.2f}/{c['draft_threshold']:.2f} {c['routed']:6d} "
                f"{_pct(c['auto_rate'])} {_pct(c['draft_rate'])} {_pct(c['escalate_rate'])} {c['auto_wrong']:5d} "
                f"{_pct(c['agreement'])} {_pct(c['category_agreement'])} {c['missed']:6d} {c['asked']:5d} "
                f"{c['not_replayable']:4d}"
            )
        if "overall" in result:
            o = result["overall"]
            w(
                f"{'overall':28} {'':10} {o['tickets']:6d} {_pct(o['auto_rate'])} {_pct(o['draft_rate'])} "
                f"{_pct(o['escalate_rate'])} {o['auto_wrong']:5d} {_pct(o['agreement'])} "
                f"{_pct(o['category_accuracy'])}"
            )
        w("asked: auto/draft tickets where the workflow first asks the customer for information; n/r: not replayable")
        if one:
            c = result["categories"][0]
            w(f"\nSweep of the auto threshold (draft threshold {c['draft_threshold']:.2f}):")
            w(f"{'auto ≥':>6} {'auto':>7} {'draft':>7} {'escal.':>7} {'wrong':>5} {'precision':>9} {'agree':>7}")
            for row in c["sweep"]:
                w(
                    f"{row['auto_threshold']:6.2f} {_pct(row['auto_rate'])} {_pct(row['draft_rate'])} "
                    f"{_pct(row['escalate_rate'])} {row['auto_wrong']:5d} {_pct(row['auto_precision']):>9} "
                    f"{_pct(row['agreement'])}"
                )
