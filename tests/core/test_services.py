import pytest

from apps.core.errors import ValidationError
from apps.escalation.services import handoff_create
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.services.replies import reply_send
from tests.factories import QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_reply_send_sets_first_response_once_and_counts_ai_turns():
    ticket = TicketFactory()
    first = reply_send(ticket=ticket, body="Hello", author_kind=AuthorKind.AI)
    reply_send(ticket=ticket, body="Again", author_kind=AuthorKind.AI, resolve=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at == first.created_at
    assert ticket.ai_turns == 2
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is not None


def test_reply_send_rejects_empty_body():
    with pytest.raises(ValidationError):
        reply_send(ticket=TicketFactory(), body="  ", author_kind=AuthorKind.AGENT)


def test_handoff_create_updates_open_handoff_instead_of_doubling():
    ticket = TicketFactory()
    QueueFactory(slug="billing", name="Billing")
    first = handoff_create(ticket=ticket, queue_slug="billing", reason="refund")
    second = handoff_create(ticket=ticket, queue_slug="nope", reason="again", priority="high")
    assert first.pk == second.pk
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ESCALATED
    assert second.queue.slug == "support" and ticket.priority == "high"
