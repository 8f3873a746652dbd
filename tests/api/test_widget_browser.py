"""The chat widget in a real browser: the demo pricing page, a question, and the AI's reply or the handoff notice;
the same question on the pricing and the settings page answered from each page's own article, then rated."""

import re

import pytest
from playwright.sync_api import expect

from apps.tickets.models import Ticket

from .conftest import WIDGET_KEY


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_widget_on_the_pricing_page_sends_page_context_and_shows_the_answer(live_server, page, settings):
    settings.WIDGET_PUBLIC_KEY = WIDGET_KEY
    page.goto(live_server.url + "/demo/pricing/")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_label("Your message").fill("How do I change my plan?")
    page.get_by_role("button", name="Send").click()

    answer_or_notice = page.locator(
        "#switchboard-chat .msg.ai, #switchboard-chat .msg.agent, #switchboard-chat .notice"
    )
    expect(answer_or_notice.first).to_be_visible(timeout=20_000)
    expect(page.locator("#switchboard-chat .msg.customer")).to_have_text(["How do I change my plan?"])

    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.channel) == ("chat", "chat")
    assert ticket.page_url == live_server.url + "/demo/pricing/"
    assert ticket.page_title.startswith("Pricing")
    assert ticket.page_context["area"] == "pricing"
    assert ticket.page_context["app_version"] == "4.12.3"

    # Asking for a person always ends with the notice, whatever the AI did (the button is disabled once a
    # person has the conversation, e.g. when triage escalated it).
    human = page.get_by_role("button", name="Talk to a person")
    if human.is_enabled():
        human.click()
    expect(human).to_be_disabled()
    expect(page.locator("#switchboard-chat .notice")).to_have_text(re.compile("person", re.I), timeout=10_000)
    ticket.refresh_from_db()
    assert ticket.status == "escalated"


PLAN_QUESTION = "How do I change my plan?"
PRICING_ANSWER = "On the Pricing page pick the new plan and press Upgrade; the new price applies from today."
SETTINGS_ANSWER = "Open Settings, then Subscription, then Change plan, and confirm with your password."
PLAN_HISTORY = [
    "How do I change my plan?",
    "I want to upgrade to the business plan",
    "Can I switch from monthly to annual billing plan?",
    "How do I downgrade my subscription plan?",
    "Change plan to pro please",
    "Where do I pick a different plan?",
]
LOGIN_HISTORY = [
    "I cannot log in to my account",
    "Password reset email never arrives",
    "Locked out after too many login attempts",
    "Login page says my password is wrong",
    "How do I reset my password?",
    "Two-factor code not accepted at login",
]


def _plan_answers_per_area() -> None:
    """Real setup, no stubs: a classifier trained on labelled history, a plans category in auto rollout with the
    default published workflow (answer from knowledge), and one public article per product area."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.knowledge.choices import DocumentFormat, SourceKind, Visibility
    from apps.knowledge.ingestion import ParsedDocument, Section
    from apps.knowledge.services import document_ingest, source_get_or_create
    from apps.tickets.choices import AuthorKind
    from apps.workflows.choices import RolloutState
    from apps.workflows.classifier import classifier_train_from_history
    from apps.workflows.services.versions import (
        workflow_for_category,
        workflow_version_create_draft,
        workflow_version_publish,
    )
    from tests.factories import CategoryFactory, MessageFactory, QueueFactory, TicketFactory

    support = QueueFactory(slug="support", name="Support")
    plans = CategoryFactory(
        slug="plans", name="Plans", rollout_state=RolloutState.AUTO, auto_threshold=0.5, draft_threshold=0.3,
        reply_template="", default_queue=support,
    )  # fmt: skip
    login = CategoryFactory(slug="login", name="Login", default_queue=support)
    for category, texts in ((plans, PLAN_HISTORY), (login, LOGIN_HISTORY)):
        for i, text in enumerate(texts):
            created = timezone.now() - timedelta(days=20, hours=i)
            ticket = TicketFactory(subject=text, labelled_category=category, created_at=created, resolved_at=created)
            MessageFactory(ticket=ticket, body=text, created_at=created)
            MessageFactory(ticket=ticket, author_kind=AuthorKind.AGENT, body="Done.", created_at=created)
    classifier_train_from_history(min_per_category=5)
    workflow_version_publish(version=workflow_version_create_draft(workflow=workflow_for_category(category=plans)))
    for area, answer in (("pricing", PRICING_ANSWER), ("settings", SETTINGS_ANSWER)):
        source = source_get_or_create(
            name=f"{area} help", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC, product_area=area
        )[0]
        document = ParsedDocument(
            external_id=f"{area}-plan", title=PLAN_QUESTION, format=DocumentFormat.QA, question=PLAN_QUESTION,
            sections=[Section((), answer)],
        )  # fmt: skip
        document_ingest(source=source, document=document)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_same_question_gets_each_pages_own_answer(live_server, page, settings, tmp_path):
    settings.WIDGET_PUBLIC_KEY = WIDGET_KEY
    settings.VAR_DIR = tmp_path  # the trained classifier's files
    _plan_answers_per_area()

    for path, area, expected, other in (
        ("/demo/pricing/", "pricing", PRICING_ANSWER, SETTINGS_ANSWER),
        ("/demo/settings/", "settings", SETTINGS_ANSWER, PRICING_ANSWER),
    ):
        page.goto(live_server.url + path)
        page.get_by_role("button", name="Chat with us").click()
        page.get_by_label("Your message").fill(PLAN_QUESTION)
        page.get_by_role("button", name="Send").click()
        answer = page.locator("#switchboard-chat .msg.ai")
        expect(answer).to_have_count(1, timeout=20_000)
        expect(answer).to_contain_text(expected)  # the page's own article, sent by the AI on its own
        expect(answer).not_to_contain_text(other)
        expect(page.locator("#switchboard-chat .notice")).to_have_count(0)  # no handoff

        ticket = Ticket.objects.filter(page_url=live_server.url + path).get()
        assert ticket.page_context["area"] == area and ticket.category.slug == "plans"
        decision = ticket.decisions.get()
        assert (decision.outcome, decision.sent) == ("resolve", True)

    # rate the answer: thumbs up on the message, then 5 of 5 for the conversation
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Rate 5 of 5").click()
    expect(page.get_by_role("button", name="Rate 5 of 5")).to_have_attribute("aria-pressed", "true")
    page.goto("about:blank")
    ticket.refresh_from_db()
    assert ticket.csat == 5
    ai_message = ticket.messages.get(author_kind="ai")
    assert list(ticket.feedback.order_by("id").values_list("helpful", "message_id")) == [
        (True, ai_message.pk),
        (None, None),
    ]
