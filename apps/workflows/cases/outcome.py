"""What a case's run produced, read back from the database: Decisions, drafts, handoffs, messages sent, stored
subject and text; the checks read this."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.escalation.models import Handoff
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.models import Decision, Draft

from .world import CaseWorld


@dataclass
class CaseOutcome:
    """``decision``: the Decision for the case's message (the main ticket's latest); ``customer_texts``: every text
    the customer got or may get from this run (messages sent, pending drafts, the Decision's reply text)."""

    world: CaseWorld
    ticket: Ticket | None
    decision: Decision | None
    decisions: list[Decision] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    sent: list[Message] = field(default_factory=list)  # new non-internal messages from us (AI, agent, system)
    internal: list[Message] = field(default_factory=list)
    customer_texts: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return self.decision.outcome if self.decision else "none"

    @property
    def handoff(self) -> Handoff | None:
        main = [h for h in self.handoffs if self.ticket and h.ticket_id == self.ticket.pk]
        return main[-1] if main else None

    @property
    def queue(self) -> str:
        """The queue the case ended in: its handoff's queue, else the predicted category's default queue."""
        if self.handoff is not None:
            return self.handoff.queue.slug
        category = self.decision.category if self.decision else None
        if category is not None and category.default_queue_id:
            return category.default_queue.slug
        return ""

    @property
    def reply(self) -> str:
        return "\n\n".join(t for t in self.customer_texts if t)


def case_outcome_read(world: CaseWorld, errors: list[str] | None = None) -> CaseOutcome:
    """Read what the run produced for ``world``'s tickets (its own, queued mail, duplicate deliveries)."""
    ids = {pk for pk in [world.ticket.pk if world.ticket else None, *world.triaged] if pk}
    ids |= {t.pk for t in world.other_tickets}
    ticket = Ticket.objects.filter(pk=world.ticket.pk).first() if world.ticket else None
    decisions = list(
        Decision.objects.filter(ticket_id__in=ids)
        .select_related("category__default_queue")
        .order_by("created_at", "id")
    )
    main = [d for d in decisions if ticket and d.ticket_id == ticket.pk]
    handoffs = list(Handoff.objects.filter(ticket_id__in=ids).select_related("queue", "assigned_to").order_by("id"))
    drafts = list(Draft.objects.filter(ticket_id__in=ids).order_by("id"))
    new = Message.objects.filter(ticket_id__in=ids, id__gt=world.max_message_id).exclude(
        author_kind=AuthorKind.CUSTOMER
    )
    sent = list(new.filter(is_internal=False).order_by("id"))
    internal = list(new.filter(is_internal=True).order_by("id"))
    texts = [m.body for m in sent if m.author_kind != AuthorKind.SYSTEM]
    texts += [d.body for d in drafts if d.body not in texts]
    texts += [d.reply_text for d in decisions if d.reply_text and d.reply_text not in texts]
    return CaseOutcome(
        world=world,
        ticket=ticket,
        decision=main[-1] if main else None,
        decisions=decisions,
        handoffs=handoffs,
        drafts=drafts,
        sent=sent,
        internal=internal,
        customer_texts=texts,
        errors=list(errors or []),
    )
