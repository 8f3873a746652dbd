"""Follow-up turns (``apps.workflows.engine.followup``): the turn is decided on what the customer asks now.

A new-user tester saw "thanks, and can I change my email too?" drafted with the password-reset answer again (the
classifier reads the whole conversation, 0.99 password-reset), and a how-to ticket keep its category after the
customer's follow-up about a refund escalated it to billing.
"""

from __future__ import annotations

import re

import pytest

from apps.tickets.choices import AuthorKind, Channel
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus, Outcome, RolloutState
from apps.workflows.engine.followup import repeats_earlier_reply, trigger_category, turn_category
from apps.workflows.models import Draft
from apps.workflows.services.triage import ticket_triage
from tests.factories import CategoryFactory, MessageFactory, OrganizationFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db
_TAG = re.compile(r"\[([\w/\-]+)@([\d.]+)\]")
PASSWORD_ANSWER = (
    "You can set a new password on the sign-in page: choose Forgot password, enter the email address you sign in "
    "with and use the link we send within 60 minutes."
)


class StrongestTagClassifier:
    """``"[slug@0.97] text"`` → ``slug`` at 0.97; with several tags the most confident wins, like a classifier
    reading the whole conversation, where the clear first question outweighs a vague follow-up; the other tags
    are runner-ups. Untagged text → ``unknown`` at 0.1, out of scope."""

    model_name = "strongest-tag-test"

    def predict(self, texts, runner_ups=3):
        from apps.workflows.classifier.types import Prediction

        out = []
        for text in texts:
            tags = sorted(((float(p), s) for s, p in _TAG.findall(text)), reverse=True)
            if not tags:
                out.append(Prediction(category="unknown", confidence=0.1, out_of_scope=True))
                continue
            (p, slug), rest = tags[0], tags[1:]
            ups = [(s, q) for q, s in rest if s != slug][:runner_ups]
            out.append(Prediction(category=slug, confidence=p, runner_ups=ups, out_of_scope=p < 0.5))
        return out


CLF = StrongestTagClassifier()


@pytest.fixture
def categories():
    support, billing, admin = (QueueFactory(slug=s) for s in ("support", "billing", "account-admin"))
    made = {}
    for slug, queue in [("password", support), ("how-to", support), ("cancellation", admin), ("refunds", billing)]:
        made[slug] = CategoryFactory(
            slug=slug, name=slug.title(), rollout_state=RolloutState.AUTO, auto_threshold=0.85, draft_threshold=0.55,
            reply_template=PASSWORD_ANSWER if slug == "password" else f"Here is how {slug} works: see the guide.",
            default_queue=queue,
        )  # fmt: skip
    return made


def chat(body):
    org = OrganizationFactory(tier="pro", name=f"Org {body[:10]}")
    ticket = TicketFactory(subject="", channel=Channel.CHAT, organization=org, contact__organization=org)
    MessageFactory(ticket=ticket, body=body, author_kind=AuthorKind.CUSTOMER)
    return ticket


def steps(decision) -> dict[str, dict]:
    return {s["step"]: s for s in decision.trace["steps"]}


def test_an_unsure_follow_up_is_not_answered_with_the_first_questions_answer(categories):
    ticket = chat("[password@0.99] How do I reset my password? I forgot it.")
    first = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    assert first.outcome == Outcome.RESOLVE and PASSWORD_ANSWER in first.reply_text

    MessageFactory(
        ticket=ticket, body="thanks, and can I change my email too? [password@0.41]", author_kind="customer"
    )
    second = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    turn = steps(second)["turn"]
    assert (turn["conversation_category"], turn["conversation_confidence"]) == ("password", 0.99)
    assert (turn["latest_category"], turn["latest_confidence"]) == ("password", 0.41)
    assert turn["used"] == "conversation, capped by the latest message"
    assert second.confidence == pytest.approx(0.41)
    assert second.outcome == Outcome.ESCALATE and not second.sent
    assert not Draft.objects.filter(decision=second).exists()
    assert Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).count() == 1  # nothing said twice


def test_a_follow_up_whose_reply_would_repeat_the_earlier_answer_goes_to_a_person(categories):
    ticket = chat("[password@0.99] How do I reset my password? I forgot it.")
    ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    MessageFactory(ticket=ticket, body="[password@0.95] it still asks me for a password", author_kind="customer")
    second = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    assert second.outcome == Outcome.ESCALATE and second.trace["why"] == "repeat_answer"
    assert "repeat an earlier answer" in second.reason
    assert Message.objects.filter(ticket=ticket, author_kind=AuthorKind.AI).count() == 1
    assert not Draft.objects.filter(ticket=ticket, status=DraftStatus.PENDING).exists()


def test_a_confident_topic_change_moves_the_tickets_category_and_keeps_the_label(categories):
    ticket = chat("[how-to@0.95] How do I export my reports to CSV?")
    ticket.labelled_category = categories["how-to"]
    ticket.save(update_fields=["labelled_category"])
    ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    MessageFactory(ticket=ticket, body="[cancellation@0.93] Too complicated, cancel my plan", author_kind="customer")
    second = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    ticket.refresh_from_db()
    assert second.category == categories["cancellation"] and second.confidence == pytest.approx(0.93)
    assert steps(second)["turn"]["used"] == "latest (topic change)"
    assert steps(second)["category_change"] | {"ms": 0} == {
        "step": "category_change", "ms": 0, "from": "how-to", "to": "cancellation", "by": "classifier",
    }  # fmt: skip
    assert ticket.category == categories["cancellation"]
    assert ticket.labelled_category == categories["how-to"]  # the human label is not the AI's to change


def test_a_follow_up_escalated_by_a_topic_trigger_moves_the_category_to_that_queues_category(categories):
    from apps.escalation.triggers import trigger_rules_ensure_defaults

    trigger_rules_ensure_defaults()  # the default rules (a flushed test database may have lost the migration's rows)
    ticket = chat("[how-to@0.95] How do I export my reports to CSV?")
    ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    MessageFactory(
        ticket=ticket, body="[how-to@0.30] [refunds@0.20] I want a refund for last month", author_kind="customer"
    )
    second = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
    ticket.refresh_from_db()
    hit_queues = [h.get("queue") for h in second.triggers]
    assert "billing" in hit_queues, second.triggers  # the default "refund" trigger routes to billing
    assert second.outcome == Outcome.ESCALATE
    assert steps(second)["category_trigger"]["category"] == "refunds"
    assert steps(second)["category_change"]["by"] == "trigger"
    assert second.category == categories["refunds"] and ticket.category == categories["refunds"]


def test_turn_category_rules():
    class P:
        def __init__(self, category, confidence, runner_ups=(), out_of_scope=False):
            self.category, self.confidence = category, confidence
            self.runner_ups, self.out_of_scope = list(runner_ups), out_of_scope

    class C:
        draft_threshold = 0.6

    cats = {"a": C(), "b": C()}
    assert turn_category(slug="a", confidence=0.9, latest=None, categories=cats)[:2] == ("a", 0.9)
    assert turn_category(slug="a", confidence=0.9, latest=P("b", 0.8), categories=cats)[:2] == ("b", 0.8)
    # not confident enough, or out of scope: the conversation's category, capped by the latest message
    assert turn_category(slug="a", confidence=0.9, latest=P("b", 0.5, [("a", 0.3)]), categories=cats)[:2] == ("a", 0.3)
    assert turn_category(slug="a", confidence=0.9, latest=P("b", 0.7, out_of_scope=True), categories=cats)[1] == 0.0
    assert turn_category(slug="a", confidence=0.7, latest=P("a", 0.95), categories=cats)[:2] == ("a", 0.7)


def test_repeat_detection_and_trigger_category_edges(categories):
    earlier = [{"author": "ai", "body": PASSWORD_ANSWER}, {"author": "customer", "body": "ok"}]
    assert repeats_earlier_reply("  " + PASSWORD_ANSWER.upper() + " ", earlier)
    assert not repeats_earlier_reply("To change your email, open Settings → Profile and edit the address.", earlier)
    assert not repeats_earlier_reply("Thanks!", earlier)
    how_to, refunds = categories["how-to"], categories["refunds"]
    cats = {c.slug: c for c in categories.values()}
    assert trigger_category(queue="support", category=how_to, scores=[], categories=cats) is None  # its own queue
    assert trigger_category(queue="billing", category=how_to, scores=[], categories=cats) == refunds  # only one
    assert trigger_category(queue="nowhere", category=how_to, scores=[], categories=cats) is None
