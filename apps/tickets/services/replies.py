"""Sending replies to the customer (the one place a customer-visible message is written)."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.models import Message, Ticket


@transaction.atomic
def reply_send(
    *, ticket: Ticket, body: str, author_kind: str, author_user=None, resolve: bool = False, is_internal: bool = False
) -> Message:
    """Store a reply in ``ticket`` and mark the first response time; ``resolve`` also resolves the ticket.

    ``author_kind``: ``ai`` or ``agent`` (``system`` for notices). Internal notes never count as responses.
    Delivery to the channel (email, chat widget, helpdesk) reads the stored message.
    Raises ``ValidationError`` for an empty body.
    """
    if not body or not body.strip():
        raise ValidationError("A reply needs some text.")
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket, author_kind=author_kind, author_user=author_user, body=body.strip(),
        is_internal=is_internal, created_at=now,
    )
    fields = ["updated_at"]
    if not is_internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        if author_kind == AuthorKind.AI:
            ticket.ai_turns += 1
            fields.append("ai_turns")
        ticket.status = TicketStatus.RESOLVED if resolve else TicketStatus.PENDING
        fields.append("status")
        if resolve:
            ticket.resolved_at = now
            fields.append("resolved_at")
    ticket.save(update_fields=fields)
    return message
