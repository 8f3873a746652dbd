"""Admin change lists at scale: queries and server time of every registered model's change list, a search and a
change page, with ``--rows`` rows in each table.

    .venv/bin/python bench/bench_admin.py [--rows 10000] [--repeat 5]

Runs in a throwaway database (``test_<DB_NAME>``, default DB_NAME ``sb_bench_admin``; created with all migrations
and dropped at the end). Every model in ``admin.site._registry`` gets ``--rows`` rows (bulk copies of a filled-in
row, as in the admin tests) except the small lookup tables (categories, queues, users, sources, rules…: 100 rows,
as in a real workspace: they feed list filters and selects). Then a superuser requests through Django's test
client (full WSGI request) the change list (first page), the change list with a search term when the admin has
``search_fields``, and the first object's change page: the median of ``--repeat`` requests each.
Goal: a fixed number of queries whatever the row count, and every page under 500 ms at 10,000 rows on 2 cores.
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
os.environ.setdefault("DB_NAME", "sb_bench_admin")
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.contrib import admin  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from apps.core.models import User  # noqa: E402
from tests.core.admin_rows import rows_ensure  # noqa: E402

GOAL_MS = 500.0
LOOKUP_ROWS = 100
# Tables that stay small in a real workspace (they feed list filters and selects): filled to LOOKUP_ROWS.
LOOKUPS = {
    "auth.Group",
    "authtoken.TokenProxy",
    "core.User",
    "django_q.Schedule",
    "escalation.BusinessCalendar",
    "escalation.Queue",
    "escalation.RoutingRule",
    "escalation.SLAPolicy",
    "escalation.TriggerRule",
    "escalation.WebhookEndpoint",
    "integrations.Connection",
    "knowledge.Source",
    "workflows.Category",
    "workflows.ClassifierVersion",
    "workflows.Workflow",
}


def measure(client: Client, url: str, repeat: int) -> tuple[int, float, int]:
    """(queries, median ms, status) of ``repeat`` GETs of ``url``."""
    times, queries, status = [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    return queries, statistics.median(times), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    original = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        user = User.objects.create_superuser(username="bench-admin", password="x", email="a@example.com")
        user.role = "admin"
        user.save()
        client = Client()
        client.force_login(user)
        models = sorted(admin.site._registry, key=lambda m: m._meta.label)
        started = time.perf_counter()
        lookups = [m for m in models if m._meta.label in LOOKUPS]
        reached = {m._meta.label: rows_ensure(m, LOOKUP_ROWS) for m in lookups}
        reached |= {m._meta.label: rows_ensure(m, args.rows) for m in models if m not in lookups}
        print(f"filled {len(models)} tables in {time.perf_counter() - started:.1f} s\n")
        header = f"{'model':34} {'rows':>7} | {'list q':>6} {'list ms':>8} | {'search q':>8} {'search ms':>9} | "
        print(header + f"{'change q':>8} {'change ms':>9}")
        print("-" * (len(header) + 19))
        slowest = (0.0, "")
        for model in models:
            label, meta = model._meta.label, model._meta
            base = f"admin:{meta.app_label}_{meta.model_name}"
            listed = measure(client, reverse(f"{base}_changelist"), args.repeat)
            searched = (0, 0.0, 0)
            if admin.site._registry[model].search_fields:
                searched = measure(client, reverse(f"{base}_changelist") + "?q=row", args.repeat)
            obj = model._default_manager.order_by("pk").first()
            changed = measure(client, reverse(f"{base}_change", args=[obj.pk]), args.repeat) if obj else (0, 0.0, 0)
            for figures, what in ((listed, "list"), (searched, "search"), (changed, "change")):
                if figures[1] > slowest[0]:
                    slowest = (figures[1], f"{label} {what}")
            print(
                f"{label:34} {reached[label]:>7,} | {listed[0]:>6} {listed[1]:>8.1f} | "
                f"{searched[0] or '-':>8} {searched[1] or 0:>9.1f} | {changed[0] or '-':>8} {changed[1]:>9.1f}"
            )
        verdict = "met" if slowest[0] <= GOAL_MS else "NOT met"
        print(
            f"\nGoal every admin page <= {GOAL_MS:.0f} ms at {args.rows:,} rows: {verdict} "
            f"(slowest {slowest[0]:.0f} ms: {slowest[1]})."
        )
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    print(f"database {test_db} (dropped)")


if __name__ == "__main__":
    main()
