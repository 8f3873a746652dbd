"""Each node type of the decision tree, branch conditions and channel profiles, on unsaved tickets (no database):
need_info extraction and its resume state, lookups (ok, failed, required/optional), branches on every context
field and on looked-up facts, bug-report actions, escalations, fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.integrations.llm.base import Passage
from apps.integrations.lookups import LookupResult
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.workflows.engine.context import context_build
from apps.workflows.tree.conditions import condition_holds, view_from_context
from apps.workflows.tree.executor import tree_run
from apps.workflows.tree.profiles import AnswerParts, answer_render, profile_for

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ctx_of(*bodies, channel="email", tier="pro", segment="smb", subject="Help", page_url="", page_title="", area=""):
    org = Organization(name="Acme", tier=tier, segment=segment)
    ticket = Ticket(
        pk=7, source="test", external_id="t7", channel=channel, subject=subject, organization=org,
        contact=Contact(name="Ada Lovelace", organization=org), page_url=page_url, page_title=page_title,
        page_context={"product_area": area} if area else {}, metadata={},
    )  # fmt: skip
    messages = [Message(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body=b, created_at=NOW) for b in bodies]
    return context_build(ticket, messages)


ORDER = {"name": "order_id", "label": "order number", "patterns": [r"\bORD-?(\d{5})\b"]}
HUMAN = {"id": "human", "type": "escalate", "queue": "billing", "priority": "high", "reason": "billing person"}


def billing_tree(**lookup):
    return {
        "start": "ask",
        "fallback": "human",
        "nodes": [
            {"id": "ask", "type": "need_info", "fields": [ORDER], "next": "charges", "max_asks": 2},
            {"id": "charges", "type": "lookup", "lookup": "billing.summary", "next": "shape", **lookup},
            {
                "id": "shape",
                "type": "branch",
                "rules": [
                    {
                        "when": {
                            "field": "fact:billing.summary.explanation.shape",
                            "op": "eq",
                            "value": "released_hold",
                        },
                        "next": "explain",
                    },
                    {
                        "when": {
                            "field": "fact:billing.summary.explanation.shape",
                            "op": "in",
                            "value": ["duplicate_capture", "refund_reversal"],
                        },
                        "next": "human",
                    },
                ],
                "default": "human",
            },  # fmt: skip
            {"id": "explain", "type": "answer", "use_fact": "billing.summary.explanation.customer_text"},
            HUMAN,
        ],
    }


def summary(shape: str, ok: bool = True):
    calls = []

    def lookup(*, name, ticket, category_slug=""):
        calls.append((name, ticket.pk, category_slug))
        if not ok:
            return LookupResult(name, False, {}, "stripe", "HTTP 503 after 3 tries", 12.0)
        facts = {"explanation": {"shape": shape, "customer_text": "The second line is a hold that was released."}}
        return LookupResult(name, True, facts, "stripe", "", 3.0)

    lookup.calls = calls
    return lookup


def test_need_info_asks_for_the_missing_field_and_keeps_state():
    ctx = ctx_of("I was charged twice this month!")
    out = tree_run(billing_tree(), ctx, category_slug="billing/double-charge", confidence=0.93, version=3,
                   lookup=summary("released_hold"))  # fmt: skip
    assert out.kind == "ask" and out.missing == ["order_id"] and "order number" in out.prompt
    assert out.state == {"version": 3, "category": "billing/double-charge", "node": "ask", "fields": {},
                         "asks": 1, "confidence": 0.93}  # fmt: skip
    assert [p["node"] for p in out.path] == ["ask"]


def test_need_info_resumes_at_its_node_with_the_follow_up_and_continues():
    lookup = summary("released_hold")
    first = tree_run(billing_tree(), ctx_of("charged twice"), category_slug="b", version=1, lookup=lookup)
    ctx = ctx_of("charged twice", "Sure, it is ORD-48213")
    out = tree_run(billing_tree(), ctx, category_slug="b", version=1, state=first.state, lookup=lookup)
    assert out.resumed_from == "ask" and out.fields == {"order_id": "48213"}
    assert [p["node"] for p in out.path] == ["ask", "charges", "shape", "explain"]
    assert out.kind == "answer" and out.node["id"] == "explain" and out.state is None
    assert out.path[2]["rule"] == 0 and lookup.calls == [("billing.summary", 7, "b")]
    assert out.facts["billing.summary.explanation.shape"] == "released_hold"


def test_a_field_given_up_front_is_not_asked_for():
    out = tree_run(billing_tree(), ctx_of("Charged twice for ORD-11111"), category_slug="b", lookup=summary("single"))
    assert out.kind == "escalate" and out.fields == {"order_id": "11111"}  # single → default branch → human


def test_need_info_gives_up_after_max_asks():
    ctx = ctx_of("charged twice", "I don't have it")
    state = {"version": 1, "category": "b", "node": "ask", "fields": {}, "asks": 2}
    out = tree_run(billing_tree(), ctx, category_slug="b", version=1, state=state, lookup=summary("single"))
    assert out.kind == "escalate" and out.queue == "billing" and "still missing order_id after 2 asks" in out.reason


def test_a_failed_required_lookup_escalates_with_the_error():
    out = tree_run(billing_tree(), ctx_of("ORD-12345 charged twice"), category_slug="b", lookup=summary("", ok=False))
    assert out.kind == "escalate" and out.priority == "high"
    assert "lookup billing.summary failed: HTTP 503" in out.reason
    assert out.lookups == [{"name": "billing.summary", "ok": False, "error": "HTTP 503 after 3 tries", "ms": 12.0,
                            "source": "stripe", "keys": 0}]  # fmt: skip


def test_an_optional_lookup_failure_continues():
    doc = billing_tree(required=False)
    out = tree_run(doc, ctx_of("ORD-12345 charged twice"), category_slug="b", lookup=summary("", ok=False))
    assert [p["node"] for p in out.path] == ["ask", "charges", "shape", "human"] and out.path[2]["rule"] == "default"


def test_duplicate_capture_goes_to_a_human():
    out = tree_run(billing_tree(), ctx_of("ORD-12345 twice"), category_slug="b", lookup=summary("duplicate_capture"))
    assert out.kind == "escalate" and out.node["id"] == "human" and out.path[2]["rule"] == 1


def test_action_node_defers_a_bug_report_with_a_stable_signature():
    doc = {
        "start": "bug", "fallback": "human",
        "nodes": [{"id": "bug", "type": "action", "action": "bug_report", "summary": "Export broken", "next": "ok"},
                  {"id": "ok", "type": "answer", "knowledge": False}, HUMAN],
    }  # fmt: skip
    one = tree_run(doc, ctx_of("export fails", area="reports"), category_slug="bug/export")
    two = tree_run(doc, ctx_of("the export crashes", area="reports"), category_slug="bug/export")
    other = tree_run(doc, ctx_of("export fails", area="billing"), category_slug="bug/export")
    assert one.kind == "answer" and one.actions[0]["action"] == "bug_report"
    assert one.actions[0]["summary"] == "Export broken" and one.actions[0]["steps"].endswith("export fails")
    assert one.actions[0]["signature"] == two.actions[0]["signature"] != other.actions[0]["signature"]


def test_a_tree_without_its_node_falls_back_to_escalation():
    doc = {"start": "gone", "fallback": "human", "nodes": [HUMAN]}
    out = tree_run(doc, ctx_of("hello"), category_slug="x")
    assert out.kind == "escalate" and "unknown node 'gone'" in out.reason


def test_a_loop_stops_and_escalates():
    doc = {"start": "a", "fallback": "human", "nodes": [
        {"id": "a", "type": "branch", "rules": [{"when": {"field": "turn", "op": "gte", "value": 1}, "next": "a"}],
         "default": "human"}, HUMAN]}  # fmt: skip
    out = tree_run(doc, ctx_of("hello"), category_slug="x")
    assert out.kind == "escalate" and "longer than" in out.reason and out.queue == "billing"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "tier", "op": "eq", "value": "Enterprise"}, True),
        ({"field": "segment", "op": "in", "value": ["mid-market", "smb"]}, True),
        ({"field": "channel", "op": "ne", "value": "chat"}, True),
        ({"field": "page_url", "op": "contains", "value": "/billing/"}, True),
        ({"field": "page_title", "op": "regex", "value": r"^invoices?\b"}, True),
        ({"field": "product_area", "op": "eq", "value": "billing"}, True),
        ({"field": "text", "op": "keywords", "value": ["refund", "charged"]}, True),
        ({"field": "text", "op": "keywords", "value": ["charge"]}, False),  # whole words only
        ({"field": "text", "op": "regex", "value": r"ORD-\d{5}"}, True),
        ({"field": "subject", "op": "contains", "value": "twice"}, True),
        ({"field": "turn", "op": "gte", "value": 2}, True),
        ({"field": "turn", "op": "gt", "value": 2}, False),
        ({"field": "category", "op": "eq", "value": "billing"}, True),
        ({"field": "confidence", "op": "lt", "value": 0.9}, True),
        ({"field": "fact:crm.account.account.status", "op": "eq", "value": "churned"}, True),
        ({"field": "fact:crm.account.account.owner", "op": "exists", "value": True}, False),
        ({"field": "fact:crm.account.account.owner", "op": "exists", "value": False}, True),
        ({"field": "field:order_id", "op": "regex", "value": r"^\d+$"}, True),
        ({"not": {"field": "tier", "op": "eq", "value": "free"}}, True),
        ({"all": [{"field": "tier", "op": "eq", "value": "enterprise"}, {"field": "turn", "op": "eq", "value": 1}]},
         False),
        ({"any": [{"field": "tier", "op": "eq", "value": "free"}, {"field": "turn", "op": "eq", "value": 2}]}, True),
    ],
)  # fmt: skip
def test_branch_conditions(condition, expected):
    ctx = ctx_of(
        "Hi", "I was charged twice for ORD-12345", tier="enterprise", segment="smb", subject="Charged twice",
        page_url="https://app.tallyflow.example/billing/invoices", page_title="Invoices – Tallyflow", area="billing",
    )  # fmt: skip
    facts = {"crm.account.account.status": "churned"}
    view = view_from_context(ctx, category_slug="billing", confidence=0.8, facts=facts, fields={"order_id": "12345"})
    assert condition_holds(condition, view) is expected


def test_follow_up_branch_on_turn_number():
    doc = {"start": "turn", "fallback": "human", "nodes": [
        {"id": "turn", "type": "branch", "rules": [{"when": {"field": "turn", "op": "gte", "value": 3},
                                                     "next": "human", "label": "third message: a person"}],
         "default": "answer"}, {"id": "answer", "type": "answer"}, HUMAN]}  # fmt: skip
    assert tree_run(doc, ctx_of("a"), category_slug="x").kind == "answer"
    third = tree_run(doc, ctx_of("a", "b", "c"), category_slug="x")
    assert third.kind == "escalate" and third.path[0]["label"] == "third message: a person"


PARTS = AnswerParts(
    body="Hi Ada, you can download every invoice under Billing → Invoices.",
    points=["Your last invoice was issued on 1 March."],
    passages=[
        Passage("KB-1", "Download invoices", "Open Billing. Choose Invoices. Click Download.", "https://help.tallyflow.example/inv"),
        Passage("KB-2", "Invoice addresses", "Change the address under Billing settings. It applies to new invoices."),
    ],
)  # fmt: skip


def test_the_same_answer_differs_between_chat_and_email():
    chat = answer_render(PARTS, profile_for("chat"), first_name="Ada", signature="Tallyflow Support")
    email = answer_render(PARTS, profile_for("email"), first_name="Ada", signature="Tallyflow Support")
    assert chat != email and len(chat) < len(email) and len(chat) <= profile_for("chat").max_chars
    assert not chat.startswith(("Hi", "Dear")) and "Kind regards" not in chat and "\n- " not in chat
    assert chat.count("Download invoices") == 1 and "Invoice addresses" not in chat  # a single suggestion
    assert email.startswith("Dear Ada,") and email.rstrip().endswith("Kind regards,\nTallyflow Support")
    assert "What we found:\n- Your last invoice was issued on 1 March." in email
    assert "More help:\n- Download invoices (https://help.tallyflow.example/inv)\n- Invoice addresses" in email


def test_profile_overrides_from_the_version():
    profile = profile_for("chat", {"chat": {"max_chars": 120, "suggest_articles": 0, "formality": "formal"}})
    text = answer_render(PARTS, profile)
    assert len(text) <= 120 and "This might help" not in text
    casual = profile_for("email", {"email": {"formality": "casual", "max_chars": "lots"}})
    assert casual.max_chars == profile_for("email").max_chars  # a wrongly typed override is ignored
    assert answer_render(PARTS, casual, first_name="Ada", signature="S").startswith("Hi Ada,")


def test_profiles_documents_are_validated():
    from apps.workflows.tree.profiles import profiles_validate

    assert (
        profiles_validate({"chat": {"max_chars": 300, "suggest_articles": 0}, "email": {"formality": "casual"}}) == []
    )
    errors = profiles_validate({"chat": {"max_chars": 5}, "sms": {}, "email": {"formality": "rude"}})
    assert any(e.startswith("/chat/max_chars") for e in errors) and any("'sms'" in e for e in errors)
    assert any(e.startswith("/email/formality") for e in errors)
