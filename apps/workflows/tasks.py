"""django-q2 tasks of the workflows app (thin: ids in, one service call).

Every task here is safe to run twice: triage skips a turn that already has a Decision (unique per ticket + turn,
the ticket row locked while deciding), so a task the cluster re-delivers after a crash or a sweep that finds a
ticket whose task is still queued never sends a second reply, drafts twice or opens a second tracker issue.

Faults (see tests/faults): a dropped or refused database connection is retried here for up to ``DB_RETRY_S``
seconds with a fresh connection (the whole triage transaction runs again; it was rolled back); any other
exception is a bug in triage: the ticket is escalated to a person with the error (``triage_failure_escalate``)
rather than left without a Decision, and a batch falls back to one ticket at a time so one bad ticket does not
hold up the others.
"""

import logging

from django.db import InterfaceError, OperationalError, connection
from tenacity import RetryCallState, retry, retry_if_exception_type, stop_after_delay, wait_exponential

from apps.core.errors import ValidationError
from apps.workflows.services.sweep import triage_failure_escalate, triage_sweep
from apps.workflows.services.triage import ticket_triage, tickets_triage_bulk

log = logging.getLogger(__name__)
DB_RETRY_S = 30.0
DB_ERRORS = (OperationalError, InterfaceError)


def _reconnect(state: RetryCallState) -> None:
    """Before the next attempt: log, and drop the broken connection (the next query opens a new one)."""
    log.warning(
        "database error in %s (attempt %d): %s", state.fn.__name__, state.attempt_number, state.outcome.exception()
    )
    connection.close()


db_retry = retry(
    retry=retry_if_exception_type(DB_ERRORS),
    wait=wait_exponential(multiplier=0.25, max=4),
    stop=stop_after_delay(DB_RETRY_S),
    before_sleep=_reconnect,
    reraise=True,
)


@db_retry
def _triage_one(ticket_id: int) -> int:
    try:
        return ticket_triage(ticket_id=ticket_id).pk
    except (*DB_ERRORS, ValidationError):
        raise  # database faults are retried; a ticket that does not exist is the caller's error
    except Exception as exc:  # a bug in triage: a person takes the ticket
        log.exception("triage of ticket %s crashed", ticket_id)
        decision = triage_failure_escalate(ticket_id=ticket_id, error=f"{type(exc).__name__}: {exc}")
        if decision is None:
            raise
        return decision.pk


def triage_ticket(ticket_id: int) -> int:
    """Triage ticket ``ticket_id`` (idempotent per turn); returns the Decision id. Raises ``ValidationError`` for
    an unknown ticket and the database error when the database stays away longer than ``DB_RETRY_S``."""
    return _triage_one(ticket_id)


@db_retry
def _triage_many(ticket_ids: list[int]) -> dict:
    try:
        return tickets_triage_bulk(ticket_ids=ticket_ids).counts()
    except DB_ERRORS:
        raise
    except Exception:  # one bad ticket must not hold up the batch: one at a time, each escalated on a crash
        log.exception("batch triage of %d tickets crashed; triaging them one by one", len(ticket_ids))
    done = 0
    for ticket_id in dict.fromkeys(ticket_ids):
        try:
            _triage_one(ticket_id)
            done += 1
        except ValidationError:
            continue
    return {"total": done, "fallback": "one by one"}


def triage_batch(ticket_ids: list[int]) -> dict:
    """Triage many tickets with one classifier call; returns the counts of ``TriageResult.counts`` (or
    ``{"total", "fallback"}`` when the batch crashed and its tickets were triaged one by one)."""
    return _triage_many(list(ticket_ids))


def triage_sweep_task(older_than_minutes: float | None = None, lookback_hours: float | None = None) -> dict:
    """Re-enqueue triage for live tickets whose latest customer turn has no Decision (``services.sweep``);
    returns ``SweepResult.as_dict()`` (found, tasks, the first ticket ids)."""
    return triage_sweep(older_than_minutes=older_than_minutes, lookback_hours=lookback_hours).as_dict()
