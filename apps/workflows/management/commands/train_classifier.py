"""Train the ticket classifier on labelled history, activate it, and compare it with the previous version."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ValidationError
from apps.workflows.classifier import classifier_train_from_history, classifier_version_active
from apps.workflows.classifier.services import METRIC_KEYS


class Command(BaseCommand):
    help = "Train on Ticket.labelled_category (subject + first customer message), record and activate the version."

    def add_arguments(self, parser):
        parser.add_argument("--min-per-category", type=int, default=5, help="Leave out rarer categories")

    def handle(self, *args, **opts):
        previous = classifier_version_active()
        self.stderr.write("training on labelled history…")
        try:
            version = classifier_train_from_history(min_per_category=opts["min_per_category"])
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        m = version.metrics
        self.stdout.write(
            f"version {version.pk} active: {version.model_name}, {len(version.labels)} categories, "
            f"{m['n_total']} tickets ({m['n_holdout']} held out), trained in {m['train_s']:.1f} s"
        )
        if m.get("dropped_categories"):
            dropped = ", ".join(f"{s} ({n})" for s, n in sorted(m["dropped_categories"].items()))
            self.stdout.write(f"left out (fewer than {opts['min_per_category']} tickets): {dropped}")
        old = previous.metrics if previous else {}
        self.stdout.write(f"{'held-out':<16}{'new':>10}{'previous':>12}")
        for key in METRIC_KEYS:
            before = f"{old[key]:.4f}" if isinstance(old.get(key), int | float) else "—"
            self.stdout.write(f"{key:<16}{m[key]:>10.4f}{before:>12}")
        self.stdout.write("risk–coverage on held-out tickets (answer when confidence ≥ threshold):")
        self.stdout.write(f"{'threshold':>10}{'coverage':>10}{'answered':>10}{'wrong':>8}{'error rate':>12}")
        for row in m.get("risk_coverage", []):
            if row["threshold"] in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
                self.stdout.write(
                    f"{row['threshold']:>10.2f}{row['coverage']:>10.1%}{row['answered']:>10}{row['errors']:>8}"
                    f"{row['error_rate']:>12.1%}"
                )
        if previous:
            when = f"{previous.created_at:%Y-%m-%d %H:%M}"
            self.stdout.write(f"previous: version {previous.pk} ({previous.model_name}, {when})")
