"""Review queue on the server: queries and time of the queue page as the queue grows, and time per review action.

    .venv/bin/python bench/bench_review_queue.py [--drafts 1000] [--actions 40]

Runs in a throwaway database (``test_<DB_NAME>``, created with all migrations and dropped at the end). Builds
pending drafts in bulk (8 categories in 3 queues, free/pro/business/enterprise customers, chat and email, one
customer message each, a Decision with a full trace), then requests the screen through Django's test client as
a logged-in agent (full WSGI request: middleware, session, templates):
- the queue page, the 10-second poll (list fragment) and the draft detail fragment at 10, 100 and ``--drafts``
  pending drafts: query count and median server time of 10 requests;
- approve, edit-then-send, reject, snooze (1 hour) and un-snooze through the HTMX endpoints (each returns the
  next draft's detail — the same one for un-snooze —, the counts, the snoozed list and the row removal): median
  and p95 of ``--actions`` requests each, with ``--drafts`` waiting.
Goal: a fixed number of queries whatever the queue length; each action well under 200 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_bench_review")
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from apps.core.models import User  # noqa: E402
from apps.escalation.models import Queue  # noqa: E402
from apps.tickets.models import Contact, Message, Organization, Ticket  # noqa: E402
from apps.workflows.models import Category, Decision, Draft  # noqa: E402

HX = {"HX-Request": "true", "HX-Target": "draft-detail"}
HX_LIST = {"HX-Request": "true", "HX-Target": "draft-list"}


def trace(slug: str, confidence: float) -> dict:
    return {
        "version": 1,
        "steps": [
            {"step": "context", "ms": 0.3, "tier": "pro", "channel": "email", "turn": 1, "text_chars": 120},
            {
                "step": "classify",
                "ms": 2.0,
                "classifier": "bench",
                "category": slug,
                "confidence": confidence,
                "runner_ups": [{"category": "other", "confidence": 0.1}],
                "out_of_scope": False,
            },
            {"step": "triggers", "ms": 0.1, "rules": 12, "hits": []},
            {"step": "gate", "ms": 0.0, "rollout_state": "auto", "band": "draft", "outcome": "draft"},
            {"step": "compose", "ms": 3.0, "provider": "offline", "model": "offline", "citations": ["KB-1"]},
            {"step": "decide", "ms": 0.0, "outcome": "draft", "effect": "draft", "reason": "draft band"},
        ],
        "total_ms": 5.4,
    }


def add_drafts(n: int, start: int) -> None:
    """``n`` more pending drafts, in bulk."""
    queues = [
        Queue.objects.get_or_create(slug=s, defaults={"name": s.title()})[0] for s in ("billing", "tech", "support")
    ]
    cats = [
        Category.objects.get_or_create(
            slug=f"cat-{i}",
            defaults={"name": f"Category {i}", "default_queue": queues[i % 3], "rollout_state": "auto"},
        )[0]
        for i in range(8)
    ]
    orgs = list(Organization.objects.all()[:40]) or Organization.objects.bulk_create(
        [Organization(name=f"Org {i}", tier=("free", "pro", "business", "enterprise")[i % 4]) for i in range(40)]
    )
    contacts = list(Contact.objects.all()[:200]) or Contact.objects.bulk_create(
        [Contact(organization=orgs[i % 40], name=f"Person {i}", email=f"p{i}@o{i % 40}.example") for i in range(200)]
    )
    now = datetime.now(UTC)
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                source="bench",
                external_id=str(start + i),
                subject=f"Question {start + i} about invoices and exports",
                channel=("email", "chat")[i % 2],
                contact=contacts[i % 200],
                organization_id=contacts[i % 200].organization_id,
                created_at=now - timedelta(minutes=i % 600),
            )
            for i in range(n)
        ]
    )
    Message.objects.bulk_create(
        [
            Message(
                ticket=t,
                author_kind="customer",
                body="Hello, how do I export last month's invoices?" * 3,
                created_at=t.created_at,
            )
            for t in tickets
        ]
    )
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                ticket=t,
                turn=1,
                category=cats[i % 8],
                confidence=0.7,
                outcome="draft",
                rollout_state="auto",
                reply_text="You can export invoices under Settings → Billing.",
                trace=trace(cats[i % 8].slug, 0.7),
                reason="confidence 0.70 ≥ draft threshold 0.60",
            )
            for i, t in enumerate(tickets)
        ]
    )
    Draft.objects.bulk_create([Draft(ticket=d.ticket, decision=d, body=d.reply_text) for d in decisions])


class QueryCounter:
    """Counts the SQL statements run while active (``connection.execute_wrapper``; request signals don't reset it)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)


def measure(client: Client, url: str, headers: dict | None = None, repeat: int = 15) -> tuple[int, float]:
    """(queries, median ms) of GET ``url``."""
    client.get(url, headers=headers or {})  # warm
    with QueryCounter() as queries:
        client.get(url, headers=headers or {})
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return queries.count, statistics.median(times)


ACTION_DATA = {
    "approve": {},
    "edit": {"body": "Edited: export under Settings → Billing → Export."},
    "reject": {"reason": "wrong_answer", "note": "bench"},
    "snooze": {"minutes": 60},
    "unsnooze": {},
}


def act(client: Client, action: str, n: int) -> tuple[float, float, int]:
    """(median ms, p95 ms, queries of one) of ``n`` HTMX ``action`` POSTs on the first pending drafts (for
    ``unsnooze``: on the snoozed ones, soonest back first)."""
    pending = Draft.objects.filter(status="pending")
    if action == "unsnooze":
        drafts = list(pending.filter(snoozed_until__isnull=False).order_by("snoozed_until", "id")[:n])
    else:
        drafts = list(pending.filter(snoozed_until__isnull=True).order_by("id")[:n])
    data = ACTION_DATA[action]
    times, queries = [], 0
    for i, draft in enumerate(drafts):
        url = f"/workflows/review/{draft.pk}/{action}/"
        started = time.perf_counter()
        if i == 0:
            with QueryCounter() as captured:
                response = client.post(url, {"version": draft.version, **data}, headers=HX)
            queries = captured.count
        else:
            response = client.post(url, {"version": draft.version, **data}, headers=HX)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drafts", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=40)
    args = parser.parse_args()

    setup_test_environment()
    original = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        agent = User.objects.create_user(username="bench-agent", password="x", role="agent")
        client = Client()
        client.force_login(agent)
        print(
            f"{'pending drafts':>14} | {'page q':>6} {'page ms':>8} | {'poll q':>6} {'poll ms':>8} | "
            f"{'detail q':>8} {'detail ms':>9}"
        )
        print("-" * 78)
        have = 0
        for size in sorted({10, 100, args.drafts}):
            add_drafts(size - have, have)
            have = size
            first = Draft.objects.order_by("id").first()
            page = measure(client, "/workflows/review/")
            poll = measure(client, "/workflows/review/", HX_LIST)
            detail = measure(client, f"/workflows/review/{first.pk}/", HX)
            print(
                f"{size:>14,} | {page[0]:>6} {page[1]:>8.1f} | {poll[0]:>6} {poll[1]:>8.1f} | "
                f"{detail[0]:>8} {detail[1]:>9.1f}"
            )
        print()
        print(f"{'action (HTMX)':>14} | {'median ms':>9} {'p95 ms':>7} | {'queries':>7}   ({args.drafts:,} waiting)")
        print("-" * 60)
        for action in ("approve", "edit", "reject", "snooze", "unsnooze"):
            median, p95, queries = act(client, action, args.actions)
            print(f"{action:>14} | {median:>9.1f} {p95:>7.1f} | {queries:>7}")
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    print(f"\ndatabase {test_db} (dropped)")


if __name__ == "__main__":
    main()
