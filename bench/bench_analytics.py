"""Analytics speed at scale: the audit and the dashboard pages with 1,000,000 tickets and 3,000,000 messages,
next to the same figures computed naively (per-category ORM loops, medians in Python).

    DB_NAME=sb_analytics_bench .venv/bin/python bench/bench_analytics.py [--tickets 1000000] [--repeat 5]
        [--skip-load] [--db NAME]

Uses the throwaway database ``--db`` or else ``DB_NAME`` (default ``sb_analytics_bench``; its tickets, messages,
decisions, drafts, handoffs, organisations and contacts are replaced; ``--skip-load`` reuses them). The quick run
of ``bench/run_all.py`` (``QUICK_ARGS``) uses its own ``sb_analytics_bench_quick`` so it never replaces a loaded
million-ticket database. Rows are generated inside PostgreSQL with
``generate_series`` (no data crosses the wire): 12 categories (2 sensitive), 20,000 organisations, 100,000
contacts, tickets spread over the last 90 days (so the default 90-day audit reads every one), three messages
per ticket (customer, agent reply, and a follow-up from either side), a handoff for 6% of tickets, an AI
Decision for the tickets of the last 30 days (with drafts for a third of them, a sixth of those edited); every
category rolled out 30 days ago with a 10% control group.

Timed, each ``--repeat`` times after one warm-up (median and p95 printed):
- the daily figures' refresh of 91 days (``rollup.category_stats_refresh``: the scheduled background job);
- audit: ``audit_run(days=90, coverage_sample=0, source="stats")`` (what the screen runs) and ``source="live"``
  (tickets and messages, exact ``percentile_cont`` medians); knowledge coverage is separate (none indexed);
- audit (naive): per category, ORM ``count()`` per figure and mix value, durations loaded into Python for
  medians, agent replies counted per ticket;
- dashboard pages through the Django test client as a lead: ``/analytics/metrics/`` (30 and 90 days, with
  a channel and tier filter), the overview ``/analytics/`` (30 and 90 days, from the daily figures) and the
  audit page (``refresh=1``: recomputed from the daily figures on every request, not the five-minute cache);
- overview (live SQL): the same figures from tickets, Decisions and drafts (``selectors.period_rates`` and
  friends: what ``/api/v1/metrics/`` runs and the page ran before), and (naive) with per-category and per-day
  ORM loops;
- metrics (naive): ``category_metrics``' figures per category and period with ORM loops.
The live audit's line also gives the database server's CPU time per run (from ``/proc``, embedded server only):
on a shared machine the wall time includes waiting for a core.
Goals: audit ≤ 3 s; dashboard pages p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
if "--db" in sys.argv[:-1]:  # chosen before Django reads its settings
    os.environ["DB_NAME"] = sys.argv[sys.argv.index("--db") + 1]
os.environ.setdefault("DB_NAME", "sb_analytics_bench")
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from apps.analytics.audit import audit_run  # noqa: E402
from apps.analytics.metrics import category_metrics, period_bounds  # noqa: E402
from apps.analytics.models import CategoryDayActivity, CategoryDayStats  # noqa: E402
from apps.analytics.selectors import (  # noqa: E402
    decisions_by_category_outcome,
    period_rates,
    tickets_by_category,
    tickets_per_day,
)
from apps.core.choices import Role  # noqa: E402
from apps.escalation.models import Handoff, Queue  # noqa: E402
from apps.tickets.models import Contact, Message, Organization, Ticket  # noqa: E402
from apps.workflows.models import Category, Decision, Draft  # noqa: E402

QUICK_ARGS = ["--tickets", "50000", "--repeat", "3", "--db", "sb_analytics_bench_quick"]  # run_all without --full
CATEGORIES = [
    ("bench-password-reset", False),
    ("bench-how-to", False),
    ("bench-billing", False),
    ("bench-invoice-copy", False),
    ("bench-plan-upgrade", False),
    ("bench-bug-report", False),
    ("bench-integrations", False),
    ("bench-outage", False),
    ("bench-feature-request", False),
    ("bench-permissions", False),
    ("bench-legal", True),
    ("bench-security", True),
]


def _fill(cursor, model, exprs: dict[str, str], source: str, params=(), source_params=()) -> None:
    """``INSERT INTO <model table> (...) SELECT ... FROM <source>``: ``exprs`` gives SQL per column; every other
    NOT NULL column without a database default gets its Django field default as a parameter. ``params`` fill the
    ``%s`` in ``exprs`` (in order), ``source_params`` those in ``source``; a literal percent sign is ``%%``."""
    table = model._meta.db_table
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO' "
        "AND column_default IS NULL AND column_name <> 'id'",
        [table],
    )
    required = [r[0] for r in cursor.fetchall()]
    fields = {f.column: f for f in model._meta.concrete_fields}
    columns, values, extra = list(exprs), list(exprs.values()), []
    for column in required:
        if column in exprs:
            continue
        default = fields[column].get_default() if column in fields else ""
        if isinstance(default, dict | list):
            default = Jsonb(default)
        columns.append(column)
        values.append("%s")
        extra.append(default)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    cursor.execute(sql, [*params, *extra, *source_params])


def load(n_tickets: int) -> None:
    """Replace the workspace's tickets with ``n_tickets`` generated ones (see the module docstring)."""
    now = timezone.now()
    with connection.cursor() as c:
        for model in (
            CategoryDayActivity,
            CategoryDayStats,
            Draft,
            Decision,
            Handoff,
            Message,
            Ticket,
            Contact,
            Organization,
        ):
            c.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
        c.execute("DELETE FROM workflows_category WHERE slug LIKE 'bench-%%'")
        for slug, sensitive in CATEGORIES:  # rolled out 30 days ago (the engine sets rollout_started_at)
            Category.objects.create(
                slug=slug,
                name=slug[6:].replace("-", " ").title(),
                is_sensitive=sensitive,
                rollout_started_at=now - timedelta(days=30),
                control_share=0.1,
            )
        Queue.objects.get_or_create(slug="support", defaults={"name": "General"})
        queue_id = Queue.objects.get(slug="support").pk
        cat_ids = list(
            Category.objects.filter(slug__startswith="bench-").order_by("slug").values_list("id", flat=True)
        )
        # organisations and contacts
        _fill(
            c,
            Organization,
            {
                "name": "'Org ' || i",
                "external_id": "'org-' || i",
                "domain": "'org' || i || '.example'",
                "tier": "(ARRAY['free','pro','business','enterprise'])[1 + (i * 7) %% 4]",
                "segment": "(ARRAY['smb','mid-market','enterprise'])[1 + (i * 5) %% 3]",
                "created_at": "%s::timestamptz",
                "updated_at": "%s::timestamptz",
            },
            "generate_series(1::bigint, 20000) AS g(i)",
            [now, now],
        )
        c.execute(f"SELECT min(id) FROM {Organization._meta.db_table}")
        org0 = c.fetchone()[0]
        _fill(
            c,
            Contact,
            {
                "organization_id": f"{org0} + (i %% 20000)",
                "name": "'Person ' || i",
                "email": "'p' || i || '@org.example'",
                "language": "'en'",
                "created_at": "%s::timestamptz",
                "updated_at": "%s::timestamptz",
            },
            "generate_series(1::bigint, 100000) AS g(i)",
            [now, now],
        )
        c.execute(f"SELECT min(id) FROM {Contact._meta.db_table}")
        contact0 = c.fetchone()[0]
        started = time.perf_counter()
        # tickets: category skewed (hash), channel mix, created over 90 days, first response and resolution
        _fill(
            c,
            Ticket,
            {
                "source": "'bench'",
                "external_id": "'b-' || i",
                "contact_id": f"{contact0} + (i * 7919) %% 100000",
                "organization_id": f"{org0} + ((i * 7919) %% 100000) %% 20000",
                # skewed: the first categories get most tickets (a power of a hashed uniform number)
                "category_id": "(%s::bigint[])[1 + floor(12 * power(((i * 2654435761::bigint) %% 1000003) "
                "/ 1000003.0, 1.6))::int]",
                "labelled_category_id": "NULL",
                "channel": "(ARRAY['email','chat','email','web','chat'])[1 + i %% 5]",
                "status": "CASE WHEN i %% 10 = 0 THEN 'open' ELSE 'closed' END",
                "priority": "(ARRAY['normal','normal','high','low','urgent'])[1 + (i * 3) %% 5]",
                "subject": "'Ticket ' || i",
                "language": "'en'",
                "csat": "CASE WHEN i %% 3 = 0 THEN 1 + (i * 13) %% 5 END",
                "created_at": "%s::timestamptz - make_interval(secs => (i * 7.776)::float8)",
                "updated_at": "%s::timestamptz",
                "first_response_at": "%s::timestamptz - make_interval(secs => (i * 7.776)::float8) "
                "+ make_interval(mins => (5 + (i * 31) %% 600)::int)",
                "resolved_at": "CASE WHEN i %% 10 <> 0 THEN %s::timestamptz "
                "- make_interval(secs => (i * 7.776)::float8) + make_interval(hours => (1 + (i * 17) %% 96)::int) END",
            },
            f"generate_series(1::bigint, {n_tickets}) AS g(i)",
            [cat_ids, now, now, now, now],
        )
        c.execute(f"SELECT min(id), max(id) FROM {Ticket._meta.db_table}")
        t0, t1 = c.fetchone()
        tickets_s = time.perf_counter() - started
        started = time.perf_counter()
        _fill(
            c,
            Message,
            {
                "ticket_id": f"{t0} + (i - 1) / 3",
                "author_kind": "CASE WHEN (i - 1) %% 3 = 0 THEN 'customer' WHEN (i - 1) %% 3 = 1 THEN 'agent' "
                "WHEN ((i - 1) / 3) %% 4 = 0 THEN 'customer' ELSE 'agent' END",
                "body": "CASE WHEN (i - 1) %% 3 = 0 AND i %% 997 = 1 THEN 'The export fails with error E' || (i %% 7) "
                "ELSE 'Message ' || i END",
                "is_internal": "false",
                # the ticket's created_at (same formula as above: ticket ids follow the series) + 0/1/2 hours
                "created_at": "%s::timestamptz - make_interval(secs => (((i - 1) / 3 + 1) * 7.776)::float8) "
                "+ make_interval(hours => ((i - 1) %% 3)::int)",
            },
            f"generate_series(1::bigint, {3 * (t1 - t0 + 1)}) AS g(i)",
            [now],
        )
        messages_s = time.perf_counter() - started
        _fill(
            c,
            Handoff,
            {
                "ticket_id": "t.id",
                "queue_id": str(queue_id),
                "priority": "'normal'",
                "reason": "'bench'",
                "status": "'resolved'",
                "created_at": "t.created_at",
                "updated_at": "t.created_at",
            },
            f"{Ticket._meta.db_table} t WHERE t.id %% 17 = 0",
        )
        since30 = now - timedelta(days=30)
        _fill(
            c,
            Decision,
            {
                "ticket_id": "t.id",
                "turn": "1",
                "category_id": "t.category_id",
                "confidence": "0.5 + (t.id %% 50) / 100.0",
                "outcome": "(ARRAY['resolve','draft','escalate'])[1 + t.id %% 3]",
                "rollout_state": "'auto'",
                "sent": "t.id %% 3 = 0",
                "created_at": "t.created_at",
                "reply_text": "'Here is how.'",
            },
            f"{Ticket._meta.db_table} t WHERE t.created_at >= %s",
            source_params=[since30],
        )
        _fill(
            c,
            Draft,
            {
                "ticket_id": "d.ticket_id",
                "decision_id": "d.id",
                "body": "'Here is how to do that.'",
                "status": "CASE WHEN (d.id / 3) %% 6 = 0 THEN 'edited' WHEN (d.id / 3) %% 6 = 1 THEN 'rejected' "
                "ELSE 'approved' END",
                "sent_body": "CASE WHEN (d.id / 3) %% 6 = 0 THEN 'Here is exactly how to do that, step by step.' "
                "ELSE 'Here is how to do that.' END",
                "version": "1",
                "created_at": "d.created_at",
                "updated_at": "d.created_at",
            },
            f"{Decision._meta.db_table} d WHERE d.outcome = 'draft'",
        )
    # the steady state of a live database: autovacuum has set the visibility maps (index-only scans) and stats
    with connection.cursor() as c:
        for model in (Ticket, Message, Decision, Draft, Handoff, Organization, Contact):
            c.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(f"Loaded {n_tickets:,} tickets in {tickets_s:.1f} s and {3 * n_tickets:,} messages in {messages_s:.1f} s")


# --- naive versions: what the figures cost done per category with the ORM --------------------------------------


def naive_audit(days: int = 90) -> int:
    """The audit's figures with per-category ORM queries and Python medians; returns the number of queries."""
    now = timezone.now()
    since = now - timedelta(days=days)
    queries = 0
    for category in Category.objects.all():
        tickets = Ticket.objects.filter(category=category, created_at__gte=since, created_at__lt=now)
        tickets.count()
        tickets.filter(resolved_at__isnull=False).count()
        queries += 2
        for channel in ("email", "chat", "web", "api", "phone", "social"):
            tickets.filter(channel=channel).count()
            queries += 1
        for tier in ("free", "pro", "business", "enterprise"):
            tickets.filter(organization__tier=tier).count()
            queries += 1
        for segment in ("smb", "mid-market", "enterprise"):
            tickets.filter(organization__segment=segment).count()
            queries += 1
        tickets.filter(Q(status="escalated") | Q(handoffs__isnull=False)).distinct().count()
        tickets.filter(priority__in=["high", "urgent"]).count()
        queries += 2
        fr = [
            (b - a).total_seconds()
            for a, b in tickets.filter(first_response_at__isnull=False).values_list("created_at", "first_response_at")
        ]
        rs = [
            (b - a).total_seconds()
            for a, b in tickets.filter(resolved_at__isnull=False).values_list("created_at", "resolved_at")
        ]
        statistics.median(fr) if fr else None
        statistics.median(rs) if rs else None
        replies = (
            Message.objects.filter(ticket__in=tickets, author_kind="agent", is_internal=False)
            .values("ticket_id")
            .annotate(n=Count("id"))
        )
        counts = [r["n"] for r in replies]
        sum(counts) / len(counts) if counts else None
        queries += 3
    return queries


def naive_metrics(days: int = 30) -> int:
    """``category_metrics``' figures per category and period with ORM loops; returns the number of queries."""
    since, until = period_bounds(days, now=timezone.now())
    length = until - since
    queries = 0
    for category in Category.objects.all():
        first = Decision.objects.filter(category=category).order_by("created_at").first()
        queries += 1
        start = first.created_at if first else since
        for a, b in ((max(since, start), until), (start - length, start)):
            tickets = Ticket.objects.filter(category=category, created_at__gte=a, created_at__lt=b)
            tickets.count()
            tickets.filter(handoffs__isnull=False).distinct().count()
            tickets.filter(decisions__outcome="resolve", decisions__sent=True).exclude(handoffs__isnull=False).count()
            queries += 3
            fr = [
                (y - x).total_seconds()
                for x, y in tickets.filter(first_response_at__isnull=False).values_list(
                    "created_at", "first_response_at"
                )
            ]
            statistics.median(fr) if fr else None
            csat = list(tickets.filter(csat__isnull=False).values_list("csat", flat=True))
            sum(csat) / len(csat) if csat else None
            drafts = Draft.objects.filter(decision__category=category, created_at__gte=a, created_at__lt=b)
            for status in ("approved", "edited", "rejected"):
                drafts.filter(status=status).count()
            queries += 5
            list(drafts.filter(status="edited").exclude(sent_body=F("body")).values_list("body", "sent_body")[:300])
            queries += 1
    return queries


def live_overview(days: int = 30) -> None:
    """The overview's figures from tickets, Decisions and drafts (the live selectors)."""
    since, until = period_bounds(days, now=timezone.now())
    decisions_by_category_outcome(since=since, until=until)
    tickets_per_day(since=since, until=until)
    period_rates(since=since, until=until)
    tickets_by_category(since=since, until=until)


def naive_overview(days: int = 30) -> int:
    """The overview's figures with per-category and per-day ORM counts; returns the number of queries."""
    since, until = period_bounds(days, now=timezone.now())
    queries = 0
    decisions = Decision.objects.filter(created_at__gte=since, created_at__lt=until)
    tickets = Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
    for category in [None, *Category.objects.all()]:
        for outcome in ("resolve", "draft", "escalate"):
            decisions.filter(category=category, outcome=outcome).count()
            queries += 1
        tickets.filter(category=category).count()
        queries += 1
    day = since
    while day < until:
        Ticket.objects.filter(created_at__gte=day, created_at__lt=day + timedelta(days=1)).count()
        Ticket.objects.filter(resolved_at__gte=day, resolved_at__lt=day + timedelta(days=1)).count()
        queries += 2
        day += timedelta(days=1)
    tickets.count()
    tickets.filter(resolved_at__isnull=False).count()
    tickets.filter(handoffs__isnull=False).distinct().count()
    decisions.filter(sent=True).count()
    queries += 4
    for status in ("pending", "approved", "edited", "rejected", "superseded"):
        Draft.objects.filter(created_at__gte=since, created_at__lt=until, status=status).count()
        queries += 1
    minutes = [
        (b - a).total_seconds() / 60
        for a, b in tickets.filter(first_response_at__isnull=False).values_list("created_at", "first_response_at")
    ]
    sum(minutes) / len(minutes) if minutes else None
    return queries + 1


def db_cpu_ms(fn) -> float | None:
    """The database server process's CPU time (ms) spent while ``fn`` runs, or ``None`` when it can't be read
    (a remote server)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        fn()
        return None

    def cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    before = cpu()
    fn()
    return cpu() - before


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-repeat", type=int, default=1)
    parser.add_argument("--skip-load", action="store_true", help="Reuse the rows of an earlier run")
    parser.add_argument("--db", help="Database to use instead of DB_NAME (read before Django starts)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not args.skip_load:
        load(args.tickets)
    settings.ALLOWED_HOSTS = ["*"]
    from django.contrib.auth import get_user_model

    lead, _ = get_user_model().objects.get_or_create(username="bench-lead", defaults={"role": Role.LEAD})
    client = Client()
    client.force_login(lead)
    n = Ticket.objects.count()
    m = Message.objects.count()
    rows: list[tuple[str, list[float], str]] = []

    def page(url: str):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    from apps.analytics.rollup import category_stats_refresh_recent
    from apps.analytics.services.training import training_examples_build

    started = time.perf_counter()
    training_examples_build()
    rows.append(("training examples build (background task)", [(time.perf_counter() - started) * 1000], ""))
    started = time.perf_counter()
    stats_rows = category_stats_refresh_recent(days=91)
    rows.append(("daily figures refresh, 91 days (background task)", [(time.perf_counter() - started) * 1000], ""))
    rows.append(
        (
            "audit: audit_run(90 days, source=stats), daily figures",
            timed(lambda: audit_run(days=90, coverage_sample=0, source="stats"), args.repeat),
            "≤ 3000",
        )
    )
    rows.append(
        (
            "audit: audit_run(90 days, source=live), percentile_cont",
            timed(lambda: audit_run(days=90, coverage_sample=0), args.repeat),
            "≤ 3000",
        )
    )
    live_cpu = db_cpu_ms(lambda: audit_run(days=90, coverage_sample=0))
    rows.append(("audit (naive per-category ORM loops)", timed(naive_audit, args.naive_repeat), ""))
    now = timezone.now()
    since, until = period_bounds(30, now=now)
    rows.append(
        (
            "metrics: category_metrics(30 days)",
            timed(lambda: category_metrics(since=since, until=until), args.repeat),
            "",
        )
    )
    rows.append(("metrics (naive per-category ORM loops, 30 days)", timed(naive_metrics, args.naive_repeat), ""))
    rows.append(("overview (live SQL selectors, 30 days)", timed(live_overview, args.repeat), ""))
    rows.append(("overview (naive per-category/day ORM loops, 30 days)", timed(naive_overview, args.naive_repeat), ""))
    for url in (
        "/analytics/metrics/",
        "/analytics/metrics/?days=90",
        "/analytics/metrics/?days=30&channel=chat&tier=business",
        "/analytics/",
        "/analytics/?days=90",
        "/analytics/audit/?refresh=1",
    ):
        rows.append((f"page GET {url}", timed(page(url), max(args.repeat, 20)), "p95 ≤ 300"))
    loadavg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nAnalytics with {n:,} tickets and {m:,} messages (database {connection.settings_dict['NAME']})")
    print(f"machine: {os.cpu_count()} cores, load average {loadavg} (1, 5, 15 min) at the end of the run")
    print(f"{'what':<62} {'runs':>5} {'median ms':>10} {'p95 ms':>10} {'goal ms':>10}")
    for label, values, goal in rows:
        print(f"{label:<62} {len(values):>5} {statistics.median(values):>10.0f} {p95(values):>10.0f} {goal:>10}")
    audit_ms, live_ms = statistics.median(rows[2][1]), statistics.median(rows[3][1])
    naive_ms = statistics.median(rows[4][1])
    metrics_ms, naive_metrics_ms = statistics.median(rows[5][1]), statistics.median(rows[6][1])
    print(f"({stats_rows:,} daily-figure rows)")
    print(
        f"audit: daily figures {audit_ms:.0f} ms, live SQL {live_ms:.0f} ms vs naive {naive_ms:.0f} ms "
        f"({naive_ms / audit_ms:.0f}x / {naive_ms / live_ms:.1f}x)"
    )
    if live_cpu is not None:
        print(
            f"audit live: database CPU {live_cpu:.0f} ms per run "
            "(wall time adds Python, I/O and waiting for a core on a busy machine)"
        )
    print(
        f"metrics: SQL {metrics_ms:.0f} ms vs naive {naive_metrics_ms:.0f} ms ({naive_metrics_ms / metrics_ms:.1f}x)"
    )
    overview_ms = statistics.median(next(v for label, v, _ in rows if label == "page GET /analytics/"))
    live_overview_ms, naive_overview_ms = statistics.median(rows[7][1]), statistics.median(rows[8][1])
    print(
        f"overview: page from daily figures {overview_ms:.0f} ms vs live SQL {live_overview_ms:.0f} ms vs naive "
        f"{naive_overview_ms:.0f} ms ({live_overview_ms / overview_ms:.1f}x / {naive_overview_ms / overview_ms:.0f}x)"
    )
    page_p95 = max(p95(v) for label, v, _ in rows if label.startswith("page"))
    print(
        f"Goal audit ≤ 3 s: from the daily figures {'met' if audit_ms <= 3000 else 'missed'} "
        f"({audit_ms / 1000:.2f} s), live exact {'met' if live_ms <= 3000 else 'missed'} ({live_ms / 1000:.2f} s); "
        f"goal dashboard pages p95 ≤ 300 ms: {'met' if page_p95 <= 300 else 'missed'} (worst p95 {page_p95:.0f} ms)"
    )


if __name__ == "__main__":
    main()
