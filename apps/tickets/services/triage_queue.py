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


def triage_enqueue_on_commit(ticket_ids: list[int], *, dotted: str = TRIAGE_BATCH) -> bool:
    """After the current transaction commits, enqueue triage of ``ticket_ids``: ``triage_batch`` tasks of
    ``BATCH_SIZE`` ids each, or (``dotted=TRIAGE_TICKET``) one ``triage_ticket`` task per id.
    Returns ``False`` (and logs a warning) when the task does not exist, so nothing is enqueued.
    """
    if not ticket_ids:
        return True
    if not task_available(dotted):
        logger.warning("triage not enqueued for %d ticket(s): %s does not exist yet", len(ticket_ids), dotted)
        return False

    def enqueue() -> None:
        from django_q.tasks import async_task

        if dotted == TRIAGE_TICKET:
            for ticket_id in ticket_ids:
                async_task(TRIAGE_TICKET, ticket_id, group="triage")
            return
        for start in range(0, len(ticket_ids), BATCH_SIZE):
            async_task(TRIAGE_BATCH, ticket_ids[start : start + BATCH_SIZE], group="triage")

    transaction.on_commit(enqueue)
    return True
