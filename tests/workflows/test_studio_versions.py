"""Workflow versions and the sandbox: draft, diff, publish (immutable afterwards), rollback, and publishing
blocked by sandbox regressions unless the lead confirms."""

from __future__ import annotations

import pytest

from apps.core.errors import ConflictError, ValidationError
from apps.workflows.models import WorkflowVersion
from apps.workflows.services.sandbox import sandbox_case_create, sandbox_compare, sandbox_preview, sandbox_run
from apps.workflows.services.versions import (
    RegressionError,
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_diff,
    workflow_version_publish,
    workflow_version_rollback,
    workflow_version_update,
)
from tests.factories import CategoryFactory
from tests.workflows.test_studio_backtest import KeywordClassifier

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return CategoryFactory(
        slug="how-to",
        name="How-to",
        auto_threshold=0.9,
        draft_threshold=0.6,
        reply_template="Hi {customer_name}, you find it under Settings → Export.",
    )


@pytest.fixture
def workflow(category):
    return workflow_for_category(category=category)


@pytest.fixture
def published(workflow, lead_user):
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    return workflow_version_publish(version=draft, user=lead_user, change_note="first", classifier=KeywordClassifier())


def test_a_draft_copies_the_published_version(workflow, published, lead_user):
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    assert (draft.number, draft.status, draft.created_by) == (published.number + 1, "draft", lead_user)
    assert draft.thresholds == published.thresholds == {"auto": 0.9, "draft": 0.6}
    assert draft.tree == published.tree
    with pytest.raises(ConflictError, match="already has a draft"):
        workflow_version_create_draft(workflow=workflow, user=lead_user)


def test_published_versions_never_change(published, lead_user):
    with pytest.raises(ConflictError, match="never change"):
        workflow_version_update(version=published, user=lead_user, thresholds={"auto": 0.5, "draft": 0.1})
    published.refresh_from_db()
    assert published.thresholds == {"auto": 0.9, "draft": 0.6}
    with pytest.raises(ConflictError, match="only a draft"):
        workflow_version_publish(version=published, user=lead_user, classifier=KeywordClassifier())


def test_thresholds_are_checked(workflow, published, lead_user):
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    with pytest.raises(ValidationError, match="draft"):
        workflow_version_update(version=draft, user=lead_user, thresholds={"auto": 0.5, "draft": 0.8})
    with pytest.raises(ValidationError):
        workflow_version_update(version=draft, user=lead_user, thresholds={"auto": "high", "draft": 0.1})
    with pytest.raises(ValidationError, match="unknown"):
        workflow_version_update(version=draft, user=lead_user, colour="red")


def test_diff_shows_what_changed(workflow, published, lead_user):
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    assert not workflow_version_diff(old=published, new=draft).changed
    workflow_version_update(
        version=draft, user=lead_user, thresholds={"auto": 0.95, "draft": 0.6}, guidelines="Be brief."
    )
    draft.refresh_from_db()
    diff = workflow_version_diff(old=published, new=draft)
    sections = {s["field"]: s for s in diff.sections}
    assert diff.changed
    assert ("del", '-  "auto": 0.9,') in sections["thresholds"]["lines"]
    assert ("add", '+  "auto": 0.95,') in sections["thresholds"]["lines"]
    assert ("add", "+Be brief.") in sections["guidelines"]["lines"]
    assert sections["tree"]["lines"] == []


def test_publish_archives_the_previous_version_and_records_who(workflow, published, lead_user, admin_user, category):
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, thresholds={"auto": 0.95, "draft": 0.7})
    workflow_version_publish(version=draft, user=admin_user, change_note="stricter", classifier=KeywordClassifier())
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, draft.published_by, draft.change_note) == ("published", admin_user, "stricter")
    assert draft.published_at is not None
    assert published.status == "archived"
    category.refresh_from_db()
    assert (category.auto_threshold, category.draft_threshold) == (0.95, 0.7)  # what the engine's gate reads
    assert WorkflowVersion.objects.filter(workflow=workflow, status="published").count() == 1


def test_rollback_publishes_the_old_content_as_a_new_version(workflow, published, lead_user, category):
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, thresholds={"auto": 0.99, "draft": 0.8})
    workflow_version_publish(version=draft, user=lead_user, classifier=KeywordClassifier())
    published.refresh_from_db()
    rolled = workflow_version_rollback(version=published, user=lead_user)
    draft.refresh_from_db()
    assert (rolled.number, rolled.status, rolled.published_by) == (3, "published", lead_user)
    assert rolled.thresholds == published.thresholds and rolled.tree == published.tree
    assert rolled.change_note == "rollback to v1"
    assert draft.status == "archived" and published.status == "archived"  # nothing rewritten in place
    category.refresh_from_db()
    assert category.auto_threshold == 0.9
    with pytest.raises(ConflictError):
        workflow_version_rollback(version=rolled, user=lead_user)


def test_sandbox_cases_pass_or_fail_on_category_and_outcome(workflow, published, lead_user):
    sure = sandbox_case_create(
        workflow=workflow,
        text="[how-to@0.95] How do I export?",
        expected_category="how-to",
        expected_outcome="resolve",
    )
    wrong = sandbox_case_create(workflow=workflow, text="[how-to@0.7] Export?", expected_outcome="escalate")
    run = sandbox_run(version=published, classifier=KeywordClassifier())
    results = run.by_case()
    assert results[sure.pk].passed and results[sure.pk].outcome == "resolve"
    assert not results[wrong.pk].passed and results[wrong.pk].failures == ["draft, expected escalate"]
    assert (run.passed, run.total) == (1, 2)
    with pytest.raises(ValidationError, match="text"):
        sandbox_case_create(workflow=workflow, text="  ")
    with pytest.raises(ValidationError, match="category"):
        sandbox_case_create(workflow=workflow, text="hi", expected_category="nope")


def test_publishing_over_a_regression_needs_confirmation(workflow, published, lead_user):
    case = sandbox_case_create(
        workflow=workflow,
        text="[how-to@0.95] How do I export?",
        expected_category="how-to",
        expected_outcome="resolve",
    )
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, thresholds={"auto": 0.97, "draft": 0.6})
    comparison = sandbox_compare(version=draft, classifier=KeywordClassifier())
    assert [r["case"].pk for r in comparison.regressions] == [case.pk]
    with pytest.raises(RegressionError, match="1 sandbox case"):
        workflow_version_publish(version=draft, user=lead_user, classifier=KeywordClassifier())
    draft.refresh_from_db()
    assert draft.status == "draft"
    workflow_version_publish(
        version=draft, user=lead_user, change_note="stricter", confirm_regressions=True, classifier=KeywordClassifier()
    )
    draft.refresh_from_db()
    assert draft.status == "published" and "confirmed by lead1" in draft.change_note


def test_preview_plans_a_sample_ticket(published):
    preview = sandbox_preview(version=published, text="[how-to@0.75] Export question", classifier=KeywordClassifier())
    assert (preview.category, preview.outcome) == ("how-to", "draft")
    assert [s["step"] for s in preview.steps][:2] == ["context", "classify"]
    assert "Settings → Export" in preview.reply
