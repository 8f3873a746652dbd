"""Load: the web app in its production configuration under chat traffic while agents work the review queue.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--customers 12] [--agents 3] [--web-workers 4]
                                         [--q-workers 2] [--max-requests 20000] [--drain-timeout 180]

Everything runs on 127.0.0.1 in database ``sb_bench_load`` (``DB_NAME`` overrides; migrated, and emptied of the
previous run's tickets, at the start):
- gunicorn (``config.wsgi``, ``config.settings.production``, ``--web-workers`` sync workers) behind which the
  load generator acts like a TLS-terminating proxy (``X-Forwarded-Proto: https``); widget rate limits raised so the
  generator measures the server, not the throttle;
- ``manage.py qcluster`` (``--q-workers``) triages each conversation as intake enqueues it (offline composer, a
  classifier trained on three synthetic topics, categories in auto rollout: some replies are sent, some drafted,
  some escalated);
- ``--customers`` threads (httpx, keep-alive) each loop: start a conversation through the widget API
  (``POST /api/v1/conversations/``), poll it once, and one time in three send a follow-up message;
- ``--agents`` threads each loop: list pending drafts (``GET /api/v1/drafts/?status=pending``) and approve the
  oldest (``POST /api/v1/drafts/<id>/approve/``); a 409 (another agent or a newer customer message got there
  first) is counted as a conflict, not an error.
The load stops after ``--seconds`` or ``--max-requests``. Printed: requests, sustained requests/second, p50 / p95 /
p99 latency and errors per request kind and overall, the triage backlog (queued tasks, tickets without a Decision
for their latest turn) at the end of the load and how long it took to drain (bounded by ``--drain-timeout``).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_bench_load")

QUICK_ARGS = ["--seconds", "20", "--customers", "6", "--agents", "2", "--web-workers", "3"]
WIDGET_KEY = "sb_pk_bench_load"
SECRET = "bench-load-secret-key-not-for-production-0123456789abcdef"
TEXTS = [  # confident (sent), middling (drafted), vague (escalated)
    "I forgot my password and cannot log in",
    "please resend the March invoice as a PDF",
    "the CSV export drops rows for large projects",
    "invoice export",
    "invoice export please",
    "export the invoice",
    "something is not working",
    "I have a question about my account",
]


@dataclass
class Recorder:
    """Latencies (ms) and outcomes per request kind, shared by the load threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    conflicts: int = 0
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    count: itertools.count = field(default_factory=itertools.count)

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> int:
        with self.lock:
            self.latencies[kind].append(ms)
            if not ok:
                self.errors[kind] += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{kind}: {detail}"[:200])
        return next(self.count)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(args) -> dict[str, str]:
    from django.db import connection

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DB_NAME": connection.settings_dict["NAME"],
        "DB_HOST": connection.settings_dict["HOST"],
        "WIDGET_PUBLIC_KEY": WIDGET_KEY,
        "WIDGET_WRITE_RATE": "1000000/min",
        "WIDGET_READ_RATE": "1000000/min",
        "Q_WORKERS": str(args.q_workers),
        "Q_SYNC": "0",
        "LLM_PROVIDER": "offline",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def prepare(args) -> dict[str, str]:
    """Migrate, clear the previous run, set up categories, the classifier and agents; returns agent tokens."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings
    from django_q.models import OrmQ, Task
    from rest_framework.authtoken.models import Token

    from apps.core.choices import Role
    from apps.core.models import User
    from apps.escalation.models import Queue
    from apps.escalation.triggers import trigger_rules_ensure_defaults
    from apps.tickets.models import Ticket
    from apps.workflows.choices import RolloutState
    from apps.workflows.classifier import classifier_train
    from apps.workflows.models import Category, ClassifierVersion
    from tests.faults.conftest import OFF_TOPIC, TEMPLATE, TOPICS, _training_set

    Ticket.objects.all().delete()
    OrmQ.objects.all().delete()
    Task.objects.all().delete()
    trigger_rules_ensure_defaults()
    for slug in TOPICS:
        queue, _ = Queue.objects.get_or_create(slug=f"{slug}-team", defaults={"name": slug.title()})
        Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": slug.replace("-", " ").title(),
                "rollout_state": RolloutState.AUTO,
                "reply_template": TEMPLATE,
                "auto_threshold": 0.9,
                "draft_threshold": 0.5,
                "default_queue": queue,
            },
        )
    started = time.perf_counter()
    texts, labels = _training_set()
    model = classifier_train(texts=texts, labels=labels, oos_texts=OFF_TOPIC * 2)
    path = model.save(Path(settings.VAR_DIR) / "classifier" / "bench-load.joblib")
    ClassifierVersion.objects.filter(is_active=True).update(is_active=False)
    ClassifierVersion.objects.create(
        model_name="bench-load", path=str(path), labels=sorted(set(labels)), is_active=True
    )
    print(f"classifier trained in {time.perf_counter() - started:.1f} s")
    tokens = {}
    for i in range(args.agents):
        user, _ = User.objects.get_or_create(username=f"load-agent-{i}", defaults={"role": Role.AGENT})
        tokens[user.username] = Token.objects.get_or_create(user=user)[0].key
    return tokens


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 (the child keeps its own descriptor)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    handle.close()
    return proc


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def customer_loop(url: str, rec: Recorder, stop_at: float, max_requests: int, seed: int) -> None:
    import httpx

    rng = random.Random(seed)
    headers = {"X-Switchboard-Key": WIDGET_KEY, "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            body = {"message": rng.choice(TEXTS), "contact": {"email": f"c{seed}-{n}@load{seed}-{n}.example"}}
            done = _request(rec, "create", client.post, "/api/v1/conversations/", json=body, ok=(201,))
            if done is None:
                continue
            number, response = done
            if number >= max_requests:
                return
            conversation = response.json()
            pk, token = conversation["id"], conversation["token"]
            auth = {"X-Conversation-Token": token}
            if _request(rec, "poll", client.get, f"/api/v1/conversations/{pk}/", headers=auth, ok=(200,)) is None:
                continue
            if rng.random() < 1 / 3 and time.monotonic() < stop_at:
                follow = {"message": "thanks, one more thing: " + rng.choice(TEXTS)}
                _request(rec, "follow_up", client.post, f"/api/v1/conversations/{pk}/messages/", json=follow,
                         headers=auth, ok=(201,))  # fmt: skip


def _request(rec: Recorder, kind: str, call, path: str, *, ok: tuple[int, ...], conflict=(), **kwargs):
    """One timed request; returns ``(request number, response)``, or None on a failure (recorded as an error)."""
    started = time.perf_counter()
    try:
        response = call(path, **kwargs)
    except Exception as exc:  # connection refused/reset, timeouts: errors of the run
        rec.add(kind, (time.perf_counter() - started) * 1000, False, f"{type(exc).__name__}: {exc}")
        return None
    ms = (time.perf_counter() - started) * 1000
    if response.status_code in conflict:
        with rec.lock:
            rec.conflicts += 1
        return rec.add(kind, ms, True), response
    good = response.status_code in ok
    number = rec.add(kind, ms, good, f"HTTP {response.status_code} {response.text[:120]}")
    return (number, response) if good else None


def agent_loop(url: str, token: str, rec: Recorder, stop_at: float, approved: list[int]) -> None:
    import httpx

    headers = {"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                response = client.get("/api/v1/drafts/", params={"status": "pending"})
            except Exception as exc:
                rec.add("drafts_list", (time.perf_counter() - started) * 1000, False, f"{type(exc).__name__}: {exc}")
                continue
            rec.add("drafts_list", (time.perf_counter() - started) * 1000, response.status_code == 200,
                    f"HTTP {response.status_code}")  # fmt: skip
            results = response.json().get("results", []) if response.status_code == 200 else []
            if not results:
                time.sleep(0.2)
                continue
            draft = random.choice(results[:3])  # several agents take from the oldest few
            done = _request(rec, "approve", client.post, f"/api/v1/drafts/{draft['id']}/approve/",
                            json={"version": draft["version"]}, ok=(200,), conflict=(409,))  # fmt: skip
            if done is not None:
                approved.append(draft["id"])


def backlog() -> tuple[int, int]:
    """(queued triage tasks, tickets whose latest customer turn has no Decision)."""
    from django_q.models import OrmQ

    from apps.workflows.services.sweep import tickets_untriaged

    return OrmQ.objects.count(), len(tickets_untriaged(older_than_minutes=0, lookback_hours=6, limit=1_000_000))


def doubled_replies() -> int:
    """Tickets with more AI messages than replies they were owed: sent Decisions plus drafts approved or edited."""
    from collections import Counter

    from apps.tickets.choices import AuthorKind
    from apps.tickets.models import Message
    from apps.workflows.choices import DraftStatus
    from apps.workflows.models import Decision, Draft

    owed = Counter(Decision.objects.filter(sent=True).values_list("ticket_id", flat=True))
    owed.update(
        Draft.objects.filter(status__in=[DraftStatus.APPROVED, DraftStatus.EDITED]).values_list("ticket_id", flat=True)
    )
    got = Counter(Message.objects.filter(author_kind=AuthorKind.AI).values_list("ticket_id", flat=True))
    return sum(1 for ticket_id, n in got.items() if n > owed.get(ticket_id, 0))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--customers", type=int, default=12)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--q-workers", type=int, default=2)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--drain-timeout", type=float, default=180)
    args = parser.parse_args(argv)

    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    tokens = prepare(args)
    env = server_env(args)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    logs = Path(os.environ.get("BENCH_LOG_DIR", "/tmp"))
    web = start(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.web_workers), "--timeout", "60", "--graceful-timeout", "5"],
        env, logs / "bench_load_gunicorn.log",
    )  # fmt: skip
    cluster = start([sys.executable, "manage.py", "qcluster"], env, logs / "bench_load_qcluster.log")
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", headers={"X-Forwarded-Proto": "https"}, timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or web.poll() is not None:
                print(f"gunicorn did not start; see {logs / 'bench_load_gunicorn.log'}")
                return 1
            time.sleep(0.3)
        print(
            f"gunicorn {args.web_workers} workers on {url}, qcluster {args.q_workers} workers; "
            f"{args.customers} customers, {args.agents} agents for {args.seconds:g} s "
            f"(max {args.max_requests} requests)"
        )
        warm_up(url, count=2 * max(args.web_workers, args.q_workers))
        rec = Recorder()
        approved: list[int] = []
        samples: list[tuple[float, int, int]] = []
        cpu = {"web": cpu_seconds(web), "triage": cpu_seconds(cluster)}
        decisions_before = decisions_count()
        started = time.monotonic()
        stop_at = started + args.seconds
        threads = [
            threading.Thread(target=customer_loop, args=(url, rec, stop_at, args.max_requests, i), daemon=True)
            for i in range(args.customers)
        ] + [
            threading.Thread(target=agent_loop, args=(url, token, rec, stop_at, approved), daemon=True)
            for token in tokens.values()
        ]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads[: args.customers]):
            time.sleep(1.0)
            samples.append((time.monotonic() - started, *backlog()))
        load_s = time.monotonic() - started
        cpu["web"] = cpu_seconds(web) - cpu["web"]
        for thread in threads:
            thread.join(timeout=35)
        queued, undecided = backlog()
        drain_started = time.monotonic()
        while (queued or undecided) and time.monotonic() - drain_started < args.drain_timeout:
            time.sleep(0.5)
            queued, undecided = backlog()
        drain_s = time.monotonic() - drain_started
        cpu["triage"] = cpu_seconds(cluster) - cpu["triage"]
        cpu["decisions"] = decisions_count() - decisions_before
        report(rec, load_s, samples, approved, drain_s, queued, undecided, args)
        cpu_report(cpu, sum(len(v) for v in rec.latencies.values()))
        return 0 if not (queued or undecided) else 2
    finally:
        stop(web)
        stop(cluster, grace=3)


def warm_up(url: str, count: int) -> None:
    """A few conversations before the clock starts, waited for until triaged, so first-request imports in the web
    and triage workers (Django views, the classifier, WordLlama) are not counted as load."""
    import httpx

    headers = {"X-Switchboard-Key": WIDGET_KEY, "X-Forwarded-Proto": "https"}
    for i in range(count):
        body = {"message": TEXTS[i % len(TEXTS)], "contact": {"email": f"warm{i}@warm{i}.example"}}
        httpx.post(f"{url}/api/v1/conversations/", json=body, headers=headers, timeout=60).raise_for_status()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(backlog()):
        time.sleep(0.3)


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU seconds of ``proc`` and its live children (gunicorn or qcluster workers)."""
    import psutil

    total = 0.0
    try:
        parent = psutil.Process(proc.pid)
        for member in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = member.cpu_times()
                total += times.user + times.system
    except psutil.Error:
        pass
    return total


def decisions_count() -> int:
    from apps.workflows.models import Decision

    return Decision.objects.count()


def cpu_report(cpu: dict, requests: int) -> None:
    """CPU per request and per decision: independent of how busy the machine was, unlike the latencies."""
    per_request = cpu["web"] * 1000 / max(1, requests)
    per_decision = cpu["triage"] * 1000 / max(1, cpu["decisions"])
    print(
        f"CPU: web {per_request:.1f} ms per request (≈ {1000 / max(per_request, 0.001):.0f} req/s per free core), "
        f"triage {per_decision:.1f} ms per decision (≈ {1000 / max(per_decision, 0.001):.0f} decisions/s per free "
        f"core; {cpu['decisions']} decisions)"
    )


def report(rec, load_s, samples, approved, drain_s, queued, undecided, args) -> None:
    from apps.tickets.models import Ticket
    from apps.workflows.models import Decision

    print()
    header = f"{'request':<12} {'count':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    print("-" * len(header))
    everything: list[float] = []
    for kind in ("create", "poll", "follow_up", "drafts_list", "approve"):
        values = rec.latencies.get(kind, [])
        everything += values
        print(
            f"{kind:<12} {len(values):>7} {len(values) / load_s:>8.1f} {pct(values, 50):>8.1f} "
            f"{pct(values, 95):>8.1f} {pct(values, 99):>8.1f} {rec.errors.get(kind, 0):>7}"
        )
    errors = sum(rec.errors.values())
    print(
        f"{'all':<12} {len(everything):>7} {len(everything) / load_s:>8.1f} {pct(everything, 50):>8.1f} "
        f"{pct(everything, 95):>8.1f} {pct(everything, 99):>8.1f} {errors:>7}"
    )
    for sample in rec.error_samples:
        print(f"  error: {sample}")
    peak = max((s[1] for s in samples), default=0)
    peak_undecided = max((s[2] for s in samples), default=0)
    tickets = Ticket.objects.count()
    decisions = Decision.objects.count()
    doubled = doubled_replies()
    print()
    print(
        f"load {load_s:.1f} s; tickets {tickets}, decisions {decisions}, drafts approved {len(approved)}, "
        f"approve conflicts (409) {rec.conflicts}; tickets with a doubled AI reply: {doubled}"
    )
    print(
        f"triage backlog: peak {peak} queued / {peak_undecided} undecided during the load; at the end of the load "
        f"{samples[-1][1] if samples else 0} / {samples[-1][2] if samples else 0}; "
        + (
            f"drained in {drain_s:.1f} s after the load"
            if not (queued or undecided)
            else f"NOT drained after {drain_s:.0f} s: {queued} queued, {undecided} undecided"
        )
    )
    rate = len(everything) / load_s
    print(
        f"sustained {rate:.1f} req/s, p95 {pct(everything, 95):.0f} ms, p99 {pct(everything, 99):.0f} ms, "
        f"{errors} errors, backlog {'drained' if not (queued or undecided) else 'NOT drained'} "
        f"({args.web_workers} gunicorn workers, {args.q_workers} triage workers, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    sys.exit(main())
