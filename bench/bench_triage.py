"""Triage speed: tickets/second through ``manage.py triage`` (bulk path) and one-ticket latency (task path).

    .venv/bin/python bench/bench_triage.py [--tickets 5000] [--single 200] [--batch-size 500] [--rss-tickets 100000]

Runs in a throwaway database (``test_<DB_NAME>``, created with all migrations and dropped at the end), with:
- tickets from ``../shared/data/helpdesk_tickets/tickets_en_de.csv`` (1,872 real-length en/de support emails,
  subject + body, their ``queue`` as the category), repeated to ``--tickets``; synthetic tickets when the shared
  folder is missing; customers in 50 organizations (a few enterprise, which the tier trigger escalates);
- every category in ``auto`` rollout with a reply template, thresholds auto 0.9 / draft 0.6 (a realistic mix of
  replies sent, drafts and handoffs);
- a classifier trained on the labelled tickets, saved and activated like ``train_classifier`` does.
Bulk: ``manage.py triage --all --json`` (one classifier call per batch, bulk writes). Single: ``ticket_triage``
per ticket in its own transaction, as the django-q2 task runs it (p50/p95 of wall time). No LLM: the offline
composer. Goal: ≥ 500 tickets/s in bulk on 2 cores.
Memory: ``--rss-tickets`` more tickets are then triaged by one ``manage.py triage --all`` process, as a worker
runs it; its peak RSS comes from the kernel (``os.wait4`` rusage). Goal: ≤ 1 GB for 100k tickets.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_bench_triage")
os.environ["DJANGO_DEBUG"] = "false"  # no query log

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from apps.tickets.models import Contact, Message, Organization, Ticket  # noqa: E402
from apps.workflows.classifier import classifier_train, classifier_version_activate  # noqa: E402
from apps.workflows.models import Category, ClassifierVersion  # noqa: E402
from apps.workflows.services.triage import ticket_triage  # noqa: E402

HELPDESK = ROOT.parent / "shared" / "data" / "helpdesk_tickets" / "tickets_en_de.csv"
TEMPLATE = "Hi {first_name}, thanks for contacting us about {category_name}. Here is what to do next: …"


def labelled_rows() -> tuple[list[tuple[str, str, str]], str]:
    """``(subject, body, category name)`` rows and where they came from."""
    if HELPDESK.exists():
        with HELPDESK.open(newline="", encoding="utf-8") as handle:
            rows = [(r["subject"] or "", r["body"].replace("\\n", "\n"), r["queue"]) for r in csv.DictReader(handle)]
        return [r for r in rows if r[1].strip()], "helpdesk_tickets (en/de)"
    rng = random.Random(0)
    topics = {
        "Billing": "invoice charge refund card",
        "Login": "password login reset locked",
        "Export": "export csv excel report",
        "Integrations": "slack webhook api token",
    }
    rows = [
        (f"{name} question", " ".join(rng.choices(words.split() + ["please", "help", "since", "today"], k=40)), name)
        for name, words in topics.items()
        for _ in range(300)
    ]
    return rows, "synthetic"


def build_workspace(rows, n_tickets: int) -> tuple[list[int], dict]:
    """Categories, organizations, contacts, labelled tickets with one customer message each; returns the ids of
    the tickets to bulk-triage and of extra tickets for the single-ticket latency run, and the workspace
    (categories and contacts) for ``tickets_add``."""
    names = sorted({r[2] for r in rows})
    cats = {
        n: Category.objects.create(
            slug=slugify(n),
            name=n,
            rollout_state="auto",
            reply_template=TEMPLATE,
            auto_threshold=0.9,
            draft_threshold=0.6,
        )
        for n in names
    }
    orgs = Organization.objects.bulk_create(
        [
            Organization(name=f"Customer {i}", tier="enterprise" if i % 25 == 0 else ("free" if i % 3 else "pro"))
            for i in range(50)
        ]
    )
    contacts = Contact.objects.bulk_create(
        [Contact(organization=orgs[i % 50], name=f"Person {i}", email=f"p{i}@c{i % 50}.example") for i in range(500)]
    )
    workspace = {"categories": cats, "contacts": contacts, "added": 0}
    return tickets_add(rows, workspace, n_tickets), workspace


def tickets_add(rows, workspace: dict, n_tickets: int) -> list[int]:
    """``n_tickets`` more tickets (one customer message each, a minute apart going back from now) in the
    workspace; returns their ids."""
    cats, contacts, first = workspace["categories"], workspace["contacts"], workspace["added"]
    now = datetime.now(UTC)
    ids = []
    for start in range(first, first + n_tickets, 10_000):  # bounded memory for the 100k-ticket run
        tickets, bodies = [], []
        for i in range(start, min(start + 10_000, first + n_tickets)):
            subject, body, name = rows[i % len(rows)]
            contact = contacts[i % len(contacts)]
            tickets.append(
                Ticket(
                    source="bench",
                    external_id=str(i),
                    subject=subject[:500],
                    channel="email" if i % 3 else "chat",
                    contact=contact,
                    organization_id=contact.organization_id,
                    labelled_category=cats[name],
                    created_at=now - timedelta(minutes=i),
                )
            )
            bodies.append(body)
        tickets = Ticket.objects.bulk_create(tickets, batch_size=2000)
        Message.objects.bulk_create(
            [
                Message(ticket=t, author_kind="customer", body=b, created_at=t.created_at)
                for t, b in zip(tickets, bodies, strict=True)
            ],
            batch_size=2000,
        )
        ids += [t.pk for t in tickets]
    workspace["added"] = first + n_tickets
    return ids


class PostgresCPU:
    """CPU seconds used so far by this connection's PostgreSQL backend process (``/proc/<pid>/stat``; the embedded
    server runs on this machine). ``available`` is False when the server is elsewhere; ``seconds()`` is then 0."""

    def __init__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.available = self.stat.exists()
        self.tick = os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float:
        if not self.available:
            return 0.0
        try:
            fields = self.stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the connection was reopened: another backend
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime


def worker_rss(test_db: str, tickets: int, batch_size: int) -> dict:
    """Peak RSS of one triage worker: ``manage.py triage --all`` in its own process (as a worker runs it) over
    the ``tickets`` waiting in ``test_db``; ``{"tickets", "seconds", "tickets_per_s", "peak_rss_mb"}`` with the
    peak from the kernel's accounting of the child (``os.wait4`` → ``ru_maxrss``, KiB on Linux)."""
    env = {
        **os.environ,
        "DB_NAME": test_db,
        "SWITCHBOARD_VAR_DIR": str(settings.VAR_DIR),
        "DJANGO_DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, str(ROOT / "manage.py"), "triage", "--all", "--json", "--batch-size", str(batch_size)]
    with tempfile.TemporaryFile(mode="w+") as errors:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # reaps the child: its own rusage, not a sum over children
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"triage worker failed ({proc.returncode}):\n{errors.read()[-3000:]}")
    summary = json.loads(out)
    return {
        "tickets": summary["total"],
        "seconds": summary["seconds"],
        "tickets_per_s": summary["tickets_per_s"],
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


def train_and_activate(rows) -> tuple[str, float]:
    started = time.perf_counter()
    clf = classifier_train(
        texts=[f"{s}\n{b}" for s, b, _ in rows], labels=[slugify(n) for _, _, n in rows], refit=False
    )
    path = "classifier/bench.joblib"
    clf.save(Path(settings.VAR_DIR) / path)
    version = ClassifierVersion.objects.create(model_name=clf.model_name, path=path, labels=clf.labels)
    classifier_version_activate(version=version)
    return clf.model_name, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes for the second bulk run")
    parser.add_argument("--train", type=int, default=1000, help="labelled rows the classifier is trained on")
    parser.add_argument(
        "--rss-tickets", type=int, default=100_000, help="tickets for the worker peak-RSS run (0: skip it)"
    )
    args = parser.parse_args()

    rows, source = labelled_rows()
    settings.VAR_DIR = Path(tempfile.mkdtemp(prefix="bench-triage-"))
    original = connection.settings_dict["NAME"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
    try:
        ids, workspace = build_workspace(rows, args.tickets + args.single)
        model, train_s = train_and_activate(random.Random(0).sample(rows, min(args.train, len(rows))))
        single_ids = ids[-args.single :]
        ticket_triage(ticket_id=single_ids[0])  # warm-up: loads the model file and WordLlama once
        latencies, cpu_ms = [], []
        backend = PostgresCPU()
        for pk in single_ids[1:]:
            started, cpu_started, pg_started = time.perf_counter(), time.process_time(), backend.seconds()
            ticket_triage(ticket_id=pk)
            latencies.append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.process_time() - cpu_started + backend.seconds() - pg_started) * 1000)
        runs = []
        for workers, limit in ((1, args.tickets // 2), (args.workers, None)):
            out = StringIO()
            load_before, cpu_before, pg_before = os.getloadavg()[0], time.process_time(), backend.seconds()
            scope = ["--limit", str(limit)] if limit else ["--all"]
            call_command(
                "triage", *scope, "--json", "--workers", str(workers), "--batch-size", str(args.batch_size), stdout=out
            )
            runs.append(
                (
                    workers,
                    json.loads(out.getvalue()),
                    time.process_time() - cpu_before,
                    backend.seconds() - pg_before,
                    load_before,
                    os.getloadavg()[0],
                )
            )
        rss = None
        if args.rss_tickets:
            tickets_add(rows, workspace, args.rss_tickets)
            connection.close()
            rss = worker_rss(test_db, args.rss_tickets, args.batch_size)
        connection.close()
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)

    q = statistics.quantiles(latencies, n=20)
    total = sum(run[1]["total"] for run in runs)
    print(
        f"\nTriage benchmark: {source}, {total} tickets in bulk, {len(latencies)} one by one, "
        f"{os.cpu_count()} cores, offline composer, classifier {model} (trained in {train_s:.1f} s)"
    )
    print(f"database {test_db} (dropped)\n")
    print(f"{'path':<52}{'result':>16}{'load avg':>14}")
    for workers, bulk, _cpu_s, _pg_s, load_before, load_after in runs:
        label = f"bulk: manage.py triage, {bulk['total']} tickets, {workers} worker(s)"
        print(f"{label:<52}{bulk['tickets_per_s']:>9.0f} tick/s{load_before:>7.1f}→{load_after:.1f}")
    workers, bulk, cpu_s, pg_s, *_ = runs[0]
    print(f"{'bulk, 1 worker: per CPU-second of the process':<52}{bulk['total'] / cpu_s:>9.0f} tick/s")
    if backend.available:
        per_ticket = (cpu_s + pg_s) / bulk["total"]
        print(
            f"{'bulk, 1 worker: CPU per ticket (Python + PostgreSQL)':<52}{per_ticket * 1000:>13.2f} ms"
            f"  ({cpu_s / bulk['total'] * 1000:.2f} + {pg_s / bulk['total'] * 1000:.2f})"
        )
        print(f"{'  → what 2 idle cores could do (2 s / CPU per ticket)':<52}{2 / per_ticket:>9.0f} tick/s")
        cq = statistics.quantiles(cpu_ms, n=20)
        label = "one ticket CPU (Python + PostgreSQL) p50 / p95"
        print(f"{label:<52}{statistics.median(cpu_ms):>8.1f} / {cq[18]:.1f} ms")
    print(f"{'one ticket (ticket_triage, own transaction) p50':<52}{statistics.median(latencies):>13.1f} ms")
    print(f"{'one ticket p95':<52}{q[18]:>13.1f} ms")
    print(f"{'one ticket max':<52}{max(latencies):>13.1f} ms")
    for workers, bulk, *_ in runs:
        phases = ", ".join(f"{k} {v / bulk['total'] * 1000:.2f}" for k, v in bulk["phases_s"].items())
        print(f"bulk ms per ticket by phase, {workers} worker(s) (summed over workers): {phases}")
    mix = Counter()
    for run in runs:
        mix.update(run[1]["by_outcome"])
    print(
        f"bulk outcomes: resolve {mix['resolve']}, draft {mix['draft']}, escalate {mix['escalate']}; "
        f"replies sent {sum(run[1]['sent'] for run in runs)}"
    )
    goals = (
        f"goals: bulk {runs[-1][1]['tickets_per_s']:.0f} tick/s with {runs[-1][0]} workers (≥ 500), "
        f"one ticket p95 {q[18]:.0f} ms (≤ 50)"
    )
    if rss:
        print(
            f"worker peak RSS: {rss['peak_rss_mb']:.0f} MB over a {rss['tickets']}-ticket triage "
            f"(one process, {rss['tickets_per_s']:.0f} tick/s, {rss['seconds']:.0f} s)"
        )
        goals += f", worker peak RSS {rss['peak_rss_mb']:.0f} MB at {rss['tickets']} tickets (≤ 1024)"
    print(goals)


if __name__ == "__main__":
    main()
