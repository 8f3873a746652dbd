"""Backtest speed: tickets replayed per second through the real pipeline, and the threshold sweep after it.

    DB_NAME=sb_studio .venv/bin/python bench/bench_backtest.py [--limits 100 500 2500] [--repeat 3]

Reads the workspace in ``DB_NAME`` (default ``sb_bench``; migrated, and seeded with ``manage.py seed_demo`` —
labelled history and a trained classifier — when it has no labelled tickets). For each limit: the median wall
time of an uncached replay (load, context, classify, triggers, tree, compose, guard; nothing written), tickets/s,
and the time of a full auto-threshold sweep of every category from that replay (what the threshold editor
recomputes on each keystroke).
"""

from __future__ import annotations

import argparse
import os
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

from django.core.management import call_command  # noqa: E402

from apps.tickets.models import Ticket  # noqa: E402
from apps.workflows.services.backtest import backtest_replay  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", type=int, nargs="+", default=[100, 500, 2500])
    parser.add_argument("--repeat", type=int, default=3, help="Runs per limit (median shown)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)  # a fresh database (make bench) gets its tables
    available = Ticket.objects.filter(labelled_category__isnull=False).count()
    if not available:  # seed the demo workspace once: labelled history, knowledge, a trained classifier
        print(f"database {os.environ['DB_NAME']} has no labelled tickets: seeding the demo workspace…", flush=True)
        call_command("seed_demo", verbosity=0)
        available = Ticket.objects.filter(labelled_category__isnull=False).count()
    if not available:
        sys.exit(f"no labelled tickets in database {os.environ['DB_NAME']} even after manage.py seed_demo")
    backtest_replay(limit=min(50, available), use_cache=False)  # warm up: classifier file, embeddings, rules
    print(f"database {os.environ['DB_NAME']}: {available} labelled tickets")
    print(f"{'limit':>6} {'tickets':>7} {'replay s':>9} {'tickets/s':>10} {'sweep ms':>9}")
    for limit in args.limits:
        times, replay = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            replay = backtest_replay(limit=limit, use_cache=False)
            times.append(time.perf_counter() - started)
        seconds = statistics.median(times)
        started = time.perf_counter()
        for slug, t in replay.thresholds.items():
            replay.sweep(slug, draft=t["draft"])
        sweep_ms = (time.perf_counter() - started) * 1000
        n = len(replay.rows)
        print(f"{limit:6d} {n:7d} {seconds:9.2f} {n / seconds:10.0f} {sweep_ms:9.1f}")


if __name__ == "__main__":
    main()
