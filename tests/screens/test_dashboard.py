"""Dashboard numbers: Decisions per category and outcome, tickets per day, rates (known data in, exact out).

The live selectors serve ``/api/v1/metrics/``; the overview page reads the same figures from the daily figures
(``overview_from_stats``), so its tests refresh those first."""

import json
import re
from datetime import UTC, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.analytics.rollup import category_stats_refresh_recent
from apps.analytics.selectors import (
    decisions_by_category_outcome,
    overview_from_stats,
    period_rates,
    tickets_by_category,
    tickets_per_day,
)
from apps.workflows.choices import DraftStatus, Outcome, RolloutState
from tests.factories import CategoryFactory, DecisionFactory, DraftFactory, HandoffFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """6 tickets today and yesterday; decisions 3 billing (2 resolve, 1 escalate), 2 how-to (1 draft, 1 resolve),
    1 uncategorised escalate; 3 tickets resolved, 2 with a handoff; one old ticket outside 7 days."""
    now = timezone.now()
    yesterday = now - timedelta(days=1)
    billing = CategoryFactory(slug="billing", name="Billing")
    howto = CategoryFactory(slug="how-to", name="How-to")
    tickets = [TicketFactory(created_at=yesterday if i < 2 else now) for i in range(6)]
    for ticket in tickets[:3]:
        ticket.resolved_at = now
        ticket.first_response_at = ticket.created_at + timedelta(minutes=30)
        ticket.save()
    spec = [
        (billing, Outcome.RESOLVE, True),
        (billing, Outcome.RESOLVE, True),
        (billing, Outcome.ESCALATE, False),
        (howto, Outcome.DRAFT, False),
        (howto, Outcome.RESOLVE, True),
        (None, Outcome.ESCALATE, False),
    ]
    decisions = [
        DecisionFactory(ticket=t, category=c, outcome=o, sent=s) for t, (c, o, s) in zip(tickets, spec, strict=True)
    ]
    DraftFactory(decision=decisions[3], status=DraftStatus.APPROVED)
    HandoffFactory(ticket=tickets[2])
    HandoffFactory(ticket=tickets[5])
    TicketFactory(created_at=now - timedelta(days=20))
    return tickets


def _window(days):
    until = (timezone.now() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return until - timedelta(days=days), until


def test_decisions_by_category_and_outcome(history, django_assert_num_queries):
    since, until = _window(7)
    with django_assert_num_queries(1):
        rows = decisions_by_category_outcome(since=since, until=until)
    table = {r.slug: r.counts for r in rows}
    assert table == {
        "billing": {"resolve": 2, "escalate": 1},
        "how-to": {"draft": 1, "resolve": 1},
        "": {"escalate": 1},
    }
    assert [r.slug for r in rows] == ["billing", "how-to", ""]
    assert rows[0].per_outcome == [2, 0, 1]


def test_tickets_per_day_fills_every_day(history):
    since, until = _window(7)
    days = tickets_per_day(since=since, until=until)
    assert len(days) == 7
    today = timezone.now().date()
    by_day = {d.day: (d.created, d.resolved) for d in days}
    assert by_day[today] == (4, 3)
    assert by_day[today - timedelta(days=1)] == (2, 0)
    assert sum(d.created for d in days) == 6  # the 20-day-old ticket is outside


def test_rates(history, django_assert_num_queries):
    since, until = _window(7)
    with django_assert_num_queries(3):
        rates = period_rates(since=since, until=until)
    assert (rates.tickets, rates.resolved, rates.escalated) == (6, 3, 2)
    assert rates.resolution_rate == pytest.approx(0.5)
    assert rates.escalation_rate == pytest.approx(2 / 6)
    assert rates.by_outcome == {"resolve": 3, "draft": 1, "escalate": 2}
    assert rates.automation_rate == pytest.approx(0.5)
    assert rates.draft_approval_rate == pytest.approx(1.0)
    assert rates.drafts_reviewed == 1
    assert rates.first_response_minutes == pytest.approx(30.0)


def test_overview_from_daily_figures_matches_the_live_figures(history, django_assert_num_queries):
    category_stats_refresh_recent(days=30)
    since, until = _window(7)
    with django_assert_num_queries(2):
        overview = overview_from_stats(since=since, until=until)
    assert {r.slug: r.counts for r in overview.categories} == {
        "billing": {"resolve": 2, "escalate": 1},
        "how-to": {"draft": 1, "resolve": 1},
        "": {"escalate": 1},
    }
    assert [r.slug for r in overview.categories] == ["billing", "how-to", ""]
    live_days = [(d.day, d.created, d.resolved) for d in tickets_per_day(since=since, until=until)]
    assert [(d.day, d.created, d.resolved) for d in overview.days] == live_days
    rates, live = overview.rates, period_rates(since=since, until=until)
    assert (rates.tickets, rates.resolved, rates.escalated) == (6, 3, 2)
    assert rates.by_outcome == live.by_outcome == {"resolve": 3, "draft": 1, "escalate": 2}
    assert rates.sent_by_ai == live.sent_by_ai == 3 and rates.decisions == 6
    assert rates.drafts == live.drafts and rates.drafts["approved"] == 1 and rates.drafts_reviewed == 1
    assert rates.first_response_minutes == pytest.approx(30.0)
    assert overview.ticket_categories == tickets_by_category(since=since, until=until) == [("", "No category", 6)]
    assert overview.refreshed_at is not None


def test_overview_counts_events_on_their_own_day():
    """A ticket created 5 days ago and resolved today: created on its day, resolved today; its Decision (made
    today, category 'billing') counts today under billing although the ticket has no category."""
    now = timezone.now()
    billing = CategoryFactory(slug="billing", name="Billing")
    ticket = TicketFactory(created_at=now - timedelta(days=5), resolved_at=now)
    DecisionFactory(ticket=ticket, category=billing, outcome=Outcome.ESCALATE, sent=False)
    category_stats_refresh_recent(days=10)
    since, until = _window(3)
    recent = overview_from_stats(since=since, until=until)
    assert recent.rates.tickets == 0 and sum(d.resolved for d in recent.days) == 1
    assert [(c.slug, c.counts) for c in recent.categories] == [("billing", {"escalate": 1})]
    week = overview_from_stats(since=_window(7)[0], until=until)
    by_day = {d.day: (d.created, d.resolved) for d in week.days}
    assert by_day[(now - timedelta(days=5)).date()] == (1, 0) and by_day[now.date()] == (0, 1)
    assert week.rates.resolved == 1 and week.rates.resolution_rate == 1.0


def test_dashboard_reads_the_daily_figures(lead_client, history):
    html = lead_client.get("/analytics/?days=7").content.decode()
    assert 'data-testid="tickets">0<' in html and "Daily figures not computed for this period yet" in html
    out = StringIO()
    call_command("refresh_daily_figures", "--days", "30", stdout=out)  # what the schedule does, run now
    assert out.getvalue().startswith("Daily figures of the last 30 days recomputed:")
    html = lead_client.get("/analytics/?days=7").content.decode()
    assert 'data-testid="tickets">6<' in html and "Daily figures as of" in html
    with pytest.raises(CommandError, match="--days"):
        call_command("refresh_daily_figures", "--days", "0")


def test_dashboard_page_passes_chart_data(lead_client, history):
    category_stats_refresh_recent(days=30)
    html = lead_client.get("/analytics/?days=7").content.decode()
    data = json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["categories"]["labels"] == ["Billing", "How-to", "No category"]
    assert {d["key"]: d["data"] for d in data["categories"]["datasets"]} == {
        "resolve": [2, 1, 0],
        "draft": [0, 1, 0],
        "escalate": [1, 0, 1],
    }
    assert len(data["days"]["labels"]) == 7 and sum(data["days"]["created"]) == 6
    assert data["outcomes"]["data"] == [3, 1, 2]
    assert 'data-testid="tickets">6<' in html
    assert 'data-testid="resolution-rate">50.0%<' in html
    assert 'data-testid="escalation-rate">33.3%<' in html
    assert 'data-testid="automation-rate">50.0%<' in html
    # tickets per category (history without Decisions counts too): factory tickets have no category
    assert data["tickets"] == {"labels": ["No category"], "data": [6]}
    assert "vendor/chart.umd.min.js" in html

    html_30 = lead_client.get("/analytics/").content.decode()
    assert 'data-testid="tickets">7<' in html_30  # the 20-day-old ticket counts in the 30-day default


@pytest.mark.parametrize("days", [7, 30, 90])
def test_dashboard_period_shows_its_inclusive_last_day(agent_client, days):
    """The period label names ``days`` days ending today (UTC), not the exclusive end (tomorrow)."""
    today = timezone.now().astimezone(UTC).date()
    first = today - timedelta(days=days - 1)
    html = agent_client.get(f"/analytics/?days={days}").content.decode()
    label = re.search(r'data-testid="period">(.*?)</span>', html).group(1)
    assert label == f"{first:%b} {first.day} – {today:%b} {today.day}, {today.year}"
    assert (today - first).days + 1 == days
    assert f"({days} days in UTC, today included)" in html


def test_shadow_decisions_are_not_resolved_by_the_ai(lead_client):
    """A shadow-mode Decision records what the AI would do, sends nothing and hands off: it counts as escalated
    (live selectors, daily figures and page alike), so "Resolved by AI" equals what the AI sent."""
    shadow = CategoryFactory(slug="refunds", name="Refunds", rollout_state=RolloutState.SHADOW)
    auto = CategoryFactory(slug="how-to", name="How-to", rollout_state=RolloutState.AUTO)
    kept = [TicketFactory() for _ in range(3)]
    DecisionFactory(ticket=kept[0], category=shadow, outcome=Outcome.RESOLVE, rollout_state=RolloutState.SHADOW)
    DecisionFactory(ticket=kept[1], category=shadow, outcome=Outcome.DRAFT, rollout_state=RolloutState.SHADOW)
    DecisionFactory(ticket=kept[2], category=auto, outcome=Outcome.RESOLVE, rollout_state=RolloutState.AUTO, sent=True)
    since, until = _window(7)
    live = {c.slug: c.counts for c in decisions_by_category_outcome(since=since, until=until)}
    assert live == {"refunds": {"escalate": 2}, "how-to": {"resolve": 1}}
    rates = period_rates(since=since, until=until)
    assert rates.by_outcome == {"resolve": 1, "draft": 0, "escalate": 2} and rates.sent_by_ai == 1
    category_stats_refresh_recent(days=3)
    overview = overview_from_stats(since=since, until=until)
    assert {c.slug: c.counts for c in overview.categories} == live
    assert overview.rates.by_outcome == rates.by_outcome and overview.rates.sent_by_ai == 1
    html = lead_client.get("/analytics/?days=7").content.decode()
    row = re.search(r'<tr data-category="refunds">(.*?)</tr>', html).group(1)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["0", "0", "2", "2"]  # resolve, draft, escalate, total
    assert "1 of 3 decisions" in html


def test_empty_dashboard(agent_client):
    html = agent_client.get("/analytics/?days=bogus").content.decode()
    assert "No decisions in this period." in html
    assert 'data-testid="resolution-rate">—<' in html
    assert "No tickets in this period." in html


def test_tickets_by_category_counts_history(django_assert_num_queries):
    billing = CategoryFactory(slug="billing", name="Billing")
    for _ in range(3):
        TicketFactory(category=billing)
    TicketFactory()
    since, until = _window(7)
    with django_assert_num_queries(1):
        rows = tickets_by_category(since=since, until=until)
    assert rows == [("billing", "Billing", 3), ("", "No category", 1)]


def test_dashboard_query_count_is_fixed(agent_client, history, django_assert_max_num_queries):
    # session, user, the daily ticket figures, the daily activity and the spikes: whatever the number of categories
    # or days
    category_stats_refresh_recent(days=100)
    with django_assert_max_num_queries(5):
        response = agent_client.get("/analytics/?days=90")
    assert 'data-testid="tickets">7<' in response.content.decode()


def test_a_freshly_seeded_demo_shows_on_the_dashboard(lead_client):
    """The demo seeder computes the daily figures as its last follow-up step, so the overview shows the demo's
    history before the schedule first runs."""
    from apps.core.demo.seeder import demo_workspace_seed
    from apps.tickets.models import Ticket

    summary = demo_workspace_seed(tickets=80, seed=9)
    assert dict(summary.steps)["figures"].startswith("done")
    since, until = _window(30)
    expected = Ticket.objects.filter(created_at__gte=since, created_at__lt=until).count()
    html = lead_client.get("/analytics/").content.decode()
    assert expected > 0 and f'data-testid="tickets">{expected}<' in html and "Daily figures as of" in html
