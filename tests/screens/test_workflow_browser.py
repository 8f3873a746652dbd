"""One browser run (system Chromium through Playwright): a lead edits a node of a draft workflow version, runs the
sandbox, sees the regression, confirms and publishes; the version list then shows who published what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.tickets.choices import AuthorKind
from apps.workflows.classifier import classifier_train_from_history
from apps.workflows.models import WorkflowVersion
from apps.workflows.services.versions import (
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_publish,
)
from tests.factories import CategoryFactory, MessageFactory, TicketFactory

EXPORT = [
    "How do I export my reports to CSV?",
    "Where is the export button for invoices?",
    "Can I download the report as a spreadsheet?",
    "Export of the monthly report to Excel",
    "How to export data from the dashboard",
    "Download all reports as CSV please",
]
LOGIN = [
    "I cannot log in to my account",
    "Password reset email never arrives",
    "Locked out after too many login attempts",
    "Login page says my password is wrong",
    "How do I reset my password?",
    "Two-factor code not accepted at login",
]


def _history(category, texts):
    for i, text in enumerate(texts):
        created = timezone.now() - timedelta(days=20, hours=i)
        ticket = TicketFactory(subject=text, labelled_category=category, created_at=created, resolved_at=created)
        MessageFactory(ticket=ticket, body=text, created_at=created)
        MessageFactory(ticket=ticket, author_kind=AuthorKind.AGENT, body="Done.", created_at=created)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_lead_edits_a_node_runs_the_sandbox_and_publishes(live_server, page, lead_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    how_to = CategoryFactory(
        slug="how-to", name="How-to", auto_threshold=0.5, draft_threshold=0.3, reply_template="Hi, see Settings."
    )
    login = CategoryFactory(slug="login", name="Login", reply_template="Hi, reset it at /reset.")
    _history(how_to, EXPORT + LOGIN[2:3])  # agents misfiled one ticket each way: the classifier is not
    _history(login, LOGIN + EXPORT[1:2])  # certain of everything (its confidence for the case is about 0.8)
    classifier_train_from_history(min_per_category=5)
    workflow = workflow_for_category(category=how_to)
    v1 = workflow_version_publish(version=workflow_version_create_draft(workflow=workflow, user=lead_user))
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)

    page.goto(f"{live_server.url}/workflows/{how_to.pk}/versions/{draft.number}/")
    page.fill("#id_username", lead_user.username)
    page.fill("#id_password", "pw-lead1")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/versions/{draft.number}/")
    expect(page.get_by_test_id("version-status")).to_have_text("draft")

    # add a node, break it (inline error), fix it: the tree is validated after every change
    page.get_by_test_id("node-kind").select_option("escalate")
    page.get_by_test_id("add-node").click()
    node = page.locator("li.node[data-node-id='escalate_1']")
    expect(node).to_have_attribute("id", "node-2")  # after the default tree's answer and escalate nodes
    expect(node.get_by_test_id("node-error")).to_contain_text("not reachable from the start")
    page.get_by_test_id("fields-2").fill("{not json")
    page.get_by_test_id("save-2").click()
    expect(page.get_by_test_id("edit-error")).to_contain_text("not valid JSON")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("remove-2").click()
    expect(page.locator("li.node")).to_have_count(2)
    expect(page.get_by_test_id("tree-valid")).to_be_visible()

    # raise the draft's auto threshold: with two categories every confidence is ≥ 0.5, so v1 (auto 0.5) resolves
    # the export case, and the draft only drafts it. The backtest panel follows the inputs as they change.
    page.goto(f"{live_server.url}/workflows/{how_to.pk}/")
    page.fill("#id_auto", "0.95")
    page.fill("#id_draft", "0.3")
    expect(page.get_by_test_id("sweep-table").locator("tr.selected td").first).to_have_text("0.95")
    page.get_by_test_id("use-0.99").click()  # a threshold taken from the backtest's sweep
    expect(page.locator("#id_auto")).to_have_value("0.99")
    expect(page.get_by_test_id("sweep-table").locator("tr.selected td").first).to_have_text("0.99")
    page.get_by_test_id("save-thresholds").click()
    expect(page.locator(".messages")).to_contain_text("auto 0.99")

    # the sandbox: one hand-written case, expected to be resolved by the AI (as v1 does)
    page.goto(f"{live_server.url}/workflows/{how_to.pk}/versions/{draft.number}/sandbox/")
    page.fill("#id_case_text", "How do I export my reports to CSV?")
    page.locator("#id_expected_outcome").select_option("resolve")
    page.get_by_test_id("add-case").click()
    expect(page.get_by_test_id("case-table").locator("tbody tr")).to_have_count(1)
    page.get_by_test_id("run-sandbox").click()
    expect(page.get_by_test_id("sandbox-summary")).to_contain_text("0 / 1")
    expect(page.get_by_test_id("regression-count")).to_have_text("1 regression")

    # publishing without confirming is refused; with the checkbox it goes through
    page.get_by_test_id("publish").click()
    expect(page.locator(".messages")).to_contain_text("fails 1 sandbox case")
    page.get_by_test_id("run-sandbox").click()
    page.get_by_test_id("confirm-regressions").check()
    page.fill("input[name=change_note]", "stricter auto threshold")
    page.get_by_test_id("publish").click()
    page.wait_for_url(f"**/workflows/{how_to.pk}/")
    expect(page.locator(".messages")).to_contain_text(f"Published v{draft.number}")
    row = page.locator(f"tr[data-version='{draft.number}']")
    expect(row).to_contain_text("published")
    expect(row).to_contain_text(lead_user.username)
    draft.refresh_from_db()
    v1.refresh_from_db()
    assert (draft.status, v1.status) == ("published", "archived")
    assert WorkflowVersion.objects.get(pk=draft.pk).thresholds["auto"] == 0.99
