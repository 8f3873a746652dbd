"""The escalation cases of ../shared/cases/failure_cases.jsonl (family or also_tests ``b/escalation``): the hard
triggers that must fire on what the customer wrote now, and the queue the escalation lands in (the queue of the
most important trigger, else the expected category's queue — ``escalation_route``, as the engine does)."""

import json
from types import SimpleNamespace

import pytest

from apps.escalation.business_time import Hours, business_add
from apps.escalation.models import BusinessCalendar
from apps.escalation.triggers import TriggerSet, trigger_rules_ensure_defaults
from apps.workflows.engine.decide import escalation_route
from apps.workflows.engine.text import text_now

pytestmark = [pytest.mark.django_db, pytest.mark.dataset]

# The queue of each expected category family (the demo's categories); the triggers may override it.
FAMILY_QUEUE = {
    "billing": "billing",
    "complaint": "support",
    "bug": "tech-support",
    "outage": "tech-support",
    "account": "account-admin",
    "legal": "legal-compliance",
    "legal-compliance": "legal-compliance",
    "sales": "sales",
    "plan-upgrade": "sales",
    "closure": "support",
}
# case id -> triggers that must fire (others may fire too); () = none may fire
EXPECTED = {
    "F01": {"refund"},
    "F03": {"price-commitment", "prompt-injection"},
    "F04": {"prompt-injection", "frustration", "human-request"},
    "F05": {"legal"},
    "F06": {"instructions-to-the-ai"},
    "F09": {"chargeback", "human-request", "frustration"},
    "F14": {"permission-change"},
    "F16": set(),
    "F25": {"outage", "enterprise-tier", "frustration"},
    "F28": {"frustration"},
}


def load(shared_cases) -> dict[str, dict]:
    with open(shared_cases / "failure_cases.jsonl", encoding="utf-8") as handle:
        return {case["id"]: case for case in map(json.loads, handle)}


def context(case: dict) -> SimpleNamespace:
    """What the engine's context holds: the subject on turn 1, what the customer wrote now, the conversation."""
    data = case["input"]
    history = (data.get("extra") or {}).get("history") or []
    conversation = [{"author": "customer" if h["role"] == "user" else "ai", "body": h["text"]} for h in history]
    conversation.append({"author": "customer", "body": data["body"]})
    text = text_now(data["body"])
    if not history and data.get("subject"):
        text = f"{data['subject']}\n{text}"
    return SimpleNamespace(text=text, conversation=conversation, signals={})


@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_hard_triggers_and_queue(shared_cases, case_id):
    trigger_rules_ensure_defaults()
    case = load(shared_cases)[case_id]
    ctx = context(case)
    tier = case["input"]["customer"].get("tier", "")

    hits = TriggerSet.load().check(text=ctx.text, tier=tier, ctx=ctx)

    names = {h.name for h in hits}
    expected = EXPECTED[case_id]
    assert expected <= names if expected else names == set(), (names, ctx.text)
    if case["expected"].get("queue") and case["expected"]["decision"] == "escalate":
        family = case["expected"]["category"].split("/")[0]
        queue, _ = escalation_route(hits=hits, category_queue=FAMILY_QUEUE[family], ticket_priority="normal")
        assert queue == case["expected"]["queue"]


def test_f04_counts_the_second_request_for_a_human(shared_cases):
    trigger_rules_ensure_defaults()
    ctx = context(load(shared_cases)["F04"])
    ctx.text += "\nGive me a real person."  # the customer asks again now
    hit = next(h for h in TriggerSet.load().check(text=ctx.text, ctx=ctx) if h.name == "human-request")
    assert hit.evidence.endswith("(request #2 in this ticket)") and hit.priority == "high"


def test_f11_deadline_is_monday_morning(shared_cases):
    extra = load(shared_cases)["F11"]["input"]["extra"]
    assert extra["business_hours"] == "Mon-Fri 09:00-17:00 Europe/Berlin"
    hours = Hours.of(BusinessCalendar(name="f11", time_zone="Europe/Berlin"))
    from django.utils.dateparse import parse_datetime

    due = business_add(start=parse_datetime(extra["received_at"]), minutes=60, hours=hours)
    assert due.isoformat() == "2025-06-16T07:30:00+00:00"  # the case's note: Mon 16 Jun 09:30 Berlin
    assert due > parse_datetime(extra["now"])


def test_f13_returning_chat_skips_the_offline_agent(shared_cases, django_user_model):
    from apps.escalation.models import Queue
    from apps.escalation.services import handoff_create
    from tests.factories import MessageFactory, TicketFactory

    case = load(shared_cases)["F13"]
    queue = Queue.objects.create(slug=case["expected"]["queue"], name="Technical")
    users = {}
    for username, state in case["input"]["extra"]["agents"].items():
        availability = "online" if state.startswith("online") else "offline"
        users[username] = django_user_model.objects.create_user(username=username, availability=availability)
        queue.members.add(users[username])
    ticket = TicketFactory(channel=case["input"]["channel"], assignee=users["agent_maria"])  # the previous agent
    MessageFactory(ticket=ticket, body=case["input"]["body"])

    handoff = handoff_create(ticket=ticket, queue_slug=queue.slug, reason="returning chat")

    assert handoff.assigned_to.username in {"agent_li", "agent_omar"}
    ticket.refresh_from_db()
    assert ticket.assignee == handoff.assigned_to
