"""Fixtures of the fault-injection suite: a trained classifier file, a small workspace (three categories in auto
rollout, the classifier active), the LLM stand-in, a real django-q2 cluster subprocess, and intake that enqueues
into the ORM queue (not synchronously) like production."""

from __future__ import annotations

import itertools
import random

import pytest

from apps.tickets.choices import TicketSource
from apps.tickets.services.intake import ticket_receive
from apps.workflows.choices import RolloutState
from apps.workflows.classifier import classifier_train
from apps.workflows.models import ClassifierVersion
from tests.factories import CategoryFactory, QueueFactory

from .harness import Cluster, LLMStandIn

TOPICS = {
    "password-reset": (
        ["I forgot my password", "the password reset link does not work", "I cannot log in", "my login is rejected"],
        ["since this morning", "on the mobile app", "after the update", "even after two tries"],
    ),
    "invoices": (
        ["I need a copy of my invoice", "the invoice shows the wrong address", "please resend the March invoice"],
        ["for our company", "as a PDF", "for the accounting team", "for last quarter"],
    ),
    "data-export": (
        ["the CSV export drops rows", "export to Excel fails", "the export button does nothing"],
        ["for large projects", "in the reports tab", "since yesterday", "with filters applied"],
    ),
}
VAGUE = ["I have a question about my account", "something is not working", "can you help me with this"]
OFF_TOPIC = ["what is the weather in paris", "tell me a joke", "how do I bake bread", "recommend a novel"]
# Texts by the outcome the classifier gives them (confidences measured: ~0.99 / ~0.54 / ~0.33)
CONFIDENT = ["I forgot my password and cannot log in", "please resend the March invoice as a PDF"]
MIDDLING = ["invoice export"]
VAGUE_TEXT = ["something is not working"]
TEMPLATE = "Hi {customer_name}, here is what to do: open Settings, then follow the steps for {category_name}."


def _training_set() -> tuple[list[str], list[str]]:
    rng = random.Random(0)
    texts, labels = [], []
    for label, (heads, tails) in TOPICS.items():
        for _ in range(25):
            texts.append(f"{rng.choice(['Hi,', 'Hello,', ''])} {rng.choice(heads)} {rng.choice(tails)}".strip())
            labels.append(label)
        for vague in VAGUE * 2:
            texts.append(vague)
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="session")
def classifier_file(tmp_path_factory):
    """A classifier trained once per session on the synthetic topics, saved to a temporary file."""
    texts, labels = _training_set()
    model = classifier_train(texts=texts, labels=labels, oos_texts=OFF_TOPIC * 2)
    return model.save(tmp_path_factory.mktemp("faults-classifier") / "classifier.joblib"), sorted(set(labels))


@pytest.fixture
def workspace(transactional_db, classifier_file):
    """Three categories in auto rollout (auto ≥ 0.9, draft ≥ 0.5) with a template and a queue each, and the
    classifier file active, all committed so the cluster's workers see them."""
    from apps.escalation.triggers import trigger_rules_ensure_defaults

    trigger_rules_ensure_defaults()  # the transactional flush removed the rows the data migration installed
    path, labels = classifier_file
    for slug in TOPICS:
        CategoryFactory(
            slug=slug,
            name=slug.replace("-", " ").title(),
            rollout_state=RolloutState.AUTO,
            reply_template=TEMPLATE,
            auto_threshold=0.9,
            draft_threshold=0.5,
            default_queue=QueueFactory(slug=f"{slug}-team"),
        )
    ClassifierVersion.objects.create(model_name="faults", path=str(path), labels=labels, is_active=True)
    return TOPICS


@pytest.fixture
def queued(monkeypatch):
    """Intake enqueues into the ORM queue (django-q2 not synchronous) in this process too."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)


@pytest.fixture
def receive(queued):
    """``receive(texts)`` → ticket ids: each text arrives as a chat conversation through ``ticket_receive``, which
    enqueues ``triage_ticket`` like the widget API does."""

    def make(texts: list[str]) -> list[int]:
        ids = []
        for text in texts:
            i = next(_customers)  # a new customer each time: no repeat-contact trigger between batches
            ticket, _ = ticket_receive(
                source=TicketSource.CHAT,
                external_id=None,
                channel="chat",
                body=text,
                contact_email=f"customer{i}@c{i}.faults.example",
                contact_name=f"Customer {i}",
                tier="pro",
            )
            ids.append(ticket.pk)
        return ids

    return make


_customers = itertools.count()


def mixed_texts(n: int) -> list[str]:
    """``n`` customer texts cycling confident (auto-send), middling (draft) and vague (escalate) ones."""
    pool = CONFIDENT * 2 + MIDDLING + VAGUE_TEXT
    return [f"{pool[i % len(pool)]} (ref {i})" if i % 3 == 0 else pool[i % len(pool)] for i in range(n)]


@pytest.fixture(scope="package")
def _llm_server():
    server = LLMStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def llm(_llm_server):
    """The session's LLM stand-in, reset to answering at once."""
    _llm_server.mode, _llm_server.delay, _llm_server.hang = "ok", 0.0, 3.0
    return _llm_server


@pytest.fixture(scope="package")
def _shared_cluster(django_db_setup, django_db_blocker, tmp_path_factory, _llm_server):
    """One ``manage.py qcluster`` subprocess for this folder's tests (started by the first test that calls
    ``start()``, restarted after a test kills it), so each test does not pay the cluster's boot. Killed after the
    last test of tests/faults, so it never consumes tasks that other folders' tests put in the queue."""
    made = Cluster(
        tmp_path_factory.mktemp("qcluster") / "qcluster.log",
        env={
            "LLM_PROVIDER": "openai",
            "LLM_BASE_URL": _llm_server.base_url,
            "LLM_API_KEY": "sk-faults",
            "LLM_MODEL": "standin",
            "LLM_TIMEOUT_S": "1",
            "LLM_MAX_RETRIES": "1",
        },
    )
    yield made
    made.kill()


@pytest.fixture
def cluster(transactional_db, _shared_cluster, llm, request):
    """A real ``manage.py qcluster`` subprocess on the test database (tasks NOT synchronous) with the OpenAI
    provider pointed at the LLM stand-in (1 s timeout, one retry). ``start()`` starts it unless it runs already;
    ``kill()`` crashes it. Its log is printed when the test fails."""
    yield _shared_cluster
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(_shared_cluster.log()[-6000:])
        _shared_cluster.kill()  # a fresh cluster for the next test


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
