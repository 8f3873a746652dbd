"""The fault-injection harness: a real ``manage.py qcluster`` subprocess on the test database, an OpenAI-compatible
LLM stand-in on 127.0.0.1 whose behaviour a test switches (ok / slow / timeout / 429 / 500 / malformed JSON), and
the invariants every fault test checks after recovery.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Count

from tests.standins.server import Reply, Request, StandIn

PROJECT = Path(settings.BASE_DIR)
SUPPORT_REPLY = (
    "You can do this yourself from Settings: open the page named in your message and follow the steps there. "
    "If anything still looks wrong afterwards, just reply here."
)


def wait_for(predicate: Callable[[], object], *, timeout: float, every: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy (returned); ``AssertionError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


class Cluster:
    """``manage.py qcluster`` in its own process group on the current test database (tasks are NOT synchronous).

    ``start()`` launches it (unless it runs already); ``kill()`` sends SIGKILL to the whole group (a crash: no
    clean shutdown, in-flight transactions die with their connections); ``stop()`` shuts it down with SIGTERM
    (SIGKILL after ``grace``). The log goes to ``log_path``.
    """

    def __init__(self, log_path: Path, env: dict[str, str] | None = None, workers: int = 2):
        self.log_path = log_path
        self.env = dict(env or {})
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, **env: str) -> Cluster:
        """Start the cluster; a running one is left as it is (``env`` then does not apply)."""
        if self.running:
            return self
        db = connection.settings_dict
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DB_NAME": db["NAME"],
            "DB_HOST": db["HOST"],
            "Q_SYNC": "0",
            "Q_WORKERS": str(self.workers),
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "WARNING",
            **self.env,
            **env,
        }
        self.starts += 1
        log = open(self.log_path, "a")  # noqa: SIM115 (closed when the process ends, see stop/kill)
        log.write(f"\n===== start {self.starts} =====\n")
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=PROJECT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches the sentinel, pusher, monitor, workers
        )
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group, like an OOM kill or a power cut."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reap_group()

    def stop(self, grace: float = 15.0) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def _reap_group(self) -> None:
        """Wait until no process of the group is left (workers may outlive the sentinel by a moment)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class LLMStandIn:
    """An OpenAI-compatible ``/v1/chat/completions`` on 127.0.0.1 answering each schema the provider asks for.

    ``mode``: ``ok`` (a valid structured answer after ``delay`` s), ``timeout`` (answers after ``hang`` s, longer
    than the provider's timeout), ``429``, ``500``, ``malformed`` (200 with content that is not JSON) or
    ``schema`` (JSON that does not fit the schema). ``in_flight`` counts requests being answered right now;
    ``calls`` counts every request by mode.
    """

    def __init__(self, *, delay: float = 0.0, hang: float = 3.0):
        self.mode = "ok"
        self.delay = delay
        self.hang = hang
        self.in_flight = 0
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.server = StandIn({("POST", r"/v1/chat/completions"): self._answer})

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"

    def start(self) -> LLMStandIn:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.in_flight += 1
            mode = self.mode
            self.calls[mode] += 1
        try:
            return self._reply(mode, request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _reply(self, mode: str, request: Request) -> Reply:
        if mode == "timeout":
            time.sleep(self.hang)
            return Reply(200, _completion("{}"))
        if mode == "429":
            return Reply(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}}, {"retry-after": "0"})
        if mode == "500":
            return Reply(500, {"error": {"message": "upstream failure", "type": "server_error"}})
        if mode == "malformed":
            return Reply(200, _completion('{"reply": "Hello, your answer is'))  # cut off mid-string
        time.sleep(self.delay)
        fmt = (request.json or {}).get("response_format", {}).get("json_schema", {})
        name, schema = fmt.get("name", ""), fmt.get("schema", {})
        if mode == "schema":
            return Reply(200, _completion(json.dumps({"answer": "yes"})))
        if name == "support_reply":
            body = {"reply": SUPPORT_REPLY, "citations": [], "needs_human": False, "reason": ""}
        elif name == "frustration":
            body = {"frustrated": False, "evidence": ""}
        elif name == "ticket_category":
            body = {"category": schema["properties"]["category"]["enum"][0], "confidence": 0.5}
        else:
            body = {}
        return Reply(200, _completion(json.dumps(body)))


def _completion(content: str) -> dict:
    return {
        "id": "chatcmpl-faults",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "standin",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
    }


def invariants(ticket_ids: list[int]) -> dict:
    """Check what must hold after any fault and recovery; returns the outcome counts. Raises ``AssertionError``:

    - every ticket has exactly one Decision per customer turn, for its latest turn;
    - no ticket got two AI replies for one turn (AI messages per ticket ≤ its sent Decisions, and equal);
    - a Decision that was not ``sent`` has no AI message, and a Decision with an error step never sent anything.
    """
    from apps.tickets.choices import AuthorKind
    from apps.tickets.models import Message, Ticket
    from apps.workflows.models import Decision

    decisions = list(Decision.objects.filter(ticket_id__in=ticket_ids).values("ticket_id", "turn", "sent", "trace"))
    per_turn = Counter((d["ticket_id"], d["turn"]) for d in decisions)
    assert all(n == 1 for n in per_turn.values()), f"doubled decisions: {[k for k, n in per_turn.items() if n > 1]}"
    turns = dict(
        Ticket.objects.filter(pk__in=ticket_ids)
        .annotate(n=Count("messages", filter=_customer_visible()))
        .values_list("pk", "n")
    )
    missing = [pk for pk in ticket_ids if (pk, max(1, turns.get(pk, 0))) not in per_turn]
    assert not missing, f"{len(missing)} ticket(s) without a Decision for their latest turn: {missing[:10]}"
    ai = Counter(
        Message.objects.filter(ticket_id__in=ticket_ids, author_kind=AuthorKind.AI).values_list("ticket_id", flat=True)
    )
    sent = Counter(d["ticket_id"] for d in decisions if d["sent"])
    doubled = [pk for pk, n in ai.items() if n > sent.get(pk, 0)]
    assert not doubled, f"tickets with more AI replies than sent decisions: {doubled[:10]}"
    unsent = [pk for pk, n in sent.items() if ai.get(pk, 0) != n]
    assert not unsent, f"sent decisions without their reply: {unsent[:10]}"
    failed_but_sent = [d["ticket_id"] for d in decisions if d["sent"] and _has_error(d["trace"])]
    assert not failed_but_sent, f"auto-sent after a failed step: {failed_but_sent[:10]}"
    return dict(Counter(d["sent"] for d in decisions))


def _customer_visible():
    from django.db.models import Q

    return Q(messages__author_kind="customer", messages__is_internal=False)


# Steps whose failure means the reply cannot be trusted (a failed lexicon helper, e.g. the frustration judge,
# keeps its own verdict and is not one of them).
REPLY_STEPS = {"classify", "compose", "guard_reply", "tree", "actions"}


def _has_error(trace: dict) -> bool:
    return any(step.get("error") for step in (trace or {}).get("steps", []) if step.get("step") in REPLY_STEPS)


def database_outage(seconds: float) -> int:
    """A database outage as the cluster sees it: new connections to the test database are refused for
    ``seconds`` (``ALLOW_CONNECTIONS false``) and every open connection but this process's own is terminated
    (``pg_terminate_backend``), repeatedly, so a worker that reconnects is dropped again. Returns how many
    backends were terminated. The shared embedded server itself is not restarted (other databases live on it).
    """
    import psycopg

    name, host = connection.settings_dict["NAME"], connection.settings_dict["HOST"]
    ours = connection.cursor().connection.info.backend_pid  # this test's own connection survives
    killed = 0
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')  # the test DB's own name
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                row = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                    [name, ours],
                ).fetchone()
                killed += row[0]
                time.sleep(0.1)
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    return killed
