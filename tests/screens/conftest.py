"""Fixtures for the screens: drafts with a realistic trace, handoffs with a package."""

import pytest
from django.core.cache import cache

from apps.workflows.choices import RolloutState
from tests.factories import (
    CategoryFactory,
    ContactFactory,
    DecisionFactory,
    DraftFactory,
    MessageFactory,
    OrganizationFactory,
    QueueFactory,
    TicketFactory,
)


def make_trace(slug: str, confidence: float) -> dict:
    """A Decision trace shaped like the triage engine's (apps/workflows/engine)."""
    return {
        "version": 1,
        "steps": [
            {"step": "context", "ms": 0.4, "tier": "pro", "channel": "email", "turn": 1, "text_chars": 80},
            {
                "step": "classify",
                "ms": 3.1,
                "classifier": "tfidf+wordllama",
                "category": slug,
                "confidence": confidence,
                "runner_ups": [{"category": "billing/refund", "confidence": 0.12}],
                "out_of_scope": False,
            },
            {"step": "triggers", "ms": 0.2, "rules": 12, "hits": []},
            {
                "step": "gate",
                "ms": 0.0,
                "rollout_state": "auto",
                "band": "draft",
                "band_reason": f"confidence {confidence:.2f} ≥ draft threshold 0.60",
                "outcome": "draft",
                "effect": "draft",
            },
            {
                "step": "compose",
                "ms": 5.0,
                "provider": "offline",
                "model": "offline-composer",
                "citations": ["KB-212"],
            },
            {"step": "decide", "ms": 0.0, "outcome": "draft", "effect": "draft", "reason": "draft band"},
        ],
        "total_ms": 8.7,
        "effect": "draft",
        "why": "draft_band",
    }


def make_draft(*, category=None, tier="pro", channel="email", confidence=0.74, body=None, subject=None, **ticket):
    """A pending draft on a ticket with one customer message, decided by a traced Decision."""
    category = category or CategoryFactory(slug="billing/invoice-copy", name="Invoice copy")
    org = OrganizationFactory(tier=tier)
    ticket_obj = TicketFactory(
        organization=org,
        contact__organization=org,
        channel=channel,
        subject=subject or "Where can I download my invoice?",
        **ticket,
    )
    MessageFactory(ticket=ticket_obj, body="Hi, I need last month's invoice as a PDF for our accounts team.")
    decision = DecisionFactory(
        ticket=ticket_obj,
        turn=1,
        category=category,
        confidence=confidence,
        runner_ups=[{"category": "billing/refund", "confidence": 0.12}],
        reply_text=body or "You can download every invoice under Settings → Billing → Invoices.",
        rollout_state=RolloutState.AUTO,
        reason=f"confidence {confidence:.2f} ≥ draft threshold 0.60",
        trace=make_trace(category.slug, confidence),
    )
    return DraftFactory(decision=decision)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The review queue keeps "who has this draft open" markers in the cache: start each test without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def billing_queue():
    return QueueFactory(slug="billing", name="Billing")


@pytest.fixture
def category(billing_queue):
    return CategoryFactory(slug="billing/invoice-copy", name="Invoice copy", default_queue=billing_queue)


@pytest.fixture
def draft(category):
    return make_draft(category=category)


def make_many_drafts(n: int) -> list:
    """``n`` pending drafts over 4 categories, 3 tiers and 2 channels (shared organizations and contacts)."""
    queues = [QueueFactory(slug="billing", name="Billing"), QueueFactory(slug="tech-support", name="Technical")]
    categories = [
        CategoryFactory(slug=f"cat-{i}", name=f"Category {i}", default_queue=queues[i % 2]) for i in range(4)
    ]
    orgs = [OrganizationFactory(tier=tier) for tier in ("free", "pro", "enterprise")]
    contacts = [ContactFactory(organization=org) for org in orgs]
    drafts = []
    for i in range(n):
        contact = contacts[i % 3]
        ticket = TicketFactory(
            contact=contact,
            organization=contact.organization,
            channel=("email", "chat")[i % 2],
            subject=f"Question number {i}",
        )
        MessageFactory(ticket=ticket, body=f"Customer question {i}")
        category = categories[i % 4]
        decision = DecisionFactory(
            ticket=ticket, turn=1, category=category, confidence=0.7, trace=make_trace(category.slug, 0.7)
        )
        drafts.append(DraftFactory(decision=decision))
    return drafts
