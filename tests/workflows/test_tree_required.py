"""A workflow version's required information (``WorkflowVersion.required_fields``): the executor asks for what is
missing before it answers, keeps the waiting state on the ticket, resumes on the customer's reply, and escalates
after the asks run out; fields given up front or collected by a need_info node satisfy it."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.services.triage import ticket_triage
from apps.workflows.services.versions import (
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_publish,
    workflow_version_update,
)
from apps.workflows.tree.executor import STATE_KEY, tree_run
from apps.workflows.tree.required import FIELD_CATALOGUE, required_fields_validate, required_specs
from tests.factories import CategoryFactory, MessageFactory, OrganizationFactory, QueueFactory, TicketFactory
from tests.workflows.test_engine_pipeline import CLF
from tests.workflows.test_tree_nodes import ORDER, ctx_of

ANSWER_TREE = {
    "start": "route",
    "fallback": "human",
    "nodes": [
        {"id": "route", "type": "branch", "default": "answer", "rules": [
            {"when": {"field": "text", "op": "keywords", "value": ["lawyer"]}, "next": "human"}]},
        {"id": "answer", "type": "answer", "knowledge": False,
         "template": "Order {field_order_id} ships within two working days."},
        {"id": "human", "type": "escalate", "queue": "support", "reason": "needs a person"},
    ],
}  # fmt: skip


def run(*bodies, state=None, required=("order_id",), tree=ANSWER_TREE):
    return tree_run(tree, ctx_of(*bodies), category_slug="orders", version=4, state=state, required_fields=required)


def test_a_missing_required_field_is_asked_for_before_the_answer():
    out = run("When does my order ship?")
    assert out.kind == "ask" and out.missing == ["order_id"] and "order number" in out.prompt
    assert out.state == {"version": 4, "category": "orders", "node": "route", "gate": "required", "fields": {},
                         "asks": 1, "confidence": None}  # fmt: skip
    assert out.path[-1] == {"node": "answer", "type": "answer", "required": ["order_id"], "missing": ["order_id"]}
    assert run("When does my order ship?", required=()).kind == "answer"  # without required information: answers


def test_the_reply_resumes_and_the_field_satisfies_it():
    first = run("When does my order ship?")
    out = run("When does my order ship?", "It is order #A12345, thanks", state=first.state)
    assert out.kind == "answer" and out.fields == {"order_id": "A12345"} and out.state is None
    assert out.resumed_from == "route" and [p["node"] for p in out.path] == ["route", "answer"]


def test_a_field_given_up_front_or_collected_by_a_need_info_node_satisfies_it():
    assert run("Order number: 77812 has not shipped").kind == "answer"
    assert run("My order ORD-55501 has not shipped").fields == {"order_id": "ORD-55501"}
    tree = {**ANSWER_TREE, "start": "ask", "nodes": [
        {"id": "ask", "type": "need_info", "fields": [ORDER], "next": "route"}, *ANSWER_TREE["nodes"]]}  # fmt: skip
    out = run("Where is ORD-48213?", tree=tree)
    assert out.kind == "answer" and out.fields == {"order_id": "48213"}  # the node's own pattern, counted once
    asked = run("Where is my parcel?", tree=tree)
    assert asked.kind == "ask" and asked.node["id"] == "ask" and "gate" not in asked.state  # the node asks first


def test_escalations_do_not_wait_for_required_information():
    out = run("My lawyer will call you")
    assert out.kind == "escalate" and out.queue == "support"


def test_after_the_asks_run_out_the_walk_escalates():
    first = run("When does my order ship?")
    second = run("When does my order ship?", "I do not have it", state=first.state)
    assert second.kind == "ask" and second.state["asks"] == 2
    third = run("When does my order ship?", "I do not have it", "still no", state=second.state)
    assert third.kind == "escalate" and third.node["id"] == "human"
    assert "still missing required order_id after 2 asks" in third.reason


def test_names_resolve_against_the_tree_then_the_catalogue_and_are_validated():
    tree = {**ANSWER_TREE, "nodes": [*ANSWER_TREE["nodes"], {"id": "ask", "type": "need_info", "next": "answer",
                                                             "fields": [ORDER]}]}  # fmt: skip
    specs = required_specs(["order_id", "email", "email"], tree)
    assert [s["name"] for s in specs] == ["order_id", "email"]
    assert specs[0]["patterns"] == ORDER["patterns"] and specs[1]["patterns"] == FIELD_CATALOGUE["email"]["patterns"]
    assert required_fields_validate(["order_id", "invoice_id"], ANSWER_TREE) == []
    assert "not a field of a need_info node" in required_fields_validate(["shoe_size"], ANSWER_TREE)[0]
    assert "letters, digits" in required_fields_validate(["order id"], ANSWER_TREE)[0]
    custom = [{"name": "shoe_size", "label": "shoe size", "patterns": [r"\bsize (\d\d)\b"]}]
    assert required_fields_validate(custom, ANSWER_TREE) == []
    assert run("I need size 42 boots", required=custom).fields == {"shoe_size": "42"}
    assert "bad pattern" in required_fields_validate([{"name": "x", "patterns": ["("]}], ANSWER_TREE)[0]


@pytest.mark.django_db
def test_the_version_service_refuses_unknown_required_fields(lead_user):
    category = CategoryFactory(slug="orders", name="Orders")
    draft = workflow_version_create_draft(workflow=workflow_for_category(category=category), user=lead_user)
    with pytest.raises(ValidationError, match="shoe_size"):
        workflow_version_update(version=draft, user=lead_user, required_fields=["shoe_size"])
    draft.refresh_from_db()
    assert draft.required_fields == []
    workflow_version_update(version=draft, user=lead_user, required_fields=["order_id"])
    draft.refresh_from_db()
    assert draft.required_fields == ["order_id"]


@pytest.mark.django_db
def test_triage_asks_keeps_the_state_on_the_ticket_and_answers_after_the_reply(lead_user):
    category = CategoryFactory(
        slug="orders", name="Orders", rollout_state=RolloutState.AUTO, auto_threshold=0.9, draft_threshold=0.5,
        default_queue=QueueFactory(slug="support"),
    )  # fmt: skip
    draft = workflow_version_create_draft(workflow=workflow_for_category(category=category), user=lead_user)
    workflow_version_update(
        version=draft, user=lead_user, tree=ANSWER_TREE, required_fields=["order_id"],
        thresholds={"auto": 0.9, "draft": 0.5},
    )  # fmt: skip
    version = workflow_version_publish(version=draft, user=lead_user, classifier=CLF)
    org = OrganizationFactory(name="Parcel Co")
    ticket = TicketFactory(subject="", organization=org, contact__organization=org, contact__name="Ada Lovelace")
    MessageFactory(ticket=ticket, body="[orders@0.97] When does my order ship?", author_kind=AuthorKind.CUSTOMER)

    first = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    ticket.refresh_from_db()
    assert first.sent and "order number" in first.reply_text and first.trace["why"] == "need_info"
    assert ticket.status != TicketStatus.RESOLVED
    state = ticket.metadata[STATE_KEY]
    assert (state["gate"], state["node"], state["version"], state["asks"]) == ("required", "route", version.number, 1)

    MessageFactory(ticket=ticket, body="[unknown@0.2] Sure: order 99120", author_kind=AuthorKind.CUSTOMER)
    second = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    ticket.refresh_from_db()
    tree = next(s for s in second.trace["steps"] if s["step"] == "tree")
    assert second.category == category and tree["resumed_from"] == "route" and tree["fields"] == {"order_id": "99120"}
    assert second.outcome == Outcome.RESOLVE and second.sent and "Order 99120 ships" in second.reply_text
    assert ticket.status == TicketStatus.RESOLVED and STATE_KEY not in ticket.metadata


@pytest.mark.django_db
def test_the_backtest_counts_a_question_by_its_thresholds_not_as_a_resolution(lead_user):
    from datetime import timedelta

    from django.utils import timezone

    from apps.workflows.services.backtest import backtest_replay
    from tests.workflows.test_studio_backtest import KeywordClassifier

    category = CategoryFactory(slug="how-to", name="How-to", auto_threshold=0.9, draft_threshold=0.6)
    draft = workflow_version_create_draft(workflow=workflow_for_category(category=category), user=lead_user)
    workflow_version_update(version=draft, user=lead_user, tree=ANSWER_TREE, required_fields=["order_id"])
    workflow_version_publish(version=draft, user=lead_user, classifier=KeywordClassifier())
    for n, confidence in enumerate((0.95, 0.7, 0.4)):
        created = timezone.now() - timedelta(days=3, minutes=n)
        ticket = TicketFactory(subject="", labelled_category=category, created_at=created)
        MessageFactory(ticket=ticket, body=f"[how-to@{confidence}] When does my order ship?", created_at=created)
    replay = backtest_replay(limit=10, classifier=KeywordClassifier(), use_cache=False)
    assert all(r.asks and r.fixed == "" for r in replay.rows)
    f = replay.figures("how-to", auto=0.9, draft=0.6)
    assert (f["auto"], f["draft"], f["escalate"], f["asked"]) == (1, 1, 1, 2)  # not three "resolutions"


def test_required_information_needs_a_tree_to_ask_from():
    assert "give the version a tree" in required_fields_validate(["order_id"], {})[0]
    assert required_fields_validate([], {}) == []
