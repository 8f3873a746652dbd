"""The audit: figures per category in a fixed number of queries, ranking, reasons, --json, the dataset slice."""

import csv
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.analytics.audit import audit_figures, audit_run
from apps.tickets.choices import AuthorKind
from tests.analytics.conftest import make_ticket
from tests.factories import CategoryFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_figures_per_category_in_four_queries(audit_history, django_assert_num_queries):
    now = timezone.now()
    with django_assert_num_queries(4):  # categories, the period's ticket ids, core aggregates, mixes
        found, total = audit_figures(since=now - timedelta(days=90), until=now)
    assert total == 62
    reset = found[audit_history["reset"].pk]
    dispute = found[audit_history["dispute"].pk]
    assert (reset.tickets, reset.resolved, reset.agent_replies) == (30, 30, 1.0)
    assert reset.channels == {"chat": 30} and reset.escalation_rate == 0
    assert reset.resolution_hours == pytest.approx(2.0) and reset.first_response_minutes == pytest.approx(60)
    assert dispute.agent_replies == 3.0 and dispute.escalation_rate == pytest.approx(4 / 12)
    assert dispute.handle_minutes == pytest.approx(120)  # first reply to last reply
    assert dispute.tiers == {"enterprise": 12} and dispute.segments == {"enterprise": 12}
    assert dispute.urgent_share == 1.0
    assert reset.share == pytest.approx(30 / 62)


def test_messages_of_tickets_outside_the_period_never_count():
    """Ticket ids need not follow creation time (imports): a ticket from 200 days ago whose id lies between two
    recent ones is inside the scanned id range but outside the period; its five replies must not count."""
    topic = CategoryFactory(slug="topic", name="Topic")
    make_ticket(topic, days_ago=1, replies=1, resolve_hours=2)
    make_ticket(topic, days_ago=200, replies=5, resolve_hours=300)
    make_ticket(topic, days_ago=2, replies=1, resolve_hours=4)
    now = timezone.now()
    found, total = audit_figures(since=now - timedelta(days=90), until=now)
    item = found[topic.pk]
    assert (total, item.tickets, item.resolved, item.agent_replies) == (2, 2, 2, 1.0)
    assert item.resolution_hours == pytest.approx(3.0)  # median of 2 h and 4 h, the 300 h one is outside
    assert audit_figures(since=now - timedelta(days=400), until=now - timedelta(days=300)) == ({}, 0)


def test_ranking_puts_the_simple_frequent_category_first_and_sensitive_last(audit_history):
    report = audit_run(days=90, coverage_sample=0)
    ranked = [c.slug for c in report.categories]
    assert ranked == ["password-reset", "billing-dispute", "legal"]
    assert [c.rank for c in report.categories] == [1, 2, 3]
    assert [c.slug for c in report.build_order] == ["password-reset", "billing-dispute"]  # legal is human-only
    best, dispute, legal = report.categories
    assert any(r.startswith("high volume") for r in best.reasons)
    assert any(r.startswith("simple: 1.0 agent replies") for r in best.reasons)
    assert any(r.startswith("back-and-forth: 3.0") for r in dispute.reasons)
    assert any(r.startswith("escalated often: 33%") for r in dispute.reasons)
    assert legal.reasons[0].startswith("human-only topic")
    assert legal.score < dispute.score < best.score
    assert best.components["coverage"] is None  # no knowledge indexed: left out, not counted as zero


def test_reopened_tickets_count_against_simplicity(audit_history):
    reset = audit_history["reset"]
    ticket = reset.tickets.order_by("id").first()
    MessageFactory(ticket=ticket, author_kind=AuthorKind.CUSTOMER, created_at=ticket.resolved_at + timedelta(hours=1))
    report = audit_run(days=90, coverage_sample=0)
    item = next(c for c in report.categories if c.slug == "password-reset")
    assert item.reopen_rate == pytest.approx(1 / 30)


def test_audit_command_json_shape(audit_history):
    out = StringIO()
    call_command("audit", "--json", "--coverage-sample", "0", "--days", "90", stdout=out)
    data = json.loads(out.getvalue())
    assert data["tickets"] == 62 and data["uncategorised"] == 0
    assert [c["slug"] for c in data["categories"]] == ["password-reset", "billing-dispute", "legal"]
    first = data["categories"][0]
    assert {"slug", "name", "score", "reasons", "tickets", "share", "channels", "tiers", "components"} <= set(first)
    assert isinstance(first["score"], float) and first["reasons"]
    assert data["build_order"] == ["password-reset", "billing-dispute"]


def test_audit_command_table(audit_history):
    out = StringIO()
    call_command("audit", "--coverage-sample", "0", stdout=out)
    text = out.getvalue()
    assert "Suggested build order: password-reset, billing-dispute" in text
    assert text.index("password-reset") < text.index("billing-dispute") < text.index(" legal ")


def test_audit_any_range(audit_history, lead_user):
    """``--since`` / ``--until`` (inclusive UTC days) audit any range: 190–210 days ago holds only the three old
    billing disputes (5 replies, 300 h); the API takes the same range; a reversed range is refused."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    today = timezone.now().date()
    since, until = (today - timedelta(days=210)).isoformat(), (today - timedelta(days=190)).isoformat()
    out = StringIO()
    call_command("audit", "--json", "--coverage-sample", "0", "--since", since, "--until", until, stdout=out)
    data = json.loads(out.getvalue())
    assert [(c["slug"], c["tickets"], c["agent_replies"]) for c in data["categories"]] == [("billing-dispute", 3, 5.0)]
    assert data["since"].startswith(since) and data["until"].startswith((today - timedelta(days=189)).isoformat())
    with pytest.raises(CommandError, match="--since must be on or before --until"):
        call_command("audit", "--since", until, "--until", since, stdout=StringIO())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=lead_user).key}")
    body = api.get("/api/v1/metrics/audit/", {"since": since, "until": until, "source": "live"}).json()
    assert [(c["slug"], c["tickets"]) for c in body["categories"]] == [("billing-dispute", 3)]
    assert api.get("/api/v1/metrics/audit/", {"since": until, "until": since}).status_code == 400


def test_empty_history_gives_an_empty_ranking():
    report = audit_run(days=30, coverage_sample=0)
    assert report.categories == [] and report.tickets == 0


@pytest.mark.dataset
def test_audit_of_a_helpdesk_tickets_slice(shared_data, tmp_path):
    """120 rows of tickets_en_de.csv imported with queue as category: every queue ranked, shares add up."""
    from apps.tickets.services.imports import tickets_import

    source = shared_data / "helpdesk_tickets" / "tickets_en_de.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:121]
    path = tmp_path / "slice.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    queues = {r[4] for r in rows[1:]}
    tickets_import(path=path, format="helpdesk-tickets")

    report = audit_run(days=90, coverage_sample=0)
    assert report.tickets == 120
    assert {c.name for c in report.categories} == queues
    assert sum(c.share for c in report.categories) == pytest.approx(1.0)
    scores = [c.score for c in report.categories]
    assert scores == sorted(scores, reverse=True)
    assert all(c.agent_replies == 1.0 and c.channels == {"email": c.tickets} for c in report.categories)
    # with one reply everywhere, volume and urgency decide: the top category is at least as large as the median
    sizes = sorted(c.tickets for c in report.categories)
    assert report.categories[0].tickets >= sizes[len(sizes) // 2]


def test_daily_figures_give_the_same_ranking(audit_history):
    from apps.analytics.rollup import category_stats_refresh_recent

    category_stats_refresh_recent(days=100)
    live = audit_run(days=90, coverage_sample=0)
    stats = audit_run(days=90, coverage_sample=0, source="stats")
    assert [c.slug for c in stats.categories] == [c.slug for c in live.categories]
    for a, b in zip(live.categories, stats.categories, strict=True):
        assert (a.tickets, a.resolved, a.channels, a.tiers, a.segments) == (
            b.tickets,
            b.resolved,
            b.channels,
            b.tiers,
            b.segments,
        )
        assert a.agent_replies == b.agent_replies and a.escalation_rate == b.escalation_rate
    assert 2 <= stats.categories[0].resolution_hours < 3  # binned median of exactly 2 h
