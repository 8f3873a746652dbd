"""Backtests replay lookups from the ticket's history: a lookup node gets the result recorded in the ticket's
Decision trace, no vendor is called, and a ticket whose history recorded no such result is reported as not
replayable instead of counting as the tree's escalation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.integrations.lookups import LookupResult
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.workflows.engine.context import context_build
from apps.workflows.models import Decision
from apps.workflows.services.backtest import NOT_REPLAYABLE, RecordedLookups, backtest_replay
from apps.workflows.services.versions import (
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_publish,
    workflow_version_update,
)
from apps.workflows.tree.executor import tree_run
from tests.factories import CategoryFactory, MessageFactory, TicketFactory
from tests.workflows.test_studio_backtest import KeywordClassifier

pytestmark = pytest.mark.django_db

SHAPE = "fact:billing.summary.explanation.shape"
TREE = {
    "start": "summary",
    "fallback": "billing_team",
    "nodes": [
        {"id": "summary", "type": "lookup", "lookup": "billing.summary", "next": "shape", "on_error": "billing_team"},
        {"id": "shape", "type": "branch", "default": "billing_team", "rules": [
            {"when": {"field": SHAPE, "op": "eq", "value": "released_hold"}, "next": "explain"},
        ]},
        {"id": "explain", "type": "answer", "knowledge": False, "template": "That was a released hold."},
        {"id": "billing_team", "type": "escalate", "queue": "billing", "reason": "charge pattern needs billing"},
    ],
}  # fmt: skip


def _ticket(n: int, category, *, confidence: float = 0.95):
    created = timezone.now() - timedelta(days=5, minutes=n)
    ticket = TicketFactory(
        subject=f"Charge {n}", labelled_category=category, status=TicketStatus.CLOSED, created_at=created,
        resolved_at=created + timedelta(hours=1),
    )  # fmt: skip
    MessageFactory(ticket=ticket, body=f"[billing@{confidence}] I was charged twice?", created_at=created)
    MessageFactory(ticket=ticket, author_kind=AuthorKind.AGENT, body="It was a hold.", created_at=created)
    return ticket


def _record(ticket, shape: str | None, *, ok: bool = True) -> Decision:
    """A Decision as triage recorded it: the trace's tree step written by the executor from a lookup result."""

    def lookup(*, name, ticket, category_slug=""):
        facts = {"explanation": {"shape": shape, "customer_text": "A hold, released after 3 days."}}
        return LookupResult(name=name, ok=ok, facts=facts if ok else {}, source="local", error="" if ok else "503")

    ctx = context_build(ticket, list(ticket.messages.order_by("created_at", "id")))
    run = tree_run(TREE, ctx, category_slug="billing", lookup=lookup)
    return Decision.objects.create(
        ticket=ticket, turn=1, outcome="escalate", trace={"steps": [{"step": "tree", **run.trace()}]}
    )


@pytest.fixture
def history(lead_user, monkeypatch):
    def no_vendor(**kwargs):
        raise AssertionError("a backtest must not call a vendor")

    monkeypatch.setattr("apps.integrations.lookups.lookup_run", no_vendor)
    billing = CategoryFactory(slug="billing", name="Billing", auto_threshold=0.9, draft_threshold=0.6)
    workflow = workflow_for_category(category=billing)
    draft = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=draft, user=lead_user, tree=TREE)
    workflow_version_publish(version=draft, user=lead_user, classifier=KeywordClassifier())
    tickets = {"hold": _ticket(1, billing), "duplicate": _ticket(2, billing), "never": _ticket(3, billing)}
    tickets["failed"] = _ticket(4, billing)
    _record(tickets["hold"], "released_hold")
    _record(tickets["duplicate"], "duplicate_capture")
    _record(tickets["failed"], None, ok=False)  # the vendor failed back then: nothing to replay
    return tickets


def test_lookups_answer_from_the_recorded_history(history):
    replay = backtest_replay(limit=50, classifier=KeywordClassifier(), use_cache=False)
    rows = {r.ticket_id: r for r in replay.rows}
    hold, duplicate = rows[history["hold"].pk], rows[history["duplicate"].pk]
    assert hold.replayable and hold.fixed == "" and hold.why == "auto_band"  # the answer: threshold-bound
    assert duplicate.replayable and (duplicate.fixed, duplicate.why) == ("escalate", "tree_escalate")
    for name in ("never", "failed"):
        assert not rows[history[name].pk].replayable
    f = replay.figures("billing", auto=0.9, draft=0.6)
    assert (f["routed"], f["auto"], f["draft"], f["escalate"], f["not_replayable"]) == (2, 1, 0, 1, 2)
    assert f["auto_rate"] == pytest.approx(0.5)  # the two unreplayable tickets are not escalations of the tree
    overall = replay.overall()
    assert (overall["tickets"], overall["not_replayable"], overall["escalate"]) == (2, 2, 1)


def test_the_recorded_lookup_reports_its_source_and_why_not(history):
    recorded = RecordedLookups()
    recorded.load([t.pk for t in history.values()])
    answered = recorded(name="billing.summary", ticket=history["hold"])
    assert answered.ok and answered.source.startswith("history:decision ")
    assert answered.flat()["billing.summary.explanation.shape"] == "released_hold"
    assert answered.flat()["billing.summary.explanation.customer_text"] == "A hold, released after 3 days."
    missing = recorded(name="billing.summary", ticket=history["never"])
    assert not missing.ok and missing.error.startswith(NOT_REPLAYABLE) and "billing.summary" in missing.error
    assert not recorded(name="crm.account", ticket=history["hold"]).ok  # only what was recorded


def test_a_lookup_the_trace_recorded_only_in_part_is_not_replayed(history):
    decision = history["hold"].decisions.get()
    step = decision.trace["steps"][0]
    step["lookups"][0]["keys"] = 80  # the lookup returned more values than the trace could keep
    decision.save(update_fields=["trace"])
    recorded = RecordedLookups()
    recorded.load([history["hold"].pk])
    partial = recorded(name="billing.summary", ticket=history["hold"])
    assert (
        not partial.ok
        and partial.error == f"{NOT_REPLAYABLE}: decision {decision.pk} recorded 2 of the 80 billing.summary values"
    )


def test_the_command_shows_not_replayable_tickets(history, monkeypatch, capsys):
    monkeypatch.setattr("apps.workflows.services.backtest.get_active_classifier", KeywordClassifier)
    call_command("backtest", "--category", "billing", "--json", "--limit", "50")
    [billing] = json.loads(capsys.readouterr().out)["categories"]
    assert (billing["routed"], billing["not_replayable"]) == (2, 2)
    call_command("backtest", "--limit", "50")
    assert "not replayable: 2" in capsys.readouterr().out


def test_the_backtest_panel_says_how_many_tickets_were_not_replayable(history, monkeypatch, lead_client):
    from django.urls import reverse

    monkeypatch.setattr("apps.workflows.services.backtest.get_active_classifier", KeywordClassifier)
    category = history["hold"].labelled_category
    url = reverse("workflows:workflow_backtest", args=[category.pk])
    html = lead_client.get(url, {"auto": "0.9", "draft": "0.6"}).content.decode()
    assert '<span data-testid="bt-not-replayable">2 not replayable' in html
    assert 'data-testid="bt-auto">50.0%' in html  # 1 of the 2 replayable tickets
