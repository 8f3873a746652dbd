from django.core.management.base import BaseCommand, CommandError

from apps.analytics.services.training import classifier_retrain
from apps.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Retrain the ticket classifier on labelled history plus training examples (draft edits, category "
        "corrections); activate the candidate only if it is not worse than the active model on held-out tickets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min-per-category", type=int, default=5)
        parser.add_argument("--holdout", type=float, default=0.2, help="Held-out fraction (default 0.2)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--force", action="store_true", help="Activate the candidate whatever it measures")

    def handle(self, *args, min_per_category: int, holdout: float, seed: int, force: bool, **options):
        if not 0 < holdout < 1:
            raise CommandError("--holdout must be between 0 and 1")
        try:
            run = classifier_retrain(
                min_per_category=min_per_category, holdout_fraction=holdout, seed=seed, force=force
            )
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{'':<12} {'accuracy':>9} {'macro_f1':>9} {'ece':>7} {'cov@95':>7}")
        rows = (
            ("candidate", run.candidate_metrics),
            ("previous", run.previous_metrics),
            ("active file", run.previous_metrics.get("active_file") or {}),
        )
        for label, metrics in rows:
            if not metrics or "error" in metrics:
                self.stdout.write(f"{label:<12} {metrics.get('error', '—') if metrics else '—'}")
                continue
            self.stdout.write(
                f"{label:<12} {metrics['accuracy']:>9.3f} {metrics['macro_f1']:>9.3f} {metrics['ece']:>7.3f} "
                f"{metrics['coverage_at_95']:>7.3f}"
            )
        self.stdout.write(
            f"{run.n_holdout} held-out tickets, {run.n_examples} training examples ('previous': the active recipe "
            "retrained without the new examples; 'active file' has seen held-out rows). "
            + ("Activated the candidate" if run.activated else "Kept the active model")
            + f" ({run.reason})."
        )
