"""The database goes away under a running cluster: every connection of the cluster is terminated and new ones are
refused for a few seconds (``pg_terminate_backend`` + ``ALLOW_CONNECTIONS false`` on the test database — the
embedded server is shared with the other databases of this machine, so it is not restarted here; the slow variant
restarts a private server). Workers inside a triage transaction lose it; after the outage the cluster carries on,
the sweep re-enqueues what was lost, re-delivered tasks change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from apps.workflows.models import Decision

from .conftest import mixed_texts
from .harness import database_outage, invariants, wait_for

N_TICKETS = 10


def decided(ids: list[int]) -> int:
    return Decision.objects.filter(ticket_id__in=ids).count()


@pytest.mark.django_db(transaction=True)
def test_database_outage_mid_batch(workspace, receive, cluster, llm):
    llm.delay = 0.3
    ids = receive(mixed_texts(N_TICKETS))
    cluster.start()
    wait_for(lambda: decided(ids) >= 3 and llm.in_flight > 0, timeout=60, every=0.05, what="a batch in progress")

    killed = database_outage(3.0)

    assert killed >= 1
    llm.delay = 0.0
    assert cluster.running, "the cluster survives a database outage"
    wait_for(lambda: OrmQ.objects.filter(lock__lte=timezone.now()).count() == 0, timeout=60, what="queue drained")
    # Tasks that met the outage waited for the database (tasks.DB_RETRY_S) instead of failing: nothing is lost.
    wait_for(lambda: decided(ids) == N_TICKETS, timeout=30, what="every ticket decided after the outage")
    assert not Task.objects.filter(func__startswith="apps.workflows.tasks.triage", success=False).exists()
    sweep = async_task("apps.workflows.tasks.triage_sweep_task", 0)
    swept = wait_for(lambda: Task.objects.filter(id=sweep).first(), timeout=20, what="the sweep")
    assert swept.success and swept.result["found"] == 0
    OrmQ.objects.filter(lock__gt=timezone.now()).update(lock=timezone.now() - timedelta(seconds=1))  # re-delivery
    wait_for(lambda: not OrmQ.objects.exists(), timeout=30, what="re-delivered tasks to finish")
    invariants(ids)
