"""Task functions the tests enqueue through django-q2 (sync mode) to see what triage would receive."""

CALLS: list[tuple[str, object]] = []


def triage_batch(ticket_ids: list[int]) -> int:
    CALLS.append(("batch", list(ticket_ids)))
    return len(ticket_ids)


def triage_ticket(ticket_id: int) -> int:
    CALLS.append(("ticket", ticket_id))
    return ticket_id
