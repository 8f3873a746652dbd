"""Review metrics per agent and per category: counts, median time to review, rates, edit size; the lead page."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft
from apps.workflows.selectors import edit_size, review_metrics
from tests.factories import CategoryFactory
from tests.screens.conftest import make_draft

pytestmark = pytest.mark.django_db


def _reviewed(category, *, user, status, created, reviewed, opened=None, body="abcdef", sent=""):
    draft = make_draft(category=category, body=body)
    Draft.objects.filter(pk=draft.pk).update(
        status=status,
        reviewed_by=user,
        created_at=created,
        opened_at=opened,
        reviewed_at=reviewed,
        body=body,
        sent_body=sent or (body if status != DraftStatus.REJECTED else ""),
    )
    return draft


@pytest.fixture
def reviews(agent_user, lead_user):
    """Four reviews in the window with known times and edits, one before it and one still pending."""
    base = timezone.now() - timedelta(days=1)
    x = CategoryFactory(slug="cat-x", name="Category X")
    y = CategoryFactory(slug="cat-y", name="Category Y")
    s = timedelta(seconds=1)
    # agent: approved after 60 s open (opened 60 s after drafting: counts from opened_at)
    _reviewed(
        x, user=agent_user, status=DraftStatus.APPROVED, created=base, opened=base + 60 * s, reviewed=base + 120 * s
    )
    # agent: edited, never recorded as opened: 300 s from drafting; 3 characters inserted
    _reviewed(x, user=agent_user, status=DraftStatus.EDITED, created=base, reviewed=base + 300 * s, sent="abcXYZdef")
    # lead: rejected 30 s after opening
    _reviewed(
        y, user=lead_user, status=DraftStatus.REJECTED, created=base, opened=base + 10 * s, reviewed=base + 40 * s
    )
    # agent: edited 90 s after opening; 4 characters replaced
    _reviewed(
        y,
        user=agent_user,
        status=DraftStatus.EDITED,
        created=base,
        opened=base,
        reviewed=base + 90 * s,
        body="aaaa bbbb",
        sent="aaaa cccc",
    )
    old = base - timedelta(days=30)
    _reviewed(x, user=lead_user, status=DraftStatus.APPROVED, created=old, reviewed=old + 5 * s)  # outside
    make_draft(category=x)  # pending: not reviewed
    return base


def test_edit_size_counts_changed_characters_and_share():
    assert edit_size("abcdef", "abcdef") == (0, 0.0)
    chars, share = edit_size("abcdef", "abcXYZdef")
    assert chars == 3 and share == pytest.approx(1 - 12 / 15)
    chars, share = edit_size("aaaa bbbb", " aaaa cccc ")
    assert chars == 4 and share == pytest.approx(1 - 10 / 18)


def test_metrics_per_agent(reviews, agent_user, lead_user):
    metrics = review_metrics(since=reviews - timedelta(hours=1))
    by_agent = {f.key: f for f in metrics.agents}

    assert [f.key for f in metrics.agents] == ["agent1", lead_user.username]
    agent = by_agent[agent_user.username]
    assert (agent.count, agent.approved, agent.edited, agent.rejected) == (3, 1, 2, 0)
    assert agent.median_review_seconds == 90  # 60, 300, 90
    assert agent.approval_rate == pytest.approx(1 / 3) and agent.edit_rate == pytest.approx(2 / 3)
    assert agent.reject_rate == 0
    assert agent.median_edit_chars == 3.5  # 3 and 4
    assert agent.median_edit_share == pytest.approx(((1 - 12 / 15) + (1 - 10 / 18)) / 2)
    lead = by_agent[lead_user.username]
    assert (lead.count, lead.reject_rate, lead.median_review_seconds) == (1, 1.0, 30)
    assert lead.median_edit_chars is None and lead.median_edit_share is None
    assert metrics.overall.count == 4 and metrics.overall.median_review_seconds == 75  # 30, 60, 90, 300


def test_metrics_per_category(reviews):
    metrics = review_metrics(since=reviews - timedelta(hours=1))
    x, y = (next(f for f in metrics.categories if f.key == slug) for slug in ("cat-x", "cat-y"))

    assert (x.label, x.count, x.approval_rate, x.edit_rate, x.reject_rate) == ("Category X", 2, 0.5, 0.5, 0.0)
    assert x.median_review_seconds == 180  # 60 and 300
    assert x.median_edit_chars == 3
    assert (y.count, y.edit_rate, y.reject_rate, y.median_review_seconds, y.median_edit_chars) == (2, 0.5, 0.5, 60, 4)
    assert [f.key for f in metrics.categories] == ["cat-x", "cat-y"]


def test_window_includes_older_reviews_when_asked(reviews):
    metrics = review_metrics(since=reviews - timedelta(days=40))
    assert metrics.overall.count == 5
    assert review_metrics(since=timezone.now()).overall.count == 0


def test_lead_page_shows_the_tables_and_agents_are_refused(lead_client, agent_user, reviews):
    html = lead_client.get("/workflows/review/metrics/?days=7").content.decode()
    assert 'data-testid="agent-metrics"' in html and 'data-testid="category-metrics"' in html
    assert '<tr data-key="cat-x"><td>Category X</td><td>2</td><td>180</td><td>50%</td><td>50%</td><td>0%</td>' in html
    agent_row = '<tr data-key="agent1"><td>agent1</td><td>3</td><td>90</td><td>33%</td><td>67%</td><td>0%</td>'
    assert agent_row + "<td>3.5</td>" in html
    agent = Client()
    agent.force_login(agent_user)
    assert agent.get("/workflows/review/metrics/").status_code == 403


def test_queue_page_links_leads_to_the_metrics(lead_client, agent_user):
    assert 'data-testid="metrics-link"' in lead_client.get("/workflows/review/").content.decode()
    agent = Client()
    agent.force_login(agent_user)
    assert 'data-testid="metrics-link"' not in agent.get("/workflows/review/").content.decode()


def test_metrics_read_in_one_query(reviews, django_assert_num_queries):
    with django_assert_num_queries(1):
        metrics = review_metrics(since=reviews - timedelta(days=40))
    assert metrics.overall.count == 5
