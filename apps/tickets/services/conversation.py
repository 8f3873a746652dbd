"""Customer-side actions on a conversation (chat widget, API): asking for a person, rating the answers."""

from django.db import transaction

from apps.escalation.models import Handoff
from apps.escalation.services import handoff_create
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket

HUMAN_REQUEST_REASON = "Customer asked for a person"
CONVERSATION_MESSAGES = 30
MESSAGE_CHARS = 4_000


@transaction.atomic
def conversation_human_request(*, ticket: Ticket, note: str = "") -> tuple[Handoff, bool]:
    """Hand ``ticket`` to a person because the customer asked for one; returns ``(handoff, created)``.

    An open or claimed handoff is returned unchanged (``created`` False), so a repeated click or a retry never
    overwrites the package triage already built. Otherwise a handoff goes to the category's default queue
    (``general`` when none) with a package in the triage engine's shape: the customer-visible conversation,
    customer, page and the reason.
    ``note``: optional text from the customer (≤ 1000 chars), kept in the package.
    """
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category__default_queue", "organization", "contact")
        .get(pk=ticket.pk)
    )
    existing = Handoff.objects.filter(ticket=ticket, status__in=["open", "claimed"]).first()
    if existing:
        return existing, False
    queue = ticket.category.default_queue if ticket.category and ticket.category.default_queue else None
    package = _human_request_package(ticket, note=note[:1000])
    handoff = handoff_create(
        ticket=ticket,
        queue_slug=queue.slug if queue else None,
        reason=HUMAN_REQUEST_REASON,
        package=package,
    )
    return handoff, True


def _human_request_package(ticket: Ticket, *, note: str) -> dict:
    """A handoff package with the triage engine's keys (conversation, customer, channel, page, understood, tried,
    why, facts, priority, sla_due_at, next_step), from the ticket's customer-visible messages (one query)."""
    messages = list(
        Message.objects.filter(ticket=ticket, is_internal=False).order_by("-created_at", "-id")[:CONVERSATION_MESSAGES]
    )
    messages.reverse()
    org, contact = ticket.organization, ticket.contact
    last_customer = next((m.body for m in reversed(messages) if m.author_kind == AuthorKind.CUSTOMER), "")
    return {
        "conversation": [
            {"author": m.author_kind, "at": m.created_at.isoformat(), "body": m.body[:MESSAGE_CHARS]} for m in messages
        ],
        "customer": {
            "name": contact.name if contact else "",
            "email": contact.email if contact else "",
            "language": (contact.language if contact else "") or ticket.language,
            "organization": org.name if org else "",
            "tier": org.tier if org else "",
            "plan": org.plan if org else "",
            "segment": org.segment if org else "",
            "region": org.region if org else "",
        },
        "channel": ticket.channel,
        "page": {
            "url": ticket.page_url,
            "title": ticket.page_title,
            **({"context": ticket.page_context} if ticket.page_context else {}),
        },
        "understood": {
            "category": ticket.category.slug if ticket.category else None,
            "category_name": ticket.category.name if ticket.category else None,
            "confidence": ticket.confidence,
            "customer_text": last_customer[:2000],
            "fields": {},
        },
        "tried": {"steps": [], "outcome": "escalate", "nodes": [], "lookups": [], "draft": None},
        "why": {
            "reason": HUMAN_REQUEST_REASON + (f": {note}" if note else ""),
            "kind": "human_request",
            "triggers": [{"name": "human_request", "kind": "customer", "evidence": note or "talk-to-a-person button"}],
        },
        "facts": {},
        "priority": ticket.priority,
        "sla_due_at": None,
        "next_step": "The customer asked for a person: reply in this conversation.",
    }


@transaction.atomic
def conversation_feedback_record(
    *,
    ticket: Ticket,
    csat: int | None = None,
    helpful: bool | None = None,
    message_id: int | None = None,
    comment: str = "",
) -> dict:
    """Store the customer's rating on ``ticket`` and return the stored entry.

    ``csat``: 1–5 (sets ``Ticket.csat``; the latest rating wins). ``helpful``: thumbs up/down on an answer;
    ``message_id``: the rated AI/agent message of this ticket. Every rating is an ``analytics.Feedback`` row
    (linked to the Decision behind the answer; unhelpful ones go to the review list); the returned entry is
    ``{"at": datetime, "csat", "helpful", "message_id", "comment", "updated"}`` (``updated``: this changed the
    customer's earlier rating of the same reply, kept in its history, instead of adding one).
    Raises ``ValidationError`` when neither ``csat`` nor ``helpful`` is given, ``csat`` is outside 1–5, or
    ``message_id`` is not a reply in this ticket.
    """
    from apps.analytics.services.feedback import feedback_record

    feedback = feedback_record(ticket=ticket, csat=csat, helpful=helpful, message_id=message_id, comment=comment)
    return {
        "at": feedback.created_at,
        "csat": feedback.csat,
        "helpful": feedback.helpful,
        "message_id": feedback.message_id,
        "comment": feedback.comment,
        "updated": feedback.updated_at is not None,  # an earlier rating of the same reply was changed
    }
