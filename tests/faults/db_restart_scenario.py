"""A real database restart under a running cluster, on a private embedded PostgreSQL (so the shared server of this
machine is never restarted). Run by ``test_db_restart.py`` (slow) or directly:

    .venv/bin/python tests/faults/db_restart_scenario.py [--tickets 16]

Starts a throw-away pgserver in a temporary folder, migrates a database there, receives tickets through intake,
starts ``manage.py qcluster``, and once a worker is inside a triage transaction (waiting on the LLM stand-in)
restarts PostgreSQL with ``pg_ctl restart -m immediate`` (a crash: backends killed, crash recovery on start).
Then: the queue drains, the sweep runs, killed tasks are re-delivered, and the fault suite's invariants are checked
(one Decision per ticket turn, no doubled reply, nothing sent from a failed step). Exit status 0 when they hold.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=16)
    args = parser.parse_args(argv)

    import pgserver
    from pgserver._commands import pg_ctl

    folder = Path(tempfile.mkdtemp(prefix="sbf-", dir="/tmp"))  # short: the socket lives in the data folder
    server = pgserver.get_server(folder / "pg", cleanup_mode="stop")
    socket_dir = str(server.get_postmaster_info().socket_dir)
    server.psql("CREATE DATABASE faults_restart;")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DB_HOST": socket_dir,
            "DB_NAME": "faults_restart",
            "Q_SYNC": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_q.models import OrmQ
    from django_q.tasks import async_task

    from apps.workflows.models import Decision
    from tests.faults.harness import Cluster, LLMStandIn, invariants, wait_for

    cluster = None
    llm = LLMStandIn(delay=0.3).start()
    try:
        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        print(f"private server in {folder}; migrated in {time.monotonic() - started:.1f} s", flush=True)
        ids = _seed_and_receive(args.tickets)
        cluster = Cluster(
            folder / "qcluster.log",
            env={"LLM_PROVIDER": "openai", "LLM_BASE_URL": llm.base_url, "LLM_API_KEY": "sk-faults",
                 "LLM_TIMEOUT_S": "1", "LLM_MAX_RETRIES": "1"},
        ).start()  # fmt: skip

        def decided() -> int:
            return Decision.objects.filter(ticket_id__in=ids).count()

        wait_for(lambda: decided() >= 3 and llm.in_flight > 0, timeout=90, every=0.05, what="a batch in progress")
        before = decided()
        connection.close()
        restart_started = time.monotonic()
        pg_ctl(["-w", "-m", "immediate", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=60)
        restart_s = time.monotonic() - restart_started
        print(f"restarted PostgreSQL (immediate) with {before}/{len(ids)} decided, in {restart_s:.1f} s", flush=True)
        llm.delay = 0.0
        assert cluster.running, "the cluster survives a database restart"
        wait_for(lambda: OrmQ.objects.filter(lock__lte=timezone.now()).count() == 0, timeout=90, what="queue drained")
        wait_for(lambda: decided() >= len(ids) - OrmQ.objects.count(), timeout=60, what="queued tasks")
        after_restart = decided()
        async_task("apps.workflows.tasks.triage_sweep_task", 0)
        wait_for(lambda: decided() == len(ids), timeout=90, what="every ticket decided after the restart")
        OrmQ.objects.filter(lock__gt=timezone.now()).update(lock=timezone.now() - timedelta(seconds=1))
        wait_for(lambda: not OrmQ.objects.exists(), timeout=60, what="re-delivered tasks")
        counts = invariants(ids)
        print(
            f"every ticket decided: {len(ids)} tickets ({after_restart} when the queue had drained, the rest by "
            "the sweep), "
            f"{counts.get(True, 0)} replies sent once each; invariants hold",
            flush=True,
        )
        return 0
    except AssertionError as exc:
        print(f"FAILED: {exc}", flush=True)
        if cluster is not None:
            print(cluster.log()[-4000:])
        return 1
    finally:
        if cluster is not None:
            cluster.kill()
            if os.environ.get("FAULTS_KEEP_LOG"):  # a path to keep the cluster's log at
                shutil.copy(cluster.log_path, os.environ["FAULTS_KEEP_LOG"])
        llm.stop()
        connection.close()
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def _seed_and_receive(n: int) -> list[int]:
    """The fault suite's workspace (see conftest ``workspace``) on this database, then ``n`` chat tickets."""
    from apps.escalation.triggers import trigger_rules_ensure_defaults
    from apps.tickets.services.intake import ticket_receive
    from apps.workflows.choices import RolloutState
    from apps.workflows.classifier import classifier_train
    from apps.workflows.models import ClassifierVersion
    from tests.factories import CategoryFactory, QueueFactory
    from tests.faults.conftest import OFF_TOPIC, TEMPLATE, TOPICS, _training_set, mixed_texts

    trigger_rules_ensure_defaults()
    for slug in TOPICS:
        CategoryFactory(
            slug=slug, name=slug.title(), rollout_state=RolloutState.AUTO, reply_template=TEMPLATE,
            auto_threshold=0.9, draft_threshold=0.5, default_queue=QueueFactory(slug=f"{slug}-team"),
        )  # fmt: skip
    texts, labels = _training_set()
    model = classifier_train(texts=texts, labels=labels, oos_texts=OFF_TOPIC * 2)
    path = model.save(Path(tempfile.mkdtemp(prefix="sbf-clf-")) / "classifier.joblib")
    ClassifierVersion.objects.create(model_name="faults", path=str(path), labels=sorted(set(labels)), is_active=True)
    ids = []
    for i, text in enumerate(mixed_texts(n)):
        ticket, _ = ticket_receive(
            source="chat", external_id=None, channel="chat", body=text,
            contact_email=f"restart{i}@r{i}.faults.example", contact_name=f"Customer {i}", tier="pro",
        )  # fmt: skip
        ids.append(ticket.pk)
    return ids


if __name__ == "__main__":
    sys.exit(main())
