"""Escalation fixtures: a small classifier trained once, the contract queues with agents, categories."""

import random

import pytest

from apps.core.choices import Availability
from apps.core.models import User
from apps.escalation.defaults import escalation_defaults_ensure
from apps.escalation.models import Queue
from apps.escalation.triggers import trigger_rules_ensure_defaults
from apps.workflows.choices import RolloutState
from apps.workflows.classifier import classifier_train
from tests.factories import CategoryFactory

TOPICS = {
    "billing": (
        [
            "I need a copy of my invoice",
            "the invoice shows the wrong company name",
            "explain the proration line",
            "where can I download my invoice",
            "the VAT number is missing on my invoice",
            "I was charged on my card",
        ],
        ["for our company", "as a PDF", "for the accounting team", "for last quarter", "on invoice INV-5540"],
    ),
    "bug/import": (
        [
            "the CSV import drops the last row",
            "import from Excel fails",
            "the import button does nothing",
            "imported file is empty",
            "the CSV import still fails",
        ],
        ["for large files", "in the import tab", "since yesterday", "with headers"],
    ),
    "how-to": (
        [
            "how do I add a teammate",
            "how can I change my report layout",
            "where do I find the settings",
            "how do I export my reports",
            "how do I track my order",
        ],
        ["in the app", "on mobile", "for my team", "step by step"],
    ),
}
OFF_TOPIC = ["what is the weather in paris", "tell me a joke", "how do I bake bread", "capital of australia"]
QUEUES = {
    "support": "General",
    "senior": "Senior support",
    "billing": "Billing",
    "tech-support": "Technical",
    "account-admin": "Account management",
    "legal-compliance": "Legal & compliance",
    "security": "Security",
    "sales": "Sales",
}


@pytest.fixture(scope="session")
def clf():
    rng = random.Random(1)
    texts, labels = [], []
    for label, (heads, tails) in TOPICS.items():
        for _ in range(30):
            texts.append(f"{rng.choice(['Hi,', 'Hello,', ''])} {rng.choice(heads)} {rng.choice(tails)}".strip())
            labels.append(label)
    return classifier_train(texts=texts, labels=labels, oos_texts=OFF_TOPIC * 2)


def make_agent(username: str, availability: str, *queues: Queue) -> User:
    user = User.objects.create_user(username=username, password="pw", role="agent", availability=availability)
    for queue in queues:
        queue.members.add(user)
    return user


@pytest.fixture
def desk(db):
    """The contract queues, agents (online / away / offline) and three categories in assist rollout."""
    trigger_rules_ensure_defaults()  # transactional tests elsewhere flush what the data migrations installed
    escalation_defaults_ensure()
    queues = {
        slug: Queue.objects.get_or_create(slug=slug, defaults={"name": name})[0] for slug, name in QUEUES.items()
    }
    agents = {
        "li": make_agent("li", Availability.ONLINE, queues["tech-support"], queues["support"]),
        "omar": make_agent("omar", Availability.ONLINE, queues["tech-support"], queues["billing"]),
        "maria": make_agent("maria", Availability.OFFLINE, queues["tech-support"]),
        "sam": make_agent("sam", Availability.ONLINE, queues["senior"], queues["billing"]),
        "jo": make_agent("jo", Availability.AWAY, queues["senior"], queues["support"]),
        "priya": make_agent("priya", Availability.ONLINE, queues["account-admin"]),
    }
    categories = {
        "billing": CategoryFactory(slug="billing", name="Billing", default_queue=queues["billing"]),
        "bug/import": CategoryFactory(slug="bug/import", name="Import bug", default_queue=queues["tech-support"]),
        "how-to": CategoryFactory(slug="how-to", name="How-to", default_queue=queues["support"]),
    }
    for category in categories.values():
        category.rollout_state = RolloutState.ASSIST
        category.reply_template = "Hi {customer_name}, here is what to do for {category_name}: open Settings."
        category.save()
    return {"queues": queues, "agents": agents, "categories": categories}
