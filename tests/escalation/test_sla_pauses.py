"""SLA clocks pause while a ticket waits on the customer, with or without a handoff (issue 5): the due times move
by exactly the business time the pause lasted, a later escalation keeps the pause, and the sweep stays idempotent.

Default SLA: pro tier 240 / 1440 business minutes (first response / resolution), Mon–Fri 09:00–17:00 Berlin (CET,
UTC+1 in winter). The ticket opens Monday 30 Nov 2026 10:00 Berlin (09:00Z): first response due 13:00Z, resolution
(24 business hours) due Thursday 3 Dec 09:00Z.
"""

from datetime import UTC, datetime, timedelta

import pytest

from apps.escalation.models import Handoff, SLAPause
from apps.escalation.sweep import soft_triggers_sweep
from apps.tickets.choices import AuthorKind, Channel, TicketStatus
from apps.tickets.services.intake import message_receive
from apps.tickets.services.replies import reply_send
from apps.workflows.services.triage import ticket_triage
from tests.factories import ContactFactory, MessageFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
FIRST_DUE = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
RESOLUTION_DUE = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def answered_ticket():
    """A pro ticket opened Monday 09:00Z with its due times set by the sweep, then answered by the AI (pending)."""
    org = OrganizationFactory(tier="pro")
    ticket = TicketFactory(
        organization=org,
        contact=ContactFactory(organization=org),
        channel=Channel.EMAIL,
        created_at=MONDAY,
        status=TicketStatus.OPEN,
    )
    MessageFactory(ticket=ticket, body="How do I add a teammate?", author_kind=AuthorKind.CUSTOMER, created_at=MONDAY)
    assert soft_triggers_sweep(now=MONDAY + timedelta(minutes=5)).due_set == 1
    ticket.refresh_from_db()
    assert (ticket.first_response_due_at, ticket.resolution_due_at) == (FIRST_DUE, RESOLUTION_DUE)
    reply_send(ticket=ticket, body="Open Settings › Team and press Invite.", author_kind=AuthorKind.AI)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING and not Handoff.objects.filter(ticket=ticket).exists()
    return ticket


def customer_writes(ticket, body, at):
    message_receive(ticket=ticket, body=body, author_kind=AuthorKind.CUSTOMER, created_at=at, triage=False)


def test_a_ticket_without_a_handoff_moves_its_due_times_by_the_paused_business_time(desk):
    ticket = answered_ticket()

    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=1)).paused == 1  # paused 10:00Z
    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=1, minutes=30)).paused == 0  # already paused
    customer_writes(ticket, "Thanks, but I don't see an Invite button.", MONDAY + timedelta(hours=3))  # 12:00Z
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    result = soft_triggers_sweep(now=MONDAY + timedelta(hours=3, minutes=7))

    assert (result.resumed, result.paused) == (1, 0)
    ticket.refresh_from_db()
    # paused 10:00Z–12:00Z (the customer's message, not the sweep's 12:07Z): two business hours
    assert ticket.first_response_due_at == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
    pause = SLAPause.objects.get(ticket=ticket)
    assert (pause.started_at, pause.ended_at) == (MONDAY + timedelta(hours=1), MONDAY + timedelta(hours=3))
    again = soft_triggers_sweep(now=MONDAY + timedelta(hours=3, minutes=7))
    assert again.as_dict() == {"paused": 0, "resumed": 0, "due_set": 0, "escalated": {}, "rerouted": 0}
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == datetime(2026, 12, 3, 11, 0, tzinfo=UTC)  # not moved twice


def test_a_pause_over_the_night_counts_only_business_hours(desk):
    ticket = answered_ticket()

    soft_triggers_sweep(now=datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # Monday 16:00 Berlin
    customer_writes(ticket, "Still stuck, where is it?", datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # Tue 10:00 Berlin
    assert soft_triggers_sweep(now=datetime(2026, 12, 1, 9, 1, tzinfo=UTC)).resumed == 1

    ticket.refresh_from_db()
    # 16:00–17:00 Monday and 09:00–10:00 Tuesday Berlin: two business hours, not eighteen wall-clock hours
    assert ticket.resolution_due_at == datetime(2026, 12, 3, 11, 0, tzinfo=UTC)


def test_the_ai_answering_again_before_the_sweep_still_ends_the_pause_at_the_customers_message(desk):
    ticket = answered_ticket()
    soft_triggers_sweep(now=MONDAY + timedelta(hours=1))
    customer_writes(ticket, "Where exactly?", MONDAY + timedelta(hours=2))  # 11:00Z
    reply_send(ticket=ticket, body="Top right, next to your avatar.", author_kind=AuthorKind.AI)  # pending again

    result = soft_triggers_sweep(now=MONDAY + timedelta(hours=2, minutes=30))

    assert (result.resumed, result.paused) == (1, 1)  # the old pause ends at 11:00Z, a new one starts now
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # one business hour paused
    assert SLAPause.objects.filter(ticket=ticket, ended_at__isnull=True).get().started_at == MONDAY + timedelta(
        hours=2, minutes=30
    )


def test_an_escalation_after_a_pause_keeps_it_in_the_handoff_due_time(clf, desk):
    ticket = answered_ticket()
    soft_triggers_sweep(now=MONDAY + timedelta(hours=1))  # paused 10:00Z
    customer_writes(ticket, "I want a refund for invoice INV-5540.", MONDAY + timedelta(hours=4))  # 13:00Z

    ticket_triage(ticket_id=ticket.pk, classifier=clf)  # before any sweep: the escalation ends the pause itself

    handoff = Handoff.objects.get(ticket=ticket)
    assert handoff.priority == "high" and handoff.sla_paused_at is None
    # answered already, so the handoff is due at the resolution time: Thursday 09:00Z + 3 paused business hours
    assert handoff.sla_due_at == datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert handoff.package["sla_due_at"] == handoff.sla_due_at.isoformat()
    ticket.refresh_from_db()
    assert ticket.resolution_due_at == handoff.sla_due_at
    pause = SLAPause.objects.get(ticket=ticket)
    assert pause.ended_at == MONDAY + timedelta(hours=4)
    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=4, minutes=1)).resumed == 0  # nothing left to resume
