"""Step 1 of the pipeline: the context a triage decision is made in (customer, tier, channel, page, turn, text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.tickets.choices import AuthorKind, Channel
from apps.tickets.models import Message, Ticket

from .text import text_now

CONVERSATION_MESSAGES = 30
CLASSIFY_MESSAGES = 3
MESSAGE_CHARS = 4000
EMAIL_SHAPED = {Channel.EMAIL, Channel.WEB}


@dataclass
class TicketContext:
    """Everything later steps need about one ticket turn, loaded once (no queries after ``context_build``).

    ``turn``: number of customer messages so far (1 for a ticket with only a subject). ``text``: what the
    customer wrote now (quotes and signatures removed; the subject is included on turn 1); triggers match it.
    ``classify_text``: the subject and the customer's last few messages, what the classifier reads.
    ``with_human``: set when an open or claimed handoff or an assignee holds the ticket; the AI then only records.
    """

    ticket: Ticket
    turn: int
    text: str
    classify_text: str
    channel: str
    customer: dict = field(default_factory=dict)
    page: dict = field(default_factory=dict)
    conversation: list[dict] = field(default_factory=list)
    with_human: str = ""  # why a person already has this conversation ("" when nobody has)
    ticket_queue: str = ""  # slug of the queue holding the ticket's open handoff
    signals: dict = field(default_factory=dict)  # repeat-contact data etc. (apps.escalation.customer_signals)

    @property
    def ticket_id(self) -> int:
        return self.ticket.pk

    @property
    def tier(self) -> str:
        return self.customer.get("tier", "")

    @property
    def shape(self) -> str:
        """``email`` (greeting, sections, sign-off) or ``chat`` (short) reply shape for this channel."""
        return "email" if self.channel in EMAIL_SHAPED else "chat"

    def summary(self) -> dict:
        """The context as recorded in the Decision trace (no message bodies)."""
        return {
            "customer": self.customer,
            "tier": self.tier,
            "channel": self.channel,
            "page": self.page,
            "turn": self.turn,
            "text_chars": len(self.text),
            "with_human": self.with_human,
        }


def customer_messages(messages: Sequence[Message]) -> list[Message]:
    return [m for m in messages if m.author_kind == AuthorKind.CUSTOMER and not m.is_internal]


def ticket_turn(messages: Sequence[Message]) -> int:
    """The turn a decision is for: the number of customer messages (at least 1)."""
    return max(1, len(customer_messages(messages)))


def context_build(ticket: Ticket, messages: Sequence[Message]) -> TicketContext:
    """Build the context of ``ticket`` from its messages (ordered oldest first; internal notes are ignored).

    ``ticket`` should come with ``contact`` and ``organization`` selected and, when it has an open or claimed
    handoff, the attribute ``open_handoff_queue`` (that handoff's queue slug); no query is made here.
    """
    visible = [m for m in messages if not m.is_internal]
    from_customer = customer_messages(visible)
    turn = max(1, len(from_customer))
    recent = [text_now(m.body) for m in from_customer[-CLASSIFY_MESSAGES:]]
    current = recent[-1] if recent else ""
    subject = ticket.subject.strip()
    if turn == 1 and subject:
        current = f"{subject}\n{current}".strip()
    classify_text = "\n".join([subject, *recent]).strip()
    org, contact = ticket.organization, ticket.contact
    customer = {
        "name": contact.name if contact else "",
        "email": contact.email if contact else "",
        "language": (contact.language if contact else "") or ticket.language,
        "organization": org.name if org else "",
        "tier": org.tier if org else "",
        "plan": org.plan if org else "",
        "segment": org.segment if org else "",
        "region": org.region if org else "",
    }
    page = {
        "url": ticket.page_url,
        "title": ticket.page_title,
        **({"context": ticket.page_context} if ticket.page_context else {}),
    }
    conversation = [
        {"author": m.author_kind, "at": m.created_at.isoformat(), "body": m.body[:MESSAGE_CHARS]}
        for m in visible[-CONVERSATION_MESSAGES:]
    ]
    handoff_queue = getattr(ticket, "open_handoff_queue", None) or ""
    with_human = f"open handoff in queue {handoff_queue}" if handoff_queue else ""
    if not with_human and ticket.assignee_id:
        with_human = "assigned to an agent"
    return TicketContext(
        ticket=ticket,
        turn=turn,
        text=current,
        classify_text=classify_text,
        channel=ticket.channel,
        customer=customer,
        page=page,
        conversation=conversation,
        with_human=with_human,
        ticket_queue=handoff_queue,
    )
