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
