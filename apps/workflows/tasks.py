"""django-q2 tasks of the workflows app (thin: ids in, one service call).

Every task here is safe to run twice: triage skips a turn that already has a Decision (unique per ticket + turn,
the ticket row locked while deciding), so a task the cluster re-delivers after a crash or a sweep that finds a
ticket whose task is still queued never sends a second reply, drafts twice or opens a second tracker issue.
"""

from apps.workflows.services.sweep import triage_sweep
from apps.workflows.services.triage import ticket_triage, tickets_triage_bulk


def triage_ticket(ticket_id: int) -> int:
    """Triage ticket ``ticket_id`` (idempotent per turn); returns the Decision id."""
    return ticket_triage(ticket_id=ticket_id).pk


def triage_batch(ticket_ids: list[int]) -> dict:
    """Triage many tickets with one classifier call; returns the counts of ``TriageResult.counts``."""
    return tickets_triage_bulk(ticket_ids=ticket_ids).counts()


def triage_sweep_task(older_than_minutes: float | None = None, lookback_hours: float | None = None) -> dict:
    """Re-enqueue triage for live tickets whose latest customer turn has no Decision (``services.sweep``);
    returns ``SweepResult.as_dict()`` (found, tasks, the first ticket ids)."""
    return triage_sweep(older_than_minutes=older_than_minutes, lookback_hours=lookback_hours).as_dict()
