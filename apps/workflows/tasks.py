"""django-q2 tasks of the workflows app (thin: ids in, one service call)."""

from apps.workflows.services.triage import ticket_triage, tickets_triage_bulk


def triage_ticket(ticket_id: int) -> int:
    """Triage ticket ``ticket_id`` (idempotent per turn); returns the Decision id."""
    return ticket_triage(ticket_id=ticket_id).pk


def triage_batch(ticket_ids: list[int]) -> dict:
    """Triage many tickets with one classifier call; returns the counts of ``TriageResult.counts``."""
    return tickets_triage_bulk(ticket_ids=ticket_ids).counts()
