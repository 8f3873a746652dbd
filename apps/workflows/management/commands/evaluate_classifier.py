"""Train the ticket classifier on a public intent data set and report how it measures on the test part."""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ValidationError
from apps.workflows.classifier import classifier_train
from apps.workflows.classifier.datasets import FORMATS, load_train_test
from apps.workflows.classifier.evaluation import classifier_measure

REPORT_KEYS = (
    "accuracy",
    "in_scope_accuracy",
    "macro_f1",
    "ece",
    "coverage_at_95",
    "coverage_at_99",
    "oos_recall",
    "train_s",
    "predict_s",
)


class Command(BaseCommand):
    help = (
        "Train on one file and report accuracy, macro-F1, ECE (15 bins), coverage at 95/99%% precision, "
        "out-of-scope recall and timings on the test part."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--train", required=True, type=Path, help="Train file (folder for banking77-oos)")
        parser.add_argument(
            "--test",
            type=Path,
            default=None,
            help="Test file; omitted: a seeded --test-fraction of the train file (clinc150 / banking77-oos: its "
            "val / valid parts)",
        )
        parser.add_argument("--test-fraction", type=float, default=0.2)
        parser.add_argument("--seed", type=int, default=42, help="Seed of the train/test split")
        parser.add_argument("--json", action="store_true", help="Print one JSON object on stdout")

    def handle(self, *args, **opts):
        if not 0 < opts["test_fraction"] < 1:
            raise CommandError("--test-fraction must be between 0 and 1")
        try:
            train, test = load_train_test(
                opts["format"], opts["train"], opts["test"], test_fraction=opts["test_fraction"], seed=opts["seed"]
            )
        except ValidationError as exc:
            raise CommandError(exc.message) from exc
        texts, labels = train.in_scope
        oos = train.oos_texts
        n_test_oos = sum(1 for y in test.labels if y not in set(labels))
        self.stderr.write(
            f"training on {len(texts)} texts in {len(set(labels))} categories"
            + (f" + {len(oos)} out-of-scope" if oos else "")
            + f"; testing on {len(test.texts)} ({n_test_oos} out of scope)"
        )
        started = time.perf_counter()
        model = classifier_train(texts=texts, labels=labels, oos_texts=oos or None)
        train_s = time.perf_counter() - started
        self.stderr.write(f"trained in {train_s:.1f} s; predicting…")
        result = classifier_measure(model, texts=test.texts, labels=test.labels, groups=test.groups)
        report = {key: result.get(key) for key in REPORT_KEYS}
        report["train_s"] = train_s
        report.update(
            format=opts["format"],
            n_train=len(texts),
            n_train_oos=len(oos),
            n_test=result["n_test"],
            n_test_oos=result["n_test_oos"],
            predict_per_s=result["n_test"] / result["predict_s"] if result["predict_s"] else None,
            temperature=model.temperature,
            oos_threshold=model.oos_threshold,
            model_name=model.model_name,
        )
        if "oos_recall_by_group" in result:
            report["oos_recall_by_group"] = result["oos_recall_by_group"]
            for group, recall in result["oos_recall_by_group"].items():
                report[f"{group.replace('-', '_')}_recall"] = recall
        if opts["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(self._table(report))

    @staticmethod
    def _table(report: dict) -> str:
        lines = [f"{report['format']}: {report['n_train']} train / {report['n_test']} test ({report['model_name']})"]
        for key, value in report.items():
            if key in ("format", "model_name", "oos_recall_by_group") or value is None:
                continue
            if isinstance(value, float):
                shown = f"{value:.1f}" if key.endswith("_s") or key == "predict_per_s" else f"{value:.4f}"
            else:
                shown = str(value)
            lines.append(f"  {key:<22} {shown}")
        return "\n".join(lines)
