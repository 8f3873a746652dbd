"""Ticket classifier speed: training time by training-set size, prediction throughput by batch size.

    .venv/bin/python bench/bench_classifier.py [--repeat 3]

Trains on seeded random samples of 1,000 / 4,000 / 8,000 texts of BANKING77 (../shared/data/banking77/train.csv;
77 intents) and predicts its texts in batches of 1, 10, 100, 1,000 and 5,000. Goals: ≥ 2,000 texts/s in batches
on 2 cores and training under 2 minutes. Without the shared folder it exits with a message.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_bench")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from apps.workflows.classifier import classifier_train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="Prediction timings per batch size (median shown)")
    args = parser.parse_args()
    path = Path(settings.SHARED_DATA_DIR) / "banking77" / "train.csv"
    if not path.exists():
        sys.exit(f"missing {path} (see ../shared/data/README.md)")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts, labels = [r["text"] for r in rows], [r["category"] for r in rows]

    print(f"{'training texts':>15} {'categories':>11} {'train s':>9} {'texts/s':>9}")
    model = None
    for n in (1000, 4000, 8000):
        started = time.perf_counter()
        rows_n = random.Random(0).sample(range(len(texts)), n)
        model = classifier_train(texts=[texts[i] for i in rows_n], labels=[labels[i] for i in rows_n])
        seconds = time.perf_counter() - started
        print(f"{n:>15,} {len(model.labels):>11} {seconds:>9.1f} {n / seconds:>9.0f}")

    print()
    print(f"{'batch':>7} {'batches':>8} {'median s':>9} {'texts/s':>9} {'ms/text':>8}")
    for batch in (1, 10, 100, 1000, 5000):
        count = max(1, min(200, 5000 // batch))
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for i in range(count):
                lo = (i * batch) % (len(texts) - batch)
                model.predict(texts[lo : lo + batch])
            timings.append(time.perf_counter() - started)
        seconds = statistics.median(timings)
        per_s = count * batch / seconds
        print(f"{batch:>7,} {count:>8} {seconds:>9.3f} {per_s:>9,.0f} {1000 / per_s:>8.2f}")


if __name__ == "__main__":
    main()
