"""What the customer sees of a conversation: visible messages and who is expected to speak next."""

from dataclasses import dataclass, field

from apps.escalation.choices import HandoffStatus
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.models import Message, Ticket

VISIBLE_AUTHORS = (AuthorKind.CUSTOMER, AuthorKind.AI, AuthorKind.AGENT)
PERSON_NOTICE = "A person from our team will reply here soon."


class State:
    AI_WORKING = "ai_working"
    AI_REPLIED = "ai_replied"
    PERSON_WILL_REPLY = "person_will_reply"
    PERSON_REPLIED = "person_replied"
    RESOLVED = "resolved"

    CHOICES = (AI_WORKING, AI_REPLIED, PERSON_WILL_REPLY, PERSON_REPLIED, RESOLVED)


@dataclass
class ConversationView:
    """The customer's view of ``ticket``: ``messages`` exclude internal notes and system entries."""

    ticket: Ticket
    messages: list[Message] = field(default_factory=list)
    state: str = State.AI_WORKING
    notice: str = ""
    handoff_status: str | None = None


def conversation_view(ticket: Ticket) -> ConversationView:
    """Build the customer's view of ``ticket`` in three queries (messages, open handoff, decisions this turn).

    State: the last visible message from the customer → ``ai_working`` until triage decides, then
    ``person_will_reply`` if the AI did not answer (draft under review, escalation, shadow mode); an open
    handoff after an AI reply → ``person_will_reply``; an agent's reply → ``person_replied``; resolved or
    closed tickets without an open handoff → ``resolved`` (also when a person resolved it after the customer's
    last message, e.g. a handoff resolved without a reply: no "a person will reply" notice then).
    """
    messages = list(
        Message.objects.filter(ticket=ticket, is_internal=False, author_kind__in=VISIBLE_AUTHORS).order_by(
            "created_at", "id"
        )
    )
    handoff = ticket.handoffs.filter(status__in=[HandoffStatus.OPEN, HandoffStatus.CLAIMED]).order_by("-id").first()
    last = messages[-1] if messages else None
    customer_turns = sum(1 for m in messages if m.author_kind == AuthorKind.CUSTOMER)
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and handoff is None:
        state = State.RESOLVED  # resolved by a person after the customer's last word: nobody will reply
    elif last is None or last.author_kind == AuthorKind.CUSTOMER:
        decided = ticket.decisions.filter(turn__gte=max(customer_turns, 1)).exists()
        waiting_for_person = handoff is not None or decided or ticket.status == TicketStatus.ESCALATED
        state = State.PERSON_WILL_REPLY if waiting_for_person else State.AI_WORKING
    elif ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        state = State.RESOLVED
    elif last.author_kind == AuthorKind.AGENT:
        state = State.PERSON_REPLIED
    else:
        state = State.PERSON_WILL_REPLY if handoff is not None else State.AI_REPLIED
    return ConversationView(
        ticket=ticket,
        messages=messages,
        state=state,
        notice=PERSON_NOTICE if state == State.PERSON_WILL_REPLY else "",
        handoff_status=handoff.status if handoff else None,
    )
