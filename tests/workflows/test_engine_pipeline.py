"""The engine with a published workflow: thresholds and tree from the version, need_info across two customer
messages, lookups (the real local CRM backend), tree escalations, rollout off/shadow/assist/auto, the control
group, the guard before and after composing, grounding and knowledge gaps, channel profiles, the bulk path."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.escalation.models import Handoff
from apps.escalation.triggers import TriggerSet
from apps.integrations.llm.offline import OfflineComposer
from apps.tickets.choices import AuthorKind, Channel, TicketStatus
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus, Outcome, RolloutState
from apps.workflows.engine import Batch, context_build, triage_plan
from apps.workflows.models import Decision, Draft, Workflow, WorkflowVersion
from apps.workflows.services.triage import ticket_triage, tickets_triage_bulk
from apps.workflows.tree.executor import STATE_KEY
from tests.factories import CategoryFactory, MessageFactory, OrganizationFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db
_TAG = re.compile(r"\[([\w/\-]+)@([\d.]+)\]")


class TagClassifier:
    """``"[slug@0.97] text"`` → ``slug`` at 0.97 (the newest tag in the text wins); untagged text → ``unknown``."""

    model_name = "tag-test"

    def predict(self, texts, runner_ups=3):
        from apps.workflows.classifier.types import Prediction

        out = []
        for text in texts:
            tags = _TAG.findall(text)
            slug, p = tags[-1] if tags else ("unknown", "0.1")
            out.append(Prediction(category=slug, confidence=float(p)))
        return out


CLF = TagClassifier()
ORDER_TREE = {
    "start": "ask",
    "fallback": "human",
    "nodes": [
        {"id": "ask", "type": "need_info", "next": "account",
         "fields": [{"name": "order_id", "label": "order number", "patterns": [r"\bORD-?(\d{5})\b"]}]},
        {"id": "account", "type": "lookup", "lookup": "crm.account", "next": "status"},
        {"id": "status", "type": "branch", "default": "answer",
         "rules": [{"when": {"field": "fact:crm.account.account.status", "op": "eq", "value": "churned"},
                    "next": "human"}]},
        {"id": "answer", "type": "answer", "knowledge": False,
         "template": "Hi {first_name}, order {field_order_id} left our warehouse yesterday and arrives within "
                     "two working days. You can follow it under Orders → Tracking."},
        {"id": "human", "type": "escalate", "queue": "senior", "priority": "high", "reason": "churned account"},
    ],
}  # fmt: skip


@pytest.fixture
def orders():
    QueueFactory(slug="senior")
    category = CategoryFactory(
        slug="orders",
        name="Orders",
        rollout_state=RolloutState.AUTO,
        auto_threshold=0.9,
        draft_threshold=0.5,
        reply_template="Hi {first_name}, thanks for writing.",
        default_queue=QueueFactory(slug="support"),
    )
    return category


def publish(category, tree=ORDER_TREE, thresholds=None, profiles=None, number=1):
    workflow, _ = Workflow.objects.get_or_create(category=category, defaults={"name": category.name})
    WorkflowVersion.objects.filter(workflow=workflow, status="published").update(status="archived")
    return WorkflowVersion.objects.create(
        workflow=workflow, number=number, status="published", tree=tree, profiles=profiles or {},
        thresholds=thresholds or {"auto": category.auto_threshold, "draft": category.draft_threshold},
    )  # fmt: skip


def ticket_with(body, *, channel=Channel.EMAIL, status="active", tier="pro"):
    org = OrganizationFactory(tier=tier, account_status=status, name=f"Org {body[:8]}")
    ticket = TicketFactory(
        subject="", channel=channel, organization=org, contact__organization=org, contact__name="Ada Lovelace"
    )
    MessageFactory(ticket=ticket, body=body, author_kind=AuthorKind.CUSTOMER)
    return ticket


def steps(decision) -> dict[str, dict]:
    return {s["step"]: s for s in decision.trace["steps"]}


def ai_bodies(ticket) -> list[str]:
    return list(Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).values_list("body", flat=True))


def test_need_info_asks_then_resumes_with_the_follow_up_and_answers(orders):
    publish(orders)
    ticket = ticket_with("[orders@0.97] Where is my parcel? It should have arrived.")

    first = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    ticket.refresh_from_db()
    assert (first.outcome, first.sent) == (Outcome.RESOLVE, True)
    assert "order number" in first.reply_text and ai_bodies(ticket) == [first.reply_text]
    assert ticket.status != TicketStatus.RESOLVED  # asking is not resolving
    assert ticket.metadata[STATE_KEY] | {"decision": 0} == {
        "version": 1, "category": "orders", "node": "ask", "fields": {}, "asks": 1, "confidence": 0.97, "decision": 0,
    }  # fmt: skip
    assert steps(first)["tree"]["kind"] == "ask" and steps(first)["tree"]["missing"] == ["order_id"]
    assert first.trace["why"] == "need_info"

    # the follow-up carries no category signal of its own: the waiting workflow continues
    MessageFactory(ticket=ticket, body="[unknown@0.2] Sure, it is ORD-48213", author_kind=AuthorKind.CUSTOMER)
    second = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    ticket.refresh_from_db()
    tree = steps(second)["tree"]
    assert second.turn == 2 and second.category == orders and second.confidence == 0.97
    assert steps(second)["resume"]["node"] == "ask" and tree["resumed_from"] == "ask"
    assert [p["node"] for p in tree["path"]] == ["ask", "account", "status", "answer"]
    assert tree["fields"] == {"order_id": "48213"} and tree["lookups"][0]["ok"] is True
    assert tree["facts"]["crm.account.account.status"] == "active"  # the looked-up values behind the branch
    assert second.outcome == Outcome.RESOLVE and second.sent and "order 48213 left our warehouse" in second.reply_text
    assert ticket.status == TicketStatus.RESOLVED and STATE_KEY not in ticket.metadata


def test_a_looked_up_value_routes_to_the_trees_escalation(orders):
    publish(orders)
    ticket = ticket_with("[orders@0.97] Where is ORD-12345?", status="churned")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    handoff = Handoff.objects.get(ticket=ticket)
    assert decision.outcome == Outcome.ESCALATE and not decision.sent and ai_bodies(ticket) == []
    assert decision.reason == "workflow: churned account" and handoff.queue.slug == "senior"
    assert handoff.priority == "high"
    assert [p["node"] for p in steps(decision)["tree"]["path"]] == ["ask", "account", "status", "human"]


def test_the_published_versions_thresholds_win_over_the_categorys(orders):
    publish(orders, thresholds={"auto": 0.99, "draft": 0.5})
    decision = ticket_triage(ticket_id=ticket_with("[orders@0.97] Where is ORD-12345?").pk, classifier=CLF)
    assert decision.outcome == Outcome.DRAFT and steps(decision)["gate"]["thresholds"]["version"] == 1
    assert Draft.objects.get(decision=decision).status == DraftStatus.PENDING


@pytest.mark.parametrize(
    ("state", "outcome", "sent", "draft", "handoff", "tree_ran"),
    [
        (RolloutState.OFF, Outcome.ESCALATE, False, False, True, False),
        (RolloutState.SHADOW, Outcome.RESOLVE, False, False, True, True),
        (RolloutState.ASSIST, Outcome.DRAFT, False, True, False, True),
        (RolloutState.AUTO, Outcome.RESOLVE, True, False, False, True),
    ],
)
def test_rollout_states_with_a_tree(orders, state, outcome, sent, draft, handoff, tree_ran):
    orders.rollout_state = state
    orders.save()
    publish(orders)
    ticket = ticket_with("[orders@0.97] Where is ORD-12345?")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    assert (decision.outcome, decision.sent) == (outcome, sent)
    assert Draft.objects.filter(decision=decision).exists() is draft
    assert Handoff.objects.filter(ticket=ticket).exists() is handoff
    assert ("tree" in steps(decision)) is tree_ran
    assert len(ai_bodies(ticket)) == (1 if sent else 0)
    if tree_ran:
        assert "order 12345" in decision.reply_text


def test_the_control_group_goes_to_humans_like_rollout_off(orders):
    orders.control_share = 1.0
    orders.save()
    publish(orders)
    ticket = ticket_with("[orders@0.97] Where is ORD-12345?")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    gate = steps(decision)["gate"]
    assert decision.outcome == Outcome.ESCALATE and not decision.sent and "tree" not in steps(decision)
    assert gate["control"] is True and decision.reason == "control group (humans only)"
    assert decision.trace["why"] == "control" and Handoff.objects.filter(ticket=ticket).exists()


def test_a_restricted_request_escalates_before_composing(orders):
    publish(orders)
    ticket = ticket_with("[orders@0.97] Order ORD-12345 never came. I want a refund of my money now.")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    assert decision.outcome == Outcome.ESCALATE and not decision.sent and "tree" not in steps(decision)
    assert any("refund" in t["name"] for t in decision.triggers)
    assert steps(decision)["guard_request"]["flags"] and ai_bodies(ticket) == []


def test_a_reply_that_promises_a_refund_is_never_sent(orders):
    promise = {
        "id": "answer",
        "type": "answer",
        "knowledge": False,
        "template": "Sorry {first_name}! We will refund the full amount of order {field_order_id} today.",
    }
    tree = {**ORDER_TREE, "nodes": [*ORDER_TREE["nodes"][:3], promise, ORDER_TREE["nodes"][4]]}  # fmt: skip
    publish(orders, tree=tree)
    ticket = ticket_with("[orders@0.97] Where is ORD-12345?")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    assert decision.outcome == Outcome.ESCALATE and not decision.sent and ai_bodies(ticket) == []
    assert decision.trace["why"] == "reply_violation" and steps(decision)["guard_reply"]["violations"]
    assert any(t["kind"] == "commitment" for t in decision.triggers)


def test_chat_and_email_replies_differ_for_the_same_answer(orders):
    publish(orders)
    email = ticket_triage(ticket_id=ticket_with("[orders@0.97] Where is ORD-12345?").pk, classifier=CLF)
    chat = ticket_triage(
        ticket_id=ticket_with("[orders@0.97] Where is ORD-12345?", channel=Channel.CHAT).pk, classifier=CLF
    )
    assert email.sent and chat.sent and email.reply_text != chat.reply_text
    assert email.reply_text.startswith("Dear Ada,") and "Kind regards," in email.reply_text
    assert chat.reply_text.startswith("Order 12345 left") and "regards" not in chat.reply_text.lower()
    assert len(chat.reply_text) < len(email.reply_text)


def test_bug_category_files_a_bug_report_through_the_action_node(orders):
    tree = {"start": "bug", "fallback": "human", "nodes": [
        {"id": "bug", "type": "action", "action": "bug_report", "summary": "Tracking page broken", "next": "answer"},
        {"id": "answer", "type": "answer", "knowledge": False, "template": "Thanks, we logged it for our engineers."},
        {"id": "human", "type": "escalate", "queue": "support"}]}  # fmt: skip
    publish(orders, tree=tree)
    first = ticket_triage(ticket_id=ticket_with("[orders@0.97] Tracking page shows a blank screen").pk, classifier=CLF)
    second = ticket_triage(ticket_id=ticket_with("[orders@0.97] Tracking page is empty for me").pk, classifier=CLF)
    (one,) = steps(first)["actions"]["results"]
    (two,) = steps(second)["actions"]["results"]
    assert one["action"] == "bug_report" and one["signature"].startswith("orders:symptom:")  # from the report
    assert one["signature"] == two["signature"]  # "tracking page blank" and "tracking page empty": the same bug
    assert one["ok"] and two["ok"], (one, two)
    # a filed bug is not a solved problem: the reply waits for an agent (F27), the issue is filed at once
    assert (first.outcome, second.outcome) == (Outcome.DRAFT, Outcome.DRAFT) and not (first.sent or second.sent)
    assert "we logged it" in first.reply_text
    assert one["key"] == two["key"] and (one["created"], two["created"]) == (True, False)  # one issue, two tickets


def test_a_failed_bug_report_escalates_instead_of_claiming_it_was_logged(orders, monkeypatch):
    from apps.integrations import trackers

    def refuse(**kwargs):
        return trackers.TrackerLink(ok=False, issue_id=None, key="", url="", source="jira", error="HTTP 503")

    monkeypatch.setattr(trackers, "bug_report", refuse)
    tree = {"start": "bug", "fallback": "human", "nodes": [
        {"id": "bug", "type": "action", "action": "bug_report", "next": "answer"},
        {"id": "answer", "type": "answer", "knowledge": False, "template": "Thanks, we logged it."},
        {"id": "human", "type": "escalate", "queue": "support"}]}  # fmt: skip
    publish(orders, tree=tree)
    ticket = ticket_with("[orders@0.97] The tracking page shows a blank screen")
    decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    assert decision.outcome == Outcome.ESCALATE and not decision.sent and ai_bodies(ticket) == []
    assert decision.reason == "bug_report failed: HTTP 503" and decision.trace["why"] == "action_failed"
    assert Handoff.objects.get(ticket=ticket).queue.slug == "support"


def _plan(category, text, *, retrieve, node):
    tree = {"start": "answer", "fallback": "human",
            "nodes": [node, {"id": "human", "type": "escalate", "queue": "support"}]}  # fmt: skip
    batch = Batch(classifier=CLF, categories={category.slug: category}, triggers=TriggerSet([]),
                  llm=OfflineComposer(), trees={category.slug: tree}, retrieve=retrieve)  # fmt: skip
    ticket = ticket_with(text)
    ctx = context_build(ticket, list(ticket.messages.all()))
    return triage_plan(batch, [ctx])[0]


def test_an_ungrounded_answer_becomes_a_draft_and_a_knowledge_gap(orders):
    plan = _plan(orders, "[orders@0.97] How do I export orders?", retrieve=lambda ctx, c: ([], 0.21),
                 node={"id": "answer", "type": "answer"})  # fmt: skip
    assert plan.outcome == Outcome.DRAFT and plan.effect == "draft" and "not grounded" in plan.reason
    assert plan.gap == ("[orders@0.97] How do I export orders?", 0.21)
    escalated = _plan(orders, "[orders@0.97] How do I export orders?", retrieve=lambda ctx, c: ([], 0.21),
                      node={"id": "answer", "type": "answer", "on_ungrounded": "escalate"})  # fmt: skip
    assert escalated.outcome == Outcome.ESCALATE and escalated.why == "ungrounded" and escalated.effect == "handoff"


def test_a_grounded_answer_is_sent_and_cites_the_passage(orders):
    from apps.integrations.llm.base import Passage

    passage = Passage(
        "KB-9", "Export orders", "Open Orders. Click Export and choose CSV.", "https://help.tallyflow.example/x"
    )
    plan = _plan(orders, "[orders@0.97] How do I export orders?", retrieve=lambda ctx, c: ([passage], 0.8),
                 node={"id": "answer", "type": "answer"})  # fmt: skip
    assert plan.outcome == Outcome.RESOLVE and plan.effect == "send" and plan.gap is None
    assert plan.reply.citations == ["KB-9"] and "Click Export and choose CSV." in plan.reply.text


def test_bulk_without_trees_makes_no_per_ticket_queries(orders):
    def run(n):
        ids = [ticket_with(f"[orders@0.{60 + i}] question {i} {n}").pk for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            result = tickets_triage_bulk(ticket_ids=ids, classifier=CLF)
        assert len(result.decisions) == n
        return len(queries)

    assert run(3) == run(12)


def test_bulk_with_a_tree_records_asks_and_answers(orders):
    publish(orders)
    ids = [ticket_with("[orders@0.97] Where is my parcel?").pk, ticket_with("[orders@0.97] Where is ORD-12345?").pk]
    result = tickets_triage_bulk(ticket_ids=ids, classifier=CLF)
    by_ticket = {d.ticket_id: d for d in result.decisions}
    assert all(d.sent for d in by_ticket.values())
    asked, answered = (Decision.objects.get(pk=by_ticket[i].pk).ticket for i in ids)
    assert asked.metadata[STATE_KEY]["node"] == "ask" and asked.status != TicketStatus.RESOLVED
    assert STATE_KEY not in answered.metadata and answered.status == TicketStatus.RESOLVED


@pytest.fixture
def export_article(db):
    from apps.knowledge.choices import DocumentFormat, SourceKind, Visibility
    from apps.knowledge.ingestion import ParsedDocument, Section
    from apps.knowledge.services import document_ingest, source_get_or_create

    source = source_get_or_create(name="Help center", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC)[0]
    body = "Open Orders, click Export and choose CSV. The file arrives by email within a few minutes."
    document_ingest(
        source=source,
        document=ParsedDocument(
            external_id="export-orders", title="How do I export my orders to CSV?", format=DocumentFormat.QA,
            question="How do I export my orders to CSV?", sections=[Section((), body)],
            url="https://help.tallyflow.example/export",
        ),
    )  # fmt: skip


def test_knowledge_grounds_answers_and_unanswerable_questions_become_gaps(orders, export_article):
    from apps.knowledge.models import KnowledgeGap

    tree = {"start": "answer", "fallback": "human", "nodes": [
        {"id": "answer", "type": "answer", "template": "Hi {first_name}, here is how."},
        {"id": "human", "type": "escalate", "queue": "support"}]}  # fmt: skip
    publish(orders, tree=tree)
    grounded = ticket_triage(
        ticket_id=ticket_with("[orders@0.97] How do I export my orders to CSV?").pk, classifier=CLF
    )
    assert (
        grounded.outcome == Outcome.RESOLVE and grounded.sent and "click Export and choose CSV" in grounded.reply_text
    )
    assert steps(grounded)["compose"]["grounded"] is True and not KnowledgeGap.objects.exists()

    question = "[orders@0.97] Can I pay my invoices with Bitcoin or other crypto currencies?"
    ungrounded = ticket_triage(ticket_id=ticket_with(question).pk, classifier=CLF)
    assert ungrounded.outcome == Outcome.DRAFT and not ungrounded.sent and "not grounded" in ungrounded.reason
    assert steps(ungrounded)["compose"]["grounded"] is False
    gap = KnowledgeGap.objects.get()
    assert gap.example_tickets.get() == ungrounded.ticket and "Bitcoin" in gap.question
