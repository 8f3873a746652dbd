"""The core fault test (runs in ``make test``): a real django-q2 cluster is SIGKILLed while it triages a batch of
received tickets — with a worker inside a triage transaction, waiting on the LLM — then restarted.

Recovery is the product's own: the restarted cluster works off what is still queued, the sweep task re-enqueues
the tickets whose tasks died with the cluster, and the broker re-delivers the killed tasks after their retry time
(simulated here by moving their lock into the past instead of waiting ``Q_CLUSTER["retry"]`` = 360 s). After that
every ticket has exactly one Decision for its turn, no customer got two replies, nothing failed was sent.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Task
from django_q.tasks import async_task

from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import Outcome
from apps.workflows.models import Decision

from .conftest import mixed_texts
from .harness import invariants, wait_for

N_TICKETS = 16


def decided(ids: list[int]) -> int:
    return Decision.objects.filter(ticket_id__in=ids).count()


@pytest.mark.django_db(transaction=True)
def test_kill_the_cluster_mid_batch_then_restart_and_sweep(workspace, receive, cluster, llm):
    llm.delay = 0.3  # each composed reply keeps a worker inside its triage transaction for a while
    cluster.kill()  # a cold start, like after a deploy (the session's cluster may be running)
    ids = receive(mixed_texts(N_TICKETS))
    assert OrmQ.objects.count() == N_TICKETS and decided(ids) == 0

    cluster.start()
    wait_for(lambda: decided(ids) >= 3 and llm.in_flight > 0, timeout=60, every=0.05, what="a batch in progress")
    cluster.kill()  # SIGKILL: a worker was waiting on the LLM inside an open transaction
    at_kill = decided(ids)
    assert 3 <= at_kill < N_TICKETS
    # Taken by the dead cluster and never acknowledged: invisible to the broker until Q_CLUSTER["retry"] passes.
    orphans = set(OrmQ.objects.filter(lock__gt=timezone.now()).values_list("id", flat=True))
    assert len(orphans) >= 1

    llm.delay = 0.0
    cluster.start()
    # Every other task done and acknowledged: only the dead cluster's tasks are left in the queue.
    wait_for(lambda: not OrmQ.objects.exclude(id__in=orphans).exists(), timeout=90, what="the queued tasks")
    lost = N_TICKETS - decided(ids)
    assert lost >= 1, "a killed in-flight task should have left its ticket without a Decision"

    sweep = async_task("apps.workflows.tasks.triage_sweep_task", 0)  # every undecided ticket, however recent
    wait_for(lambda: decided(ids) == N_TICKETS, timeout=45, what="the sweep to triage the lost tickets")
    assert Decision.objects.filter(ticket_id__in=ids).count() == N_TICKETS
    done = wait_for(lambda: Task.objects.filter(id=sweep).first(), timeout=10, what="the sweep's result")
    assert done.success and done.result["found"] == lost

    # The broker re-delivers the killed tasks after Q_CLUSTER["retry"]: make that time pass now.
    OrmQ.objects.filter(lock__gt=timezone.now()).update(lock=timezone.now() - timedelta(seconds=1))
    wait_for(lambda: not OrmQ.objects.exists(), timeout=30, what="re-delivered tasks to finish")

    counts = invariants(ids)
    outcomes = set(Decision.objects.filter(ticket_id__in=ids).values_list("outcome", flat=True))
    assert {Outcome.RESOLVE, Outcome.DRAFT, Outcome.ESCALATE} <= outcomes, outcomes
    assert counts.get(True, 0) >= 1  # some replies went out, each exactly once
    assert Message.objects.filter(ticket_id__in=ids, author_kind=AuthorKind.AI).count() == counts[True]
