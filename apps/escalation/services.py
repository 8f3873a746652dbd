"""Escalation writes: handing a ticket to a human queue with its handoff package; claim, resolve, reassign."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff, Queue
from apps.tickets.choices import TicketStatus
from apps.tickets.models import Ticket

DEFAULT_QUEUE = "support"


def queue_get_or_default(slug: str | None) -> Queue:
    """The queue with ``slug``; falls back to (and creates if needed) the ``support`` (General) queue."""
    if slug:
        queue = Queue.objects.filter(slug=slug).first()
        if queue:
            return queue
    queue, _ = Queue.objects.get_or_create(slug=DEFAULT_QUEUE, defaults={"name": "General"})
    return queue


@transaction.atomic
def handoff_create(
    *,
    ticket: Ticket,
    queue_slug: str | None,
    reason: str,
    priority: str | None = None,
    package: dict | None = None,
    decision=None,
    sla_due_at=None,
) -> Handoff:
    """Escalate ``ticket`` to the queue ``queue_slug`` (support when unknown) with a handoff ``package``.

    An open handoff of the same ticket is updated instead of doubled. Sets the ticket's queue and status.
    """
    item = {
        "ticket": ticket,
        "queue_slug": queue_slug,
        "reason": reason,
        "priority": priority,
        "package": package,
        "decision": decision,
        "sla_due_at": sla_due_at,
    }
    return handoffs_create_bulk(items=[item])[0]


def _locked_handoff(handoff_id: int) -> Handoff:
    handoff = (
        Handoff.objects.select_for_update(of=("self",))
        .select_related("ticket", "claimed_by")
        .filter(pk=handoff_id)
        .first()
    )
    if handoff is None:
        raise ValidationError(f"Handoff {handoff_id} does not exist.", extra={"handoff_id": handoff_id})
    if handoff.status == HandoffStatus.RESOLVED:
        raise ConflictError(f"Handoff {handoff_id} is already resolved.", extra={"handoff_id": handoff_id})
    return handoff


@transaction.atomic
def handoff_claim(*, handoff_id: int, user) -> Handoff:
    """``user`` takes handoff ``handoff_id``: status ``claimed``, the ticket assigned to them.

    Claiming your own claimed handoff again changes nothing. Raises ``ValidationError`` (unknown handoff) and
    ``ConflictError`` when it is resolved or claimed by someone else (row lock: two agents claiming at once get
    one winner).
    """
    handoff = _locked_handoff(handoff_id)
    if handoff.status == HandoffStatus.CLAIMED:
        if handoff.claimed_by_id == user.pk:
            return handoff
        who = handoff.claimed_by.get_username() if handoff.claimed_by else "someone else"
        raise ConflictError(f"Handoff {handoff_id} was already claimed by {who}.", extra={"handoff_id": handoff_id})
    handoff.status = HandoffStatus.CLAIMED
    handoff.claimed_by = user
    handoff.claimed_at = timezone.now()
    handoff.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    ticket = handoff.ticket
    ticket.assignee = user
    ticket.save(update_fields=["assignee", "updated_at"])
    return handoff


@transaction.atomic
def handoff_resolve(*, handoff_id: int, user) -> Handoff:
    """Mark handoff ``handoff_id`` resolved by ``user`` (claiming it first when it is still open) and resolve its
    ticket. Raises ``ValidationError`` (unknown handoff) and ``ConflictError`` (already resolved, or claimed by
    someone else)."""
    handoff = _locked_handoff(handoff_id)
    if handoff.status == HandoffStatus.CLAIMED and handoff.claimed_by_id not in (None, user.pk):
        who = handoff.claimed_by.get_username() if handoff.claimed_by else "someone else"
        raise ConflictError(f"Handoff {handoff_id} is claimed by {who}: only they can resolve it.")
    now = timezone.now()
    if handoff.claimed_by_id is None:
        handoff.claimed_by, handoff.claimed_at = user, now
    handoff.status = HandoffStatus.RESOLVED
    handoff.resolved_at = now
    handoff.save(update_fields=["status", "claimed_by", "claimed_at", "resolved_at", "updated_at"])
    ticket = handoff.ticket
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = ticket.resolved_at or now
    ticket.assignee = ticket.assignee or user
    ticket.save(update_fields=["status", "resolved_at", "assignee", "updated_at"])
    return handoff


@transaction.atomic
def handoff_reassign(*, handoff_id: int, queue_slug: str, user) -> Handoff:
    """Move handoff ``handoff_id`` to the queue ``queue_slug``; it becomes open (unclaimed) there.

    Raises ``ValidationError`` for an unknown handoff or queue and ``ConflictError`` when it is resolved.
    """
    queue = Queue.objects.filter(slug=queue_slug).first()
    if queue is None:
        raise ValidationError(f"Queue {queue_slug!r} does not exist.", extra={"queue": queue_slug})
    handoff = _locked_handoff(handoff_id)
    handoff.queue = queue
    handoff.status = HandoffStatus.OPEN
    handoff.claimed_by = None
    handoff.claimed_at = None
    handoff.save(update_fields=["queue", "status", "claimed_by", "claimed_at", "updated_at"])
    ticket = handoff.ticket
    ticket.queue = queue
    ticket.assignee = None
    ticket.save(update_fields=["queue", "assignee", "updated_at"])
    return handoff


@transaction.atomic
def handoffs_create_bulk(*, items: list[dict]) -> list[Handoff]:
    """``handoff_create`` for many tickets in a few queries (bulk triage). Same rules: unknown queues fall back
    to ``support``, an open or claimed handoff of a ticket is updated instead of doubled, and each ticket gets the
    queue, the priority and the escalated status.

    ``items``: dicts with the keyword arguments of ``handoff_create`` (``ticket``, ``queue_slug``, ``reason``, and
    optionally ``priority``, ``package``, ``decision``, ``sla_due_at``), at most one per ticket. Returns the
    handoffs in the order of ``items``. Raises ``ValidationError`` when a ticket appears twice.
    """
    tickets = [item["ticket"] for item in items]
    if len({t.pk for t in tickets}) != len(tickets):
        raise ValidationError("handoffs_create_bulk takes at most one handoff per ticket.")
    slugs = {item["queue_slug"] for item in items if item.get("queue_slug")}
    queues = {queue.slug: queue for queue in Queue.objects.filter(slug__in=slugs)}
    fallback: list[Queue] = []
    current = {
        h.ticket_id: h
        for h in Handoff.objects.select_for_update().filter(ticket__in=tickets, status__in=["open", "claimed"])
    }
    handoffs, new = [], []
    for item in items:
        ticket = item["ticket"]
        queue = queues.get(item.get("queue_slug") or "")
        if queue is None:
            fallback = fallback or [queue_get_or_default(None)]
            queue = fallback[0]
        values = {
            "queue": queue,
            "reason": item["reason"][:500],
            "priority": item.get("priority") or ticket.priority,
            "package": item.get("package") or {},
            "sla_due_at": item.get("sla_due_at"),
        }
        if item.get("decision") is not None:
            values["decision"] = item["decision"]
        handoff = current.get(ticket.pk)
        if handoff is None:
            handoff = Handoff(ticket=ticket, **values)
            new.append(handoff)
        else:
            for key, value in values.items():
                setattr(handoff, key, value)
            handoff.save()
        handoffs.append(handoff)
        ticket.queue, ticket.status, ticket.priority = queue, TicketStatus.ESCALATED, handoff.priority
    Handoff.objects.bulk_create(new)
    groups: dict[tuple, list[int]] = {}
    for ticket in tickets:
        groups.setdefault((ticket.queue_id, ticket.priority), []).append(ticket.pk)
    now = timezone.now()
    for (queue_id, priority), ids in groups.items():  # a few (queue, priority) pairs: one UPDATE each
        Ticket.objects.filter(pk__in=ids).update(
            queue_id=queue_id, priority=priority, status=TicketStatus.ESCALATED, updated_at=now
        )
    return handoffs
