"""Analytics fixtures: a small history with a known best category."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.tickets.choices import AuthorKind
from tests.factories import CategoryFactory, HandoffFactory, MessageFactory, OrganizationFactory, TicketFactory


def make_ticket(
    category, *, days_ago: float, replies: int, resolve_hours: float | None, channel="email", org=None, **extra
):
    """A historical ticket: one customer message, ``replies`` agent replies an hour apart, resolved after
    ``resolve_hours`` (None: open)."""
    created = timezone.now() - timedelta(days=days_ago)
    kwargs = {"organization": org, "contact__organization": org} if org else {}
    ticket = TicketFactory(
        category=category, labelled_category=category, created_at=created, channel=channel, **kwargs, **extra
    )
    MessageFactory(ticket=ticket, author_kind=AuthorKind.CUSTOMER, created_at=created)
    for i in range(replies):
        MessageFactory(ticket=ticket, author_kind=AuthorKind.AGENT, created_at=created + timedelta(hours=i + 1))
    ticket.first_response_at = created + timedelta(hours=1) if replies else None
    ticket.resolved_at = created + timedelta(hours=resolve_hours) if resolve_hours is not None else None
    ticket.save(update_fields=["first_response_at", "resolved_at"])
    return ticket


@pytest.fixture
def audit_history():
    """30 password-reset tickets (1 reply, 2 h, chat), 12 billing disputes (3 replies, 72 h, 4 handed off),
    20 legal requests (sensitive, 1 reply, 3 h) and 3 tickets outside 90 days."""
    reset = CategoryFactory(slug="password-reset", name="Password reset")
    dispute = CategoryFactory(slug="billing-dispute", name="Billing dispute")
    legal = CategoryFactory(slug="legal", name="Legal", is_sensitive=True)
    enterprise = OrganizationFactory(enterprise=True)
    for i in range(30):
        make_ticket(reset, days_ago=1 + i, replies=1, resolve_hours=2, channel="chat")
    for i in range(12):
        t = make_ticket(dispute, days_ago=2 + i, replies=3, resolve_hours=72, org=enterprise, priority="high")
        if i < 4:
            HandoffFactory(ticket=t)
    for i in range(20):
        make_ticket(legal, days_ago=3 + i, replies=1, resolve_hours=3)
    for _ in range(3):
        make_ticket(dispute, days_ago=200, replies=5, resolve_hours=300)
    return {"reset": reset, "dispute": dispute, "legal": legal}
