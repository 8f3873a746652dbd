"""The sandbox and the preview run the version's own tree: a change to a draft's tree changes the sandbox outcome
while the published version (and its results) stay as they were."""

from __future__ import annotations

import copy

import pytest

from apps.workflows.services.sandbox import sandbox_case_create, sandbox_compare, sandbox_preview, sandbox_run
from apps.workflows.services.versions import (
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_publish,
    workflow_version_update,
)
from tests.factories import CategoryFactory
from tests.workflows.test_studio_backtest import KeywordClassifier

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(lead_user):
    category = CategoryFactory(
        slug="how-to", name="How-to", auto_threshold=0.9, draft_threshold=0.6,
        reply_template="Hi {customer_name}, you find it under Settings → Export.",
    )  # fmt: skip
    workflow = workflow_for_category(category=category)
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    return workflow_version_publish(version=draft, user=lead_user, classifier=KeywordClassifier())


def _export_goes_to_a_person(tree: dict) -> dict:
    """``tree`` with a branch in front of its start: texts about exports escalate to the billing queue."""
    changed = copy.deepcopy(tree)
    changed["nodes"].insert(0, {
        "id": "route", "type": "branch", "default": changed["start"],
        "rules": [{"when": {"field": "text", "op": "keywords", "value": ["export"]}, "next": "exports"}],
    })  # fmt: skip
    changed["nodes"].append(
        {"id": "exports", "type": "escalate", "queue": "billing", "priority": "high", "reason": "exports by hand"}
    )
    changed["start"] = "route"
    return changed


def test_a_draft_tree_change_changes_the_sandbox_outcome_not_the_published_one(published, lead_user):
    workflow = published.workflow
    case = sandbox_case_create(
        workflow=workflow,
        text="[how-to@0.95] How do I export?",
        expected_category="how-to",
        expected_outcome="resolve",
    )
    other = sandbox_case_create(
        workflow=workflow, text="[how-to@0.95] How do I invite a colleague?", expected_outcome="resolve"
    )
    published_tree = copy.deepcopy(published.tree)
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    before = sandbox_run(version=draft, classifier=KeywordClassifier()).by_case()
    assert before[case.pk].outcome == "resolve" and before[case.pk].passed

    workflow_version_update(version=draft, user=lead_user, tree=_export_goes_to_a_person(draft.tree))
    after = sandbox_run(version=draft, classifier=KeywordClassifier()).by_case()
    assert after[case.pk].outcome == "escalate"
    assert after[case.pk].failures == ["escalate, expected resolve"]
    assert "exports by hand" in after[case.pk].reason
    assert after[other.pk].outcome == "resolve"  # the branch's default still answers

    comparison = sandbox_compare(version=draft, classifier=KeywordClassifier())
    rows = {r["case"].pk: r for r in comparison.rows}
    assert rows[case.pk]["change"] == "regression"
    assert rows[case.pk]["published"].outcome == "resolve"
    published.refresh_from_db()
    assert published.tree == published_tree and published.status == "published"
    assert sandbox_run(version=published, classifier=KeywordClassifier()).by_case()[case.pk].outcome == "resolve"

    preview = sandbox_preview(version=draft, text="[how-to@0.95] Export please", classifier=KeywordClassifier())
    tree_step = next(s for s in preview.steps if s["step"] == "tree")
    assert preview.outcome == "escalate" and [p["node"] for p in tree_step["path"]] == ["route", "exports"]
    assert tree_step["version"] == draft.number


def test_a_draft_without_a_tree_does_not_run_the_published_tree(published, lead_user):
    workflow = published.workflow
    escalating = _export_goes_to_a_person(published.tree)
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, tree=escalating)
    workflow_version_publish(version=draft, user=lead_user, classifier=KeywordClassifier())
    case = sandbox_case_create(workflow=workflow, text="[how-to@0.95] How do I export?", expected_outcome="resolve")
    treeless = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=treeless, user=lead_user, tree={})
    result = sandbox_run(version=treeless, classifier=KeywordClassifier()).by_case()[case.pk]
    assert result.outcome == "resolve", result.reason  # the category template, not the published tree's escalation


def test_sandbox_cases_can_expect_a_question_for_required_information(published, lead_user, monkeypatch):
    from django.test import Client
    from django.urls import reverse

    workflow = published.workflow
    asks = sandbox_case_create(
        workflow=workflow, text="[how-to@0.95] When does my order ship?", expected_outcome="ask"
    )
    answer = sandbox_case_create(
        workflow=workflow, text="[how-to@0.95] When does my order ship?", expected_outcome="answer"
    )
    given = sandbox_case_create(
        workflow=workflow, text="[how-to@0.95] When does order 55120 ship?", expected_outcome="answer"
    )
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, required_fields=["order_id"])
    results = sandbox_run(version=draft, classifier=KeywordClassifier()).by_case()
    assert results[asks.pk].passed and results[asks.pk].shown == "ask (order_id)"
    assert results[answer.pk].failures == ["asks for order_id, expected an answer (resolve or draft)"]
    assert results[given.pk].passed and results[given.pk].asks is None
    published_results = sandbox_run(version=published, classifier=KeywordClassifier()).by_case()
    assert published_results[asks.pk].failures == ["resolve, expected a question for missing information"]

    monkeypatch.setattr("apps.workflows.services.sandbox.get_active_classifier", KeywordClassifier)
    client = Client()
    client.force_login(lead_user)
    url = reverse("workflows:version_sandbox", args=[workflow.category_id, draft.number])
    html = client.post(url).content.decode()
    assert "→ ask (order_id)" in html and "1 regression" in html  # the answer case the published version passed
    assert '<option value="ask">ask</option>' in client.get(url).content.decode()
