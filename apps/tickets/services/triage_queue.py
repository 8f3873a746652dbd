"""Enqueueing triage from the tickets app. The tasks live in ``apps.workflows.tasks`` and are named by string,
so the tickets app never imports the engine; when the task does not exist yet, callers get ``False``."""

from __future__ import annotations

import importlib
import logging

from django.db import transaction

logger = logging.getLogger(__name__)

TRIAGE_TICKET = "apps.workflows.tasks.triage_ticket"
TRIAGE_BATCH = "apps.workflows.tasks.triage_batch"
BATCH_SIZE = 500


def task_available(dotted: str) -> bool:
    """True when ``dotted`` (``package.module.function``) can be imported and is callable."""
    module_name, _, name = dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    return callable(getattr(module, name, None))


def triage_enqueue_on_commit(ticket_ids: list[int], *, task: str = TRIAGE_BATCH, batched: bool = True) -> bool:
    """After the current transaction commits, enqueue triage of ``ticket_ids`` through django-q2: ``task`` gets
    lists of up to ``BATCH_SIZE`` ids (``batched``) or one id per task. Returns ``False`` (and logs a warning)
    when ``task`` does not exist yet, so nothing is enqueued.
    """
    if not ticket_ids:
        return True
    if not task_available(task):
        logger.warning("triage not enqueued for %d ticket(s): %s does not exist yet", len(ticket_ids), task)
        return False
    ids = list(ticket_ids)

    def enqueue() -> None:
        from django_q.tasks import async_task

        if batched:
            for start in range(0, len(ids), BATCH_SIZE):
                async_task(task, ids[start : start + BATCH_SIZE], group="triage")
        else:
            for ticket_id in ids:
                async_task(task, ticket_id, group="triage")

    transaction.on_commit(enqueue)
    return True
