"""Longer fault variants (``@pytest.mark.slow``: run with ``pytest -m slow tests/faults``):

- a real PostgreSQL restart (``pg_ctl restart -m immediate``) under a running cluster, on a private embedded server
  (``db_restart_scenario.py``; the shared server is never restarted);
- the sweep firing from its django-q2 schedule inside a real cluster (the scheduler runs every 30 s).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from apps.tickets.models import Message
from apps.workflows.models import Decision

from .conftest import mixed_texts
from .harness import invariants, wait_for

pytestmark = pytest.mark.slow


def test_a_real_database_restart_mid_batch():
    script = Path(__file__).with_name("db_restart_scenario.py")
    done = subprocess.run(
        [sys.executable, str(script), "--tickets", "16"], capture_output=True, text=True, timeout=400
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "every ticket decided" in done.stdout and "invariants hold" in done.stdout


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_sweep_recovers_lost_tasks_in_a_running_cluster(workspace, receive, cluster):
    call_command("setup_schedules", stdout=StringIO())
    ids = receive(mixed_texts(6))
    OrmQ.objects.all().delete()  # the triage tasks are lost (a broker wiped, a crash before the pusher took them)
    Message.objects.filter(ticket_id__in=ids).update(created_at=timezone.now() - timedelta(minutes=20))
    Schedule.objects.exclude(name="workflows-triage-sweep").delete()  # only the sweep fires in this test
    Schedule.objects.filter(name="workflows-triage-sweep").update(next_run=timezone.now())

    cluster.start()
    wait_for(
        lambda: Decision.objects.filter(ticket_id__in=ids).count() == len(ids),
        timeout=120,
        what="the scheduled sweep to triage the lost tickets",
    )
    invariants(ids)
    assert Schedule.objects.get(name="workflows-triage-sweep").next_run > timezone.now()


def test_the_load_bench_runs_clean_and_drains_the_backlog():
    """bench/bench_load.py at a tiny size: gunicorn and the cluster start, no request fails, the backlog drains."""
    bench = Path(__file__).resolve().parents[2] / "bench" / "bench_load.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--seconds", "8", "--customers", "3", "--agents", "1", "--web-workers", "2",
         "--drain-timeout", "90"],
        capture_output=True, text=True, timeout=400, env={**__import__("os").environ, "DB_NAME": "sb_faults_load"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "backlog drained" in done.stdout and " 0 errors" in done.stdout
    assert "tickets with a doubled AI reply: 0" in done.stdout
