"""Escalation scenarios end to end: a ticket goes through triage (real classifier, real trigger rules, the
default SLA policies and routing rules installed by the data migrations) or the soft-trigger sweep, and each
scenario asserts the queue, the priority, the SLA due time and the handoff package.

Default SLA (business minutes, Mon–Fri 09:00–17:00 Europe/Berlin, Berlin holidays): enterprise 60, business 120,
pro 240, urgent 60, default 480 to first response. Tickets open Monday 30 Nov 2026 10:00 Berlin (09:00Z)
unless a scenario says otherwise.
"""

from datetime import UTC, datetime, timedelta

import pytest

from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff, SLAPolicy
from apps.escalation.sweep import soft_triggers_sweep
from apps.tickets.choices import AuthorKind, Channel, TicketStatus
from apps.tickets.models import Message
from apps.workflows.choices import Outcome
from apps.workflows.services.triage import ticket_triage
from tests.factories import ContactFactory, MessageFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def ticket_with(*bodies, tier="pro", channel=Channel.EMAIL, at=MONDAY, contact=None, org=None, subject=""):
    """A ticket whose messages alternate customer / AI, starting with the customer, one minute apart."""
    org = org or (contact.organization if contact else OrganizationFactory(tier=tier))
    contact = contact or ContactFactory(organization=org)
    ticket = TicketFactory(
        subject=subject, channel=channel, organization=org, contact=contact, created_at=at, status=TicketStatus.OPEN
    )
    for i, body in enumerate(bodies):
        author = AuthorKind.CUSTOMER if i % 2 == 0 else AuthorKind.AI
        MessageFactory(ticket=ticket, body=body, author_kind=author, created_at=at + timedelta(minutes=i))
    return ticket


def triage(ticket, clf):
    decision = ticket_triage(ticket_id=ticket.pk, classifier=clf)
    return decision, Handoff.objects.select_related("queue", "assigned_to").filter(ticket=ticket).first()


def trigger(handoff, name):
    return next(t for t in handoff.package["why"]["triggers"] if t["name"] == name)


def assert_package_complete(handoff):
    package = handoff.package
    for key in ("conversation", "customer", "understood", "tried", "why", "facts", "priority", "sla", "routing"):
        assert key in package, key
    assert package["priority"] == handoff.priority
    assert package["sla_due_at"] == (handoff.sla_due_at.isoformat() if handoff.sla_due_at else None)
    assert package["routing"]["queue"] == handoff.queue.slug
    assert package["next_step"]


def test_keyword_refund_goes_to_billing_high_with_the_pro_sla(clf, desk):
    ticket = ticket_with("Hello, I want a refund for invoice INV-5540, I was charged on my card twice.")

    decision, handoff = triage(ticket, clf)

    assert decision.outcome == Outcome.ESCALATE and decision.triggers[0]["name"] == "refund"
    assert (handoff.queue.slug, handoff.priority) == ("billing", "high")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)  # pro: 240 business minutes, inside Monday's hours
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == handoff.sla_due_at and ticket.status == TicketStatus.ESCALATED
    assert trigger(handoff, "refund")["evidence"] == "refund"
    package = handoff.package
    assert package["conversation"][0]["body"].startswith("Hello, I want a refund")
    assert package["understood"]["category"] == "billing"
    assert package["sla"]["policy"] == "Pro" and package["sla"]["calendar"] == "Support hours"
    assert handoff.assigned_to.username in {"omar", "sam"}  # online billing members; never offline/away ones
    assert package["routing"]["assigned_to"] == handoff.assigned_to.username
    assert "refund" in package["next_step"]
    assert_package_complete(handoff)


def test_enterprise_tier_goes_to_senior_and_the_online_account_manager(clf, desk):
    org = OrganizationFactory(tier="enterprise", account_manager=desk["agents"]["priya"])
    ticket = ticket_with("How do I add a teammate to my team in the app?", org=org)

    decision, handoff = triage(ticket, clf)

    assert [t["name"] for t in decision.triggers] == ["enterprise-tier"]
    assert (handoff.queue.slug, handoff.priority) == ("senior", "high")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=1)  # enterprise: 60 business minutes
    assert handoff.assigned_to.username == "priya"
    assert (
        handoff.package["routing"] | {"assigned_to": "priya", "rule": "high-value-account-manager"}
        == (handoff.package["routing"])
    )
    assert handoff.package["routing"]["assignment"] == "account manager"
    assert trigger(handoff, "enterprise-tier")["evidence"] == "tier=enterprise"
    assert_package_complete(handoff)


def test_human_request_in_dutch_goes_to_the_category_queue(clf, desk):
    ticket = ticket_with("Kan ik met een medewerker spreken over de CSV import? The import still fails.")

    decision, handoff = triage(ticket, clf)

    assert trigger(handoff, "human-request")["evidence"] == "met een medewerker"
    assert handoff.queue.slug == "tech-support" and handoff.priority == "normal"
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)
    assert handoff.assigned_to.username in {"li", "omar"}  # maria is offline
    assert_package_complete(handoff)


def test_a_second_request_for_a_human_is_never_answered_and_jumps_the_queue(clf, desk):
    ticket = ticket_with(
        "Can I talk to a person about my invoice?",
        "You can download every invoice under Settings → Billing.",
        "I asked already. Get me a human, the invoice shows the wrong company name.",
    )

    decision, handoff = triage(ticket, clf)

    assert decision.turn == 2 and decision.outcome == Outcome.ESCALATE and not decision.sent
    assert Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).count() == 1  # only the earlier one
    hit = trigger(handoff, "human-request")
    assert hit["evidence"] == "Get me a human (request #2 in this ticket)" and hit["priority"] == "high"
    assert (handoff.queue.slug, handoff.priority) == ("billing", "high")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)
    assert len(handoff.package["conversation"]) == 3  # the whole conversation travels with it
    assert_package_complete(handoff)


def test_sarcastic_praise_is_frustration_f28(clf, desk):
    ticket = ticket_with(
        "Wow, third invoice in a row with the wrong company name. Truly world-class attention to detail 👏👏 "
        "Keep up the amazing work!",
        tier="business",
        channel=Channel.CHAT,
    )

    decision, handoff = triage(ticket, clf)

    hit = trigger(handoff, "frustration")
    assert hit["evidence"].startswith("sarcasm: ") and "world-class" in hit["evidence"]
    assert (handoff.queue.slug, handoff.priority) == ("billing", "high")  # the topic's queue, as F28 expects
    assert handoff.sla_due_at == MONDAY + timedelta(hours=2)  # business: 120 business minutes
    assert handoff.package["channel"] == "chat"
    assert_package_complete(handoff)


def test_all_caps_shouting_is_frustration(clf, desk):
    ticket = ticket_with("THE CSV IMPORT STILL DROPS THE LAST ROW. THIRD TIME I WRITE. FIX IT NOW")

    decision, handoff = triage(ticket, clf)

    assert trigger(handoff, "frustration")["evidence"].startswith("caps: THE CSV IMPORT")
    assert (handoff.queue.slug, handoff.priority) == ("tech-support", "high")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)
    assert handoff.assigned_to.username in {"li", "omar"}


def test_repeat_contact_across_chat_and_email_is_one_customer(clf, desk):
    org = OrganizationFactory(tier="pro")
    chat_contact = ContactFactory(organization=org, email="dana.ruiz@northwind.example")
    earlier = ticket_with(
        "the CSV import drops the last row", channel=Channel.CHAT, contact=chat_contact, at=MONDAY - timedelta(days=2)
    )
    earlier.category = desk["categories"]["bug/import"]
    earlier.save()
    email_contact = ContactFactory(organization=None, email="Dana.Ruiz@Northwind.example")  # another row, same person
    ticket = ticket_with(
        "Hello, the CSV import still drops the last row for large files", contact=email_contact, org=org
    )

    decision, handoff = triage(ticket, clf)

    hit = trigger(handoff, "repeat-contact")
    assert f"#{earlier.pk} chat" in hit["evidence"] and "this customer" in hit["evidence"]
    assert (handoff.queue.slug, handoff.priority) == ("tech-support", "high")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)
    assert_package_complete(handoff)

    type(ticket).objects.filter(pk__in=[earlier.pk, ticket.pk]).update(status=TicketStatus.RESOLVED)  # not repeats
    again = ticket_with("the CSV import drops the last row", contact=email_contact, org=org)
    decision, _ = triage(again, clf)
    assert "repeat-contact" not in [t["name"] for t in decision.triggers]


def test_quoted_history_signature_and_disclaimer_fire_nothing_f16(clf, desk):
    ticket = ticket_with(
        "Thanks, that fixed it!\n\n-- \nDana Ruiz\nNorthwind Traders\n\n"
        "On Tue, 3 Jun 2025 at 10:12, Example Support <support@example.com> wrote:\n"
        "> If the export still fails we can escalate to engineering, or if you'd rather cancel the add-on we can "
        "discuss a refund of this month's fee.\n> Best, Support"
    )

    decision, _ = triage(ticket, clf)

    assert not {"refund", "cancel-account", "legal"} & {t["name"] for t in decision.triggers}


def test_soft_trigger_ai_turns_escalates_once(clf, desk):
    ticket = ticket_with(
        "how do I change my report layout",
        "Open Reports → Layout.",
        "how can I change it on mobile",
        "Same menu.",
        "and for my team?",
    )
    ticket.ai_turns, ticket.category = 3, desk["categories"]["how-to"]
    ticket.save()

    result = soft_triggers_sweep(now=MONDAY + timedelta(minutes=10))

    assert result.escalated == {"ai-turns": 1}
    handoff = Handoff.objects.get(ticket=ticket)
    assert (handoff.queue.slug, handoff.priority) == ("support", "high")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)
    assert trigger(handoff, "ai-turns")["evidence"] == "3 AI replies without resolution"
    assert len(handoff.package["conversation"]) == 5  # loaded from the ticket's messages
    assert handoff.assigned_to.username == "li"  # jo (away) never gets work
    assert_package_complete(handoff)
    assert soft_triggers_sweep(now=MONDAY + timedelta(minutes=11)).escalated == {}  # idempotent
    assert Handoff.objects.filter(ticket=ticket).count() == 1


def test_soft_trigger_sla_percent_reroutes_to_senior_before_breach(clf, desk):
    ticket = ticket_with("I want a refund for invoice INV-5540")
    _, handoff = triage(ticket, clf)
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)

    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=2)).rerouted == 0  # 50 %: nothing
    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=3, minutes=20)).rerouted == 1  # 83 %

    handoff.refresh_from_db()
    assert (handoff.queue.slug, handoff.priority) == ("senior", "urgent")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)  # the due time stays
    assert handoff.assigned_to.username == "sam"  # the online senior agent (jo is away)
    assert trigger(handoff, "sla-at-risk")["evidence"].startswith("83% of the SLA elapsed")
    assert handoff.package["routing"]["rule"] == "about-to-breach"
    assert handoff.package["priority"] == "urgent"
    before = handoff.updated_at
    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=3, minutes=30)).rerouted == 0  # idempotent
    handoff.refresh_from_db()
    assert handoff.updated_at == before


def test_business_hours_friday_evening_f11(clf, desk):
    SLAPolicy.objects.filter(tier="pro", priority="").update(first_response_minutes=60)
    friday = datetime(2025, 6, 13, 14, 30, tzinfo=UTC)  # 16:30 Berlin
    ticket = ticket_with("Can you explain the 'Proration adjustment' line on invoice INV-5540?", at=friday)
    decision, handoff = triage(ticket, clf)
    assert decision.outcome == Outcome.DRAFT and handoff is None, decision.reason

    soft_triggers_sweep(now=datetime(2025, 6, 13, 15, 45, tzinfo=UTC))
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == datetime(2025, 6, 16, 7, 30, tzinfo=UTC)  # Monday 09:30 Berlin
    assert not Handoff.objects.filter(ticket=ticket).exists()  # no SLA escalation on Friday evening
    soft_triggers_sweep(now=datetime(2025, 6, 16, 7, 10, tzinfo=UTC))  # 40 of 60 business minutes
    assert not Handoff.objects.filter(ticket=ticket).exists()

    soft_triggers_sweep(now=datetime(2025, 6, 16, 7, 20, tzinfo=UTC))  # 50 of 60: about to breach
    handoff = Handoff.objects.get(ticket=ticket)
    assert (handoff.queue.slug, handoff.priority) == ("senior", "urgent")
    assert handoff.sla_due_at == datetime(2025, 6, 16, 7, 30, tzinfo=UTC)
    assert trigger(handoff, "sla-at-risk")["evidence"].startswith("83% of the first-response SLA")
    assert_package_complete(handoff)


def test_daylight_saving_weekend_keeps_the_business_hour(clf, desk):
    SLAPolicy.objects.filter(tier="pro", priority="").update(first_response_minutes=60)
    friday = datetime(2025, 3, 28, 15, 30, tzinfo=UTC)  # 16:30 CET; clocks go forward on Sunday
    ticket = ticket_with("I want a refund for invoice INV-5540", at=friday)

    _, handoff = triage(ticket, clf)

    assert handoff.sla_due_at == datetime(2025, 3, 31, 7, 30, tzinfo=UTC)  # Monday 09:30 CEST
    assert handoff.package["sla"]["first_response_due_at"] == "2025-03-31T07:30:00+00:00"
    assert soft_triggers_sweep(now=datetime(2025, 3, 30, 12, tzinfo=UTC)).rerouted == 0  # Sunday: clock stopped


def test_returning_chat_never_goes_to_the_offline_agent_f13(clf, desk):
    agents = desk["agents"]
    ticket = ticket_with(
        "Following up on our chat from two weeks ago - the CSV import still drops the last row.",
        channel=Channel.CHAT,
    )
    ticket.assignee = agents["maria"]  # the previous agent, now offline
    ticket.save()
    busy = ticket_with("the CSV import fails", channel=Channel.CHAT)
    Handoff.objects.create(ticket=busy, queue=desk["queues"]["tech-support"], reason="x", assigned_to=agents["omar"])

    decision, handoff = triage(ticket, clf)

    assert handoff.queue.slug == "tech-support"
    assert handoff.assigned_to.username == "li"  # online and least loaded; maria is offline
    ticket.refresh_from_db()
    assert ticket.assignee.username == "li"
    assert handoff.package["routing"]["assignment"] == "least-loaded online member"
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)


def test_waiting_on_the_customer_pauses_the_clock(clf, desk):
    ticket = ticket_with("I want a refund for invoice INV-5540")
    _, handoff = triage(ticket, clf)
    Ticket = type(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.PENDING)

    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=1)).paused == 1
    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=1, minutes=1)).paused == 0  # idempotent
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.ESCALATED)
    assert soft_triggers_sweep(now=MONDAY + timedelta(hours=3)).resumed == 1

    handoff.refresh_from_db()
    assert handoff.sla_paused_at is None and handoff.status == HandoffStatus.OPEN
    assert handoff.sla_due_at == MONDAY + timedelta(hours=6)  # 3 h were left at the pause, counted from 12:00Z
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == MONDAY + timedelta(hours=6)


def test_no_progress_the_same_question_again(clf, desk):
    ticket = ticket_with(
        "How do I export my reports as a PDF?",
        "Open Reports and press Export.",
        "how do I export my reports as PDF?",
    )
    ticket.ai_turns, ticket.category = 1, desk["categories"]["how-to"]
    ticket.save()

    result = soft_triggers_sweep(now=MONDAY + timedelta(minutes=5))

    assert result.escalated == {"no-progress": 1}
    handoff = Handoff.objects.get(ticket=ticket)
    assert (handoff.queue.slug, handoff.priority) == ("support", "high")
    assert trigger(handoff, "no-progress")["evidence"].startswith("asked again (similarity")
    assert handoff.sla_due_at == MONDAY + timedelta(hours=4)


def test_a_second_sweep_at_the_same_instant_changes_nothing(clf, desk):
    for i in range(6):
        ticket = ticket_with("how do I add a teammate", at=MONDAY - timedelta(hours=i))
        ticket.ai_turns = 3 if i % 2 else 0
        ticket.save()
    triage(ticket_with("I want a refund for invoice INV-5540", at=MONDAY - timedelta(hours=3)), clf)
    later = MONDAY + timedelta(hours=3, minutes=30)
    first = soft_triggers_sweep(now=later)
    assert first.escalated and first.due_set

    def snapshot():
        handoffs = Handoff.objects.order_by("pk").values_list("pk", "queue_id", "priority", "sla_due_at", "package")
        tickets = (
            type(ticket).objects.order_by("pk").values_list("pk", "status", "assignee_id", "first_response_due_at")
        )
        return list(handoffs), list(tickets)

    before = snapshot()
    second = soft_triggers_sweep(now=later)
    assert second.as_dict() == {"paused": 0, "resumed": 0, "due_set": 0, "escalated": {}, "rerouted": 0}
    assert snapshot() == before
