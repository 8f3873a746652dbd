"""Routing rules (ordered, first match), assignment by availability and load, and the batched signals query."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.escalation.choices import TriggerKind
from apps.escalation.customer_signals import contexts_signals_fill
from apps.escalation.models import Handoff, RoutingRule, TriggerRule
from apps.escalation.routing import RouteInput, Router
from apps.escalation.services import handoff_create, handoff_reassign
from apps.tickets.choices import TicketStatus
from tests.factories import ContactFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def rule(order, name, **fields):
    return RoutingRule.objects.create(order=order, name=name, **fields)


def test_rules_are_tried_in_order_and_every_condition_must_hold(db):
    rule(10, "de-billing", languages=["de"], categories=["billing/*"], queue_slug="billing-dach", priority="high")
    rule(20, "legal-trigger", triggers=["legal"], queue_slug="legal-compliance")
    rule(30, "free-low", tiers=["free"], priorities=["normal"], priority="low")
    router = Router.load()

    def route(**data):
        return router.route(RouteInput(**data), queue_slug="support", priority=data.get("priority", "normal"))

    assert route(language="de-AT", category="billing/refund").queue_slug == "billing-dach"
    assert route(language="de", category="billing").rule == "de-billing"  # a family pattern matches its root
    assert route(language="fr", category="billing").rule == ""  # language differs: the proposal stands
    assert route(triggers=("refund", "legal"), category="how-to").queue_slug == "legal-compliance"
    low = route(tier="free", priority="normal")
    assert (low.queue_slug, low.priority, low.rule) == ("support", "low", "free-low")  # empty queue keeps proposal
    assert route(tier="free", priority="high").rule == ""


def test_disabled_rules_and_about_to_breach_only_rules(db):
    rule(5, "off", queue_slug="nowhere", enabled=False)
    rule(10, "breach", about_to_breach=True, queue_slug="senior", priority="urgent")
    router = Router.load()
    assert router.route(RouteInput(), queue_slug="billing", priority="high").queue_slug == "billing"
    breach = router.route(RouteInput(about_to_breach=True), queue_slug="billing", priority="high")
    assert (breach.queue_slug, breach.priority) == ("senior", "urgent")


def test_assignment_spreads_work_and_skips_away_and_offline(desk):
    # tech-support: li and omar online, maria offline
    handoffs = [
        handoff_create(ticket=TicketFactory(), queue_slug="tech-support", reason="bug", priority="normal")
        for _ in range(4)
    ]
    names = [h.assigned_to.username for h in handoffs]
    assert sorted(names) == ["li", "li", "omar", "omar"]  # least loaded, then round-robin
    assert "maria" not in names
    moved = handoff_reassign(handoff_id=handoffs[0].pk, queue_slug="senior", user=desk["agents"]["sam"])
    assert moved.assigned_to.username == "sam"  # jo is away
    assert moved.package["routing"]["assignment"] == "least-loaded online member"


def test_nobody_online_leaves_the_handoff_in_its_queue(desk):
    handoff = handoff_create(ticket=TicketFactory(), queue_slug="legal-compliance", reason="legal", priority="high")
    assert handoff.assigned_to is None and handoff.queue.slug == "legal-compliance"
    assert handoff.package["routing"]["assignment"] == "no member of the queue is online"


def repeat_contact_rule(*, days: int) -> None:
    """Exactly one enabled repeat-contact rule, with a window of ``days``."""
    TriggerRule.objects.filter(kind=TriggerKind.REPEAT_CONTACT).delete()
    TriggerRule.objects.create(name="repeat-contact", kind=TriggerKind.REPEAT_CONTACT, params={"days": days})


def test_signals_for_a_whole_batch_in_two_queries(db, django_assert_num_queries):
    org = OrganizationFactory()
    dana = ContactFactory(organization=org, email="dana@x.example")
    old = TicketFactory(contact=dana, organization=org, channel="chat", created_at=timezone.now() - timedelta(days=3))
    TicketFactory(contact=dana, organization=org, status=TicketStatus.RESOLVED)  # resolved: not related
    TicketFactory(contact=dana, organization=org, created_at=timezone.now() - timedelta(days=40))  # too old
    tickets = [TicketFactory(contact=ContactFactory(organization=None, email="DANA@x.example")) for _ in range(3)]
    tickets.append(TicketFactory())
    contexts = [SimpleNamespace(ticket=t, signals={}) for t in tickets]

    repeat_contact_rule(days=7)
    with django_assert_num_queries(2):  # the rules' window, then the batch's tickets
        contexts_signals_fill(contexts)

    related = contexts[0].signals["related"]
    assert old.pk in {r["id"] for r in related} and all(r["same_contact"] for r in related)
    assert {r["id"] for r in related} == {old.pk, tickets[1].pk, tickets[2].pk}  # the other new ones too
    assert contexts[3].signals["related"] == []
    assert Handoff.objects.count() == 0


def test_signals_reach_back_as_far_as_the_longest_repeat_contact_window(db):
    org = OrganizationFactory()
    dana = ContactFactory(organization=org, email="dana@x.example")
    recent = TicketFactory(contact=dana, organization=org, created_at=timezone.now() - timedelta(days=2))
    older = TicketFactory(contact=dana, organization=org, created_at=timezone.now() - timedelta(days=5))
    ticket = TicketFactory(contact=dana, organization=org)
    repeat_contact_rule(days=3)
    rules = TriggerRule.objects.filter(kind=TriggerKind.REPEAT_CONTACT)

    def related_ids():
        ctx = SimpleNamespace(ticket=ticket, signals={})
        contexts_signals_fill([ctx])
        return {r["id"] for r in ctx.signals["related"]}

    assert related_ids() == {recent.pk}
    rules.update(params={"days": 7, "min_tickets": 1})
    assert related_ids() == {recent.pk, older.pk}
    rules.update(enabled=False)  # no repeat-contact rule: nothing to load
    assert related_ids() == set()
    ctx = SimpleNamespace(ticket=ticket, signals={})
    contexts_signals_fill([ctx], days=30)  # an explicit window wins
    assert {r["id"] for r in ctx.signals["related"]} == {recent.pk, older.pk}
