"""Page-aware knowledge retrieval: the page's product area picks the passage the reply is grounded on."""

from __future__ import annotations

import pytest

from apps.knowledge.choices import DocumentFormat, SourceKind, Visibility
from apps.knowledge.ingestion import ParsedDocument, Section
from apps.knowledge.services import document_ingest, source_get_or_create
from apps.tickets.models import Message
from apps.workflows.engine.context import context_build
from apps.workflows.models import Category
from apps.workflows.services.triage import knowledge_passages, knowledge_retrieve
from tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

QUESTION = "How do I change my plan?"
PRICING_ANSWER = "On the Pricing page pick the new plan and press Upgrade; the new price applies from today."
SETTINGS_ANSWER = "Open Settings, then Subscription, then Change plan, and confirm with your password."


def _source(area: str, answer: str) -> None:
    source = source_get_or_create(
        name=f"{area} help", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC, product_area=area
    )[0]
    document = ParsedDocument(
        external_id=f"{area}-plan",
        title=QUESTION,
        format=DocumentFormat.QA,
        question=QUESTION,
        sections=[Section((), answer)],
    )
    document_ingest(source=source, document=document)


@pytest.fixture
def two_areas():
    _source("pricing", PRICING_ANSWER)
    _source("settings", SETTINGS_ANSWER)


def _context(page_context: dict):
    ticket = TicketFactory(subject="", page_context=page_context, page_url="https://app.example/x")
    MessageFactory(ticket=ticket, body=QUESTION)
    return context_build(ticket, list(Message.objects.filter(ticket=ticket).order_by("created_at")))


@pytest.fixture
def category():
    return Category.objects.create(slug="account", name="Account")


@pytest.mark.parametrize(
    ("page_context", "expected"),
    [
        ({"product_area": "pricing"}, PRICING_ANSWER),
        ({"product_area": "settings"}, SETTINGS_ANSWER),
        ({"area": "pricing", "plan": "pro"}, PRICING_ANSWER),  # the shape the REST API stores
        ({"area": "settings"}, SETTINGS_ANSWER),
    ],
)
def test_page_area_passage_comes_first(two_areas, category, page_context, expected):
    ctx = _context(page_context)
    passages = knowledge_passages(ctx, category)
    assert passages and passages[0].text.strip() == expected
    retrieved, best, flags, _lead = knowledge_retrieve(ctx, category)
    assert retrieved[0].text.strip() == expected and best > 0 and flags == []


def test_unknown_area_or_no_page_falls_back_to_all_public_knowledge(two_areas, category):
    for page_context in ({"product_area": "reports"}, {}):
        passages = knowledge_passages(_context(page_context), category)
        assert {p.text.strip() for p in passages} == {PRICING_ANSWER, SETTINGS_ANSWER}
