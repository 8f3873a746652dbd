"""Sending replies to the customer (the one place a customer-visible message is written)."""

from django.db import transaction
from django.db.models import F
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
    return replies_send_bulk(
        replies=[(ticket, body)],
        author_kind=author_kind,
        author_user=author_user,
        resolve=resolve,
        is_internal=is_internal,
    )[0]


@transaction.atomic
def replies_send_bulk(
    *,
    replies: list[tuple[Ticket, str]],
    author_kind: str,
    author_user=None,
    resolve: bool = False,
    is_internal: bool = False,
) -> list[Message]:
    """``reply_send`` for many tickets at once (bulk triage): one reply per ticket, in three queries.

    ``replies``: ``(ticket, body)`` pairs. Per ticket: first response time, AI turn count, pending or resolved
    status (none of these for internal notes); the ticket objects are updated in memory too. Raises
    ``ValidationError`` for an empty body or a ticket given twice, before writing anything.
    """
    if any(not body or not body.strip() for _, body in replies):
        raise ValidationError("A reply needs some text.")
    if len({ticket.pk for ticket, _ in replies}) != len(replies):
        raise ValidationError("replies_send_bulk takes at most one reply per ticket.")
    if not replies:
        return []
    now = timezone.now()
    messages = Message.objects.bulk_create(
        [
            Message(
                ticket=t,
                author_kind=author_kind,
                author_user=author_user,
                body=body.strip(),
                is_internal=is_internal,
                created_at=now,
            )
            for t, body in replies
        ]
    )
    from apps.integrations.helpdesks.delivery import helpdesk_deliver_on_commit  # Zendesk/Freshdesk/Intercom

    helpdesk_deliver_on_commit(messages)  # replies to helpdesk tickets are posted back there after commit
    ids = [ticket.pk for ticket, _ in replies]
    if is_internal:
        Ticket.objects.filter(pk__in=ids).update(updated_at=now)
        return messages
    Ticket.objects.filter(pk__in=ids, first_response_at__isnull=True).update(first_response_at=now)
    status = TicketStatus.RESOLVED if resolve else TicketStatus.PENDING
    changes = {"status": status, "updated_at": now, **({"resolved_at": now} if resolve else {})}
    if author_kind == AuthorKind.AI:
        changes["ai_turns"] = F("ai_turns") + 1
    Ticket.objects.filter(pk__in=ids).update(**changes)
    for ticket, _ in replies:
        ticket.first_response_at = ticket.first_response_at or now
        ticket.status = status
        ticket.ai_turns += 1 if author_kind == AuthorKind.AI else 0
        if resolve:
            ticket.resolved_at = now
    return messages
