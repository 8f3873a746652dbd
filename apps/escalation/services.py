"""Escalation writes: handing a ticket to a human queue with its handoff package."""

from django.db import transaction

from apps.escalation.models import Handoff, Queue
from apps.tickets.choices import TicketStatus
from apps.tickets.models import Ticket

DEFAULT_QUEUE = "general"


def queue_get_or_default(slug: str | None) -> Queue:
    """The queue with ``slug``; falls back to (and creates if needed) the ``general`` queue."""
    if slug:
        queue = Queue.objects.filter(slug=slug).first()
        if queue:
            return queue
    queue, _ = Queue.objects.get_or_create(slug=DEFAULT_QUEUE, defaults={"name": "General"})
    return queue


@transaction.atomic
def handoff_create(
    *, ticket: Ticket, queue_slug: str | None, reason: str, priority: str | None = None, package: dict | None = None,
    decision=None, sla_due_at=None,
) -> Handoff:
    """Escalate ``ticket`` to the queue ``queue_slug`` (general when unknown) with a handoff ``package``.

    An open handoff of the same ticket is updated instead of doubled. Sets the ticket's queue and status.
    """
    queue = queue_get_or_default(queue_slug)
    handoff = Handoff.objects.select_for_update().filter(ticket=ticket, status__in=["open", "claimed"]).first()
    values = {
        "queue": queue, "reason": reason[:500], "priority": priority or ticket.priority,
        "package": package or {}, "sla_due_at": sla_due_at,
    }
    if decision is not None:
        values["decision"] = decision
    if handoff:
        for key, value in values.items():
            setattr(handoff, key, value)
        handoff.save()
    else:
        handoff = Handoff.objects.create(ticket=ticket, **values)
    ticket.queue = queue
    ticket.status = TicketStatus.ESCALATED
    ticket.priority = handoff.priority
    ticket.save(update_fields=["queue", "status", "priority", "updated_at"])
    return handoff
