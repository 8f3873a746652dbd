"""The demo workspace's published workflows, run against the demo's own billing data through the real
``lookup_run`` (local billing backend): each charge scenario takes the branch its shape calls for."""

from __future__ import annotations

import pytest

from apps.core.demo.seeder import demo_workspace_seed
from apps.core.demo.workflows import DEMO_WORKFLOWS
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Organization, Ticket
from apps.workflows.engine.context import context_build
from apps.workflows.models import WorkflowVersion
from apps.workflows.tree.executor import tree_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return demo_workspace_seed(tickets=60, follow_up=False)


def test_the_demo_publishes_four_valid_workflows(demo):
    published = WorkflowVersion.objects.filter(status="published").select_related("workflow__category")
    assert sorted(v.workflow.category.slug for v in published) == sorted(DEMO_WORKFLOWS)
    assert all(v.published_by and v.published_by.role == "lead" for v in published)


@pytest.mark.parametrize(
    ("scenario", "kind", "end"),
    [
        ("released_hold", "answer", "explain_hold"),
        ("pending_hold", "answer", "explain_hold"),
        ("duplicate_capture", "escalate", "duplicate"),
        ("refund_reversal", "escalate", "billing_team"),
    ],
)
def test_double_charge_branches_on_the_charge_shape(demo, scenario, kind, end):
    org = Organization.objects.get(name=demo.scenarios[scenario])
    ticket = Ticket.objects.filter(organization=org).select_related("contact", "organization").first()
    ticket.metadata = {}
    message = Message(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body="Why was I charged twice?")
    message.created_at = ticket.created_at
    out = tree_run(DEMO_WORKFLOWS["billing/double-charge"][0], context_build(ticket, [message]),
                   category_slug="billing/double-charge")  # fmt: skip
    assert (out.kind, out.node["id"]) == (kind, end), out.path
    assert out.lookups[0]["ok"] and out.facts["billing.summary.explanation.shape"] == scenario
    if kind == "answer":
        text = out.facts["billing.summary.explanation.customer_text"]
        assert text and "refund" not in text.lower()


def test_the_handoff_package_carries_the_trees_lookups_and_allow_listed_facts(demo):
    """A genuine duplicate capture escalates with what the tree looked up, so the billing agent never has to ask."""
    from apps.workflows.engine.package import handoff_package
    from apps.workflows.engine.pipeline import TriagePlan
    from apps.workflows.engine.trace import Trace
    from apps.workflows.engine.workflow import tree_step

    org = Organization.objects.get(name=demo.scenarios["duplicate_capture"])
    ticket = Ticket.objects.filter(organization=org).select_related("contact", "organization").first()
    ticket.metadata = {}
    message = Message(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body="Why was I charged twice?")
    message.created_at = ticket.created_at
    ctx = context_build(ticket, [message])
    trace = Trace()
    tree = DEMO_WORKFLOWS["billing/double-charge"][0]
    run = tree_step(
        tree=tree, ctx=ctx, trace=trace, category_slug="billing/double-charge", confidence=0.9, version=1,
        lookup=None, validate=False,
    )  # fmt: skip
    plan = TriagePlan(
        ctx=ctx, outcome="escalate", effect="handoff", reason=run.reason, why="tree_escalate", trace=trace
    )
    package = handoff_package(plan)
    assert package["facts"]["billing.summary.explanation.shape"] == "duplicate_capture"
    assert [step["node"] for step in package["tried"]["nodes"]] == [step["node"] for step in run.path]
    assert package["tried"]["lookups"] and package["tried"]["lookups"][0]["ok"] is True
    assert not any("last4" in key or "address" in key for key in package["facts"])
