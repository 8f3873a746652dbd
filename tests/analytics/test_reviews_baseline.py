"""The monthly review against the rollout baseline (the same number of days before the rollout), on known data."""

import csv
import io
import math
from datetime import timedelta

import pytest

from apps.analytics.reviews import month_bounds, monthly_review_csv, monthly_reviews_build, previous_month
from apps.workflows.choices import Outcome
from tests.factories import CategoryFactory, DecisionFactory, HandoffFactory, TicketFactory

pytestmark = pytest.mark.django_db


def z_test(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided two-proportion z-test, by hand (the chi-square test without continuity correction equals it)."""
    pooled = (x1 + x2) / (n1 + n2)
    z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(z) / math.sqrt(2))


@pytest.fixture
def month():
    return previous_month()


@pytest.fixture
def rolled_out(month):
    """'faq' rolled out 60 days before the reviewed month. Baseline (the month's length of days before the
    rollout): 10 tickets, 8 handed off, resolved in 10 h. The month: 20 tickets, 12 resolved by the AI (a sent
    resolve Decision, no handoff), 2 handed off, resolved in 2 h. Tickets between the rollout and the month, and
    before the baseline, count in neither."""
    since, until = month_bounds(month)
    length = until - since
    rollout = since - timedelta(days=60)
    faq = CategoryFactory(slug="faq", name="FAQ", rollout_started_at=rollout, control_share=0)
    for i in range(10):
        created = rollout - length + timedelta(days=1 + i * 2)
        ticket = TicketFactory(category=faq, created_at=created, resolved_at=created + timedelta(hours=10))
        if i < 8:
            HandoffFactory(ticket=ticket)
    for i in range(20):
        created = since + timedelta(days=1, hours=i)
        ticket = TicketFactory(category=faq, created_at=created, resolved_at=created + timedelta(hours=2))
        if i < 12:
            DecisionFactory(ticket=ticket, category=faq, outcome=Outcome.RESOLVE, sent=True)
        elif i < 14:
            HandoffFactory(ticket=ticket)
    for created in (rollout + timedelta(days=5), rollout - length - timedelta(days=3)):
        HandoffFactory(ticket=TicketFactory(category=faq, created_at=created))
    return faq


def _review(reviews, category):
    (review,) = [r for r in reviews if r.category == category]
    return review


def test_review_compares_the_month_with_the_rollout_baseline(rolled_out, month):
    since, until = month_bounds(month)
    review = _review(monthly_reviews_build(month=month, backtest=False), rolled_out)
    base = review.data["baseline"]
    rollout_day = (since - timedelta(days=60)).date()
    assert base["source"] == "rollout" and base["until"] == rollout_day.isoformat()
    assert base["since"] == (rollout_day - (until - since)).isoformat()
    assert base["current_since"] == since.date().isoformat() and base["note"] == ""
    assert (base["current"]["tickets"], base["baseline"]["tickets"]) == (20, 10)
    rows = {c["metric"]: c for c in base["comparisons"]}
    ai = rows["ai_resolution_rate"]
    assert (ai["current"], ai["baseline"]) == (pytest.approx(0.6), 0.0)
    assert ai["difference"] == pytest.approx(0.6)
    assert ai["p_value"] == pytest.approx(z_test(12, 20, 0, 10), rel=1e-9) and ai["significant"]
    escalated = rows["escalation_rate"]
    assert (escalated["current"], escalated["baseline"]) == (pytest.approx(0.1), pytest.approx(0.8))
    assert escalated["difference"] == pytest.approx(-0.7)
    assert escalated["p_value"] == pytest.approx(z_test(2, 20, 8, 10), rel=1e-9) and escalated["significant"]
    hours = rows["resolution_hours"]
    assert hours["current"] < 3 <= 8 <= hours["baseline"] < 12  # binned medians: the 2-3 h and 8-12 h bins
    assert hours["difference"] < 0 and hours["significant"]
    # the month before is still there: every ticket of the month is new against an empty previous month
    changes = {c["metric"]: c for c in review.data["changes"]}
    assert (changes["tickets"]["current"], changes["tickets"]["previous"]) == (20, 0)


def test_review_page_and_csv_show_the_baseline(lead_client, rolled_out, month):
    review = _review(monthly_reviews_build(month=month, backtest=False), rolled_out)
    html = lead_client.get(f"/analytics/reviews/{review.pk}/").content.decode()
    assert "Against the rollout baseline" in html and 'data-metric="escalation_rate"' in html
    assert "20 tickets against 10" in html
    rows = list(csv.reader(io.StringIO(monthly_review_csv(review))))
    assert rows[0] == ["section", "item", "current", "reference", "difference", "p_value", "significant", "detail"]
    escalated = next(r for r in rows if r[:2] == ["baseline", "escalation_rate"])
    assert [float(v) for v in escalated[2:5]] == pytest.approx([0.1, 0.8, -0.7])
    assert escalated[6] == "True" and "chi2" in escalated[7]


def test_rollout_inside_the_month_counts_from_the_rollout(month):
    """Rolled out on the 11th: the month counts from then, the baseline is the month's length of days before."""
    since, until = month_bounds(month)
    rollout = since + timedelta(days=10)
    mid = CategoryFactory(slug="mid", name="Mid", rollout_started_at=rollout, control_share=0)
    for day in (2, 5, 12, 15, 20):  # two before the rollout (baseline), three after
        TicketFactory(category=mid, created_at=since + timedelta(days=day - 1, hours=3))
    review = _review(monthly_reviews_build(month=month, backtest=False), mid)
    base = review.data["baseline"]
    assert base["current_since"] == rollout.date().isoformat()
    assert base["since"] == (rollout.date() - (until - since)).isoformat()
    assert (base["current"]["tickets"], base["baseline"]["tickets"]) == (3, 2)
    assert "counts from the rollout" in base["note"]


def test_no_rollout_or_a_later_one_has_no_baseline(month):
    _, until = month_bounds(month)
    never = CategoryFactory(slug="never", name="Never")
    later = CategoryFactory(slug="later", name="Later", rollout_started_at=until + timedelta(days=3))
    reviews = monthly_reviews_build(month=month, backtest=False)
    assert _review(reviews, never).data["baseline"]["comparisons"] == []
    assert _review(reviews, never).data["baseline"]["note"].startswith("No rollout yet")
    assert "after this month" in _review(reviews, later).data["baseline"]["note"]
    rows = list(csv.reader(io.StringIO(monthly_review_csv(_review(reviews, never)))))
    assert rows[1][0] == "baseline" and rows[1][7].startswith("No rollout yet")
