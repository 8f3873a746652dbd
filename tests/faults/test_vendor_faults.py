"""Vendor APIs fail under a running cluster: the billing API (Stripe stand-in) answers 500 to every call and the
issue tracker (Jira stand-in) refuses to create issues. Tickets whose workflow needs them are escalated with the
vendor error; nothing is sent. When the tracker is back, a bug report opens exactly one issue, and re-delivered
triage tasks or a sweep never open a second one or comment twice."""

from __future__ import annotations

import pytest
from django_q.tasks import async_task

from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import CallLog, Connection, TrackerIssue
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message
from apps.workflows.choices import Outcome
from apps.workflows.models import Category, Decision, Draft, Workflow, WorkflowVersion
from tests.integrations.test_trackers import JiraProject
from tests.standins.server import Reply, StandIn

from .harness import invariants, wait_for

INVOICE = "please resend the March invoice as a PDF"  # invoices, ~0.97
EXPORT = "the CSV export drops rows for large projects"  # data-export, ~0.97
BILLING_TREE = {
    "start": "billing",
    "fallback": "human",
    "nodes": [
        {"id": "billing", "type": "lookup", "lookup": "billing.summary", "next": "answer"},
        {"id": "answer", "type": "answer", "knowledge": False,
         "template": "Hi {first_name}, your latest invoice is attached to your account under Billing."},
        {"id": "human", "type": "escalate", "queue": "support", "reason": "billing data unavailable"},
    ],
}  # fmt: skip
BUG_TREE = {
    "start": "report",
    "fallback": "human",
    "nodes": [
        {"id": "report", "type": "action", "action": "bug_report", "signature": "E-EXPORT-ROWS",
         "summary": "CSV export drops rows", "next": "answer"},
        {"id": "answer", "type": "answer", "knowledge": False,
         "template": "Hi {first_name}, we have logged this export problem with our engineers."},
        {"id": "human", "type": "escalate", "queue": "support", "reason": "workflow fallback"},
    ],
}  # fmt: skip


def publish(slug: str, tree: dict) -> None:
    category = Category.objects.get(slug=slug)
    workflow, _ = Workflow.objects.get_or_create(category=category, defaults={"name": category.name})
    WorkflowVersion.objects.create(
        workflow=workflow, number=1, status="published", tree=tree,
        thresholds={"auto": category.auto_threshold, "draft": category.draft_threshold},
    )  # fmt: skip


@pytest.fixture
def vendors():
    failing = Reply(500, {"error": {"type": "api_error", "message": "stand-in outage"}})
    stripe = StandIn({("GET", r"/v1/.*"): failing, ("POST", r"/v1/.*"): failing}).start()
    project = JiraProject()
    jira = StandIn(project.routes()).start()
    project.url = jira.url
    jira.route("POST", r"/rest/api/2/issue", Reply(500, {"errorMessages": ["Internal server error"]}))
    yield stripe, jira, project
    stripe.stop()
    jira.stop()


def _decided(ids: list[int]) -> bool:
    return Decision.objects.filter(ticket_id__in=ids).count() == len(ids)


@pytest.mark.django_db(transaction=True)
def test_failing_billing_and_tracker_escalate_then_one_issue_after_recovery(workspace, receive, cluster, vendors):
    stripe_server, jira_server, project = vendors
    stripe = Connection.objects.create(
        kind="stripe", name="Stripe (stand-in)", base_url=stripe_server.url,
        options={"timeout": 2, "retries": 1, "backoff": 0.01}, allowed_fields=["customer.id", "explanation"],
    )  # fmt: skip
    connection_set_credentials(connection=stripe, values={"api_key": "sk_test_faults_0000000000"})
    jira = Connection.objects.create(
        kind="jira", name="Jira (stand-in)", base_url=jira_server.url,
        options={"project": "SUP", "retries": 1, "backoff": 0.01},
    )  # fmt: skip
    connection_set_credentials(connection=jira, values={"username": "bot@faults.test", "api_token": "jira-token-1"})
    publish("invoices", BILLING_TREE)
    publish("data-export", BUG_TREE)
    cluster.start()

    billing_ids = receive([INVOICE, INVOICE])
    bug_ids = receive([EXPORT, EXPORT])
    wait_for(lambda: _decided(billing_ids + bug_ids), timeout=60, what="decisions while the vendors fail")

    for decision in Decision.objects.filter(ticket_id__in=billing_ids):
        assert decision.outcome == Outcome.ESCALATE and not decision.sent
        assert "lookup billing.summary failed" in decision.reason and "stand-in outage" in decision.reason
    for decision in Decision.objects.filter(ticket_id__in=bug_ids):
        assert decision.outcome == Outcome.ESCALATE and not decision.sent
        assert decision.reason.startswith("bug_report failed") and "500" in decision.reason, decision.reason
    assert not Message.objects.filter(ticket_id__in=billing_ids + bug_ids, author_kind=AuthorKind.AI).exists()
    assert not Draft.objects.filter(ticket_id__in=billing_ids + bug_ids).exists()
    assert len(stripe_server.requests) >= 2 * len(billing_ids)  # one retry per call
    assert CallLog.objects.filter(connection=stripe, ok=False).exists()
    stripe.refresh_from_db()
    assert stripe.healthy is False
    assert project.issues == {} and TrackerIssue.objects.get(signature="E-EXPORT-ROWS").status == "failed"

    jira_server.route("POST", r"/rest/api/2/issue", project.create)  # the tracker is back
    later = receive([EXPORT, EXPORT])
    wait_for(lambda: _decided(later), timeout=40, what="decisions after the tracker recovered")
    outcomes = set(Decision.objects.filter(ticket_id__in=later).values_list("outcome", flat=True))
    assert outcomes == {Outcome.DRAFT}  # a filed bug is drafted for an agent to confirm, never auto-sent
    assert len(project.issues) == 1 and TrackerIssue.objects.get(signature="E-EXPORT-ROWS").status == "open"
    creates = len(jira_server.hits("POST", r"/rest/api/2/issue"))
    comments = sum(len(c) for c in project.comments.values())

    for ticket_id in later:  # the broker re-delivers the tasks, and a sweep runs as well
        async_task("apps.workflows.tasks.triage_ticket", ticket_id)
    async_task("apps.workflows.tasks.triage_batch", later)
    async_task("apps.workflows.tasks.triage_sweep_task", 0)
    from django_q.models import OrmQ

    wait_for(lambda: not OrmQ.objects.exists(), timeout=30, what="the repeated tasks")
    assert len(project.issues) == 1 and len(jira_server.hits("POST", r"/rest/api/2/issue")) == creates
    assert sum(len(c) for c in project.comments.values()) == comments
    assert Draft.objects.filter(ticket_id__in=later).count() == len(later)
    invariants(billing_ids + bug_ids + later)


@pytest.mark.django_db(transaction=True)
def test_cluster_killed_while_the_tracker_creates_the_issue_opens_it_once(workspace, receive, cluster, vendors):
    """The worker dies after Jira made the issue but before its transaction committed (the TrackerIssue row with
    the key is rolled back): the retried triage finds the issue by its signature label instead of opening a
    second one, and the customer gets one draft."""
    import threading

    _, jira_server, project = vendors
    jira = Connection.objects.create(
        kind="jira", name="Jira (stand-in)", base_url=jira_server.url,
        options={"project": "SUP", "retries": 0, "timeout": 10},
    )  # fmt: skip
    connection_set_credentials(connection=jira, values={"username": "bot@faults.test", "api_token": "jira-token-1"})
    publish("data-export", BUG_TREE)
    creating = threading.Event()

    def slow_create(req):
        creating.set()
        reply = project.create(req)  # the vendor has the issue from here on
        import time

        time.sleep(2.0)  # … and answers late: the worker is killed while it waits
        return reply

    jira_server.route("POST", r"/rest/api/2/issue", slow_create)
    cluster.start()
    ids = receive([EXPORT, EXPORT, EXPORT])
    assert creating.wait(60), "the tracker was never called"
    wait_for(lambda: project.issues, timeout=10, what="the vendor to make the issue")
    cluster.kill()
    assert len(project.issues) == 1 and not TrackerIssue.objects.filter(external_key__gt="").exists()

    jira_server.route("POST", r"/rest/api/2/issue", project.create)
    cluster.start()
    async_task("apps.workflows.tasks.triage_sweep_task", 0)
    wait_for(lambda: _decided(ids), timeout=60, what="every ticket decided after the restart")

    assert len(project.issues) == 1 and len(jira_server.hits("POST", r"/rest/api/2/issue")) == 1
    issue = TrackerIssue.objects.get(signature="E-EXPORT-ROWS")
    assert issue.external_key == "SUP-1" and issue.links.count() == len(ids)
    assert set(Decision.objects.filter(ticket_id__in=ids).values_list("outcome", flat=True)) == {Outcome.DRAFT}
    invariants(ids)
