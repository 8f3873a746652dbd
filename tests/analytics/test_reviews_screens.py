"""Monthly review (page, sign-off, CSV), the audit and metrics screens, escalation knowledge, suggestions."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.analytics.models import EscalationNote, Feedback, SuggestedCategory
from apps.analytics.reviews import month_bounds, monthly_review_csv, monthly_reviews_build
from apps.escalation.models import TriggerRule
from apps.escalation.triggers import triggers_check
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Ticket
from apps.workflows.models import Category
from tests.factories import CategoryFactory, DecisionFactory, MessageFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review():
    """Last month: 4 FAQ tickets, 2 AI-resolved; one answer rated 'not helpful' (CSAT 1)."""
    month = (timezone.now().replace(day=1) - timedelta(days=1)).date().replace(day=1)
    since, _ = month_bounds(month)
    faq = CategoryFactory(slug="faq", name="FAQ")
    tickets = [TicketFactory(category=faq, created_at=since + timedelta(days=2 + i)) for i in range(4)]
    decision = DecisionFactory(ticket=tickets[0], category=faq, outcome="resolve", sent=True, reply_text="Try X.")
    DecisionFactory(ticket=tickets[1], category=faq, outcome="resolve", sent=True)
    Feedback.objects.create(
        ticket=tickets[0],
        decision=decision,
        csat=1,
        helpful=False,
        comment="X did not work",
        created_at=since + timedelta(days=3),
    )
    (built,) = [r for r in monthly_reviews_build(month=month, backtest=False) if r.category == faq]
    return built


def test_monthly_review_report_and_csv(review):
    data = review.data
    changes = {c["metric"]: c for c in data["changes"]}
    assert changes["tickets"]["current"] == 4 and changes["tickets"]["previous"] == 0
    assert changes["ai_resolution_rate"]["current"] == 0.5
    assert data["unhelpful"][0]["comment"] == "X did not work" and data["unhelpful"][0]["outcome"] == "resolve"
    assert data["thresholds"] == {"error": "backtest skipped"}
    rows = list(csv.reader(io.StringIO(monthly_review_csv(review))))
    assert rows[0] == ["section", "item", "current", "reference", "difference", "p_value", "significant", "detail"]
    sections = [r[0] for r in rows[1:]]
    assert sections.count("metric") == len(data["changes"]) and "unhelpful" in sections
    assert rows[-1] == ["sign_off", "", "", "", "", "", "", "not signed"]
    assert next(r for r in rows if r[1] == "tickets")[2:5] == ["4", "0", "4"]


def test_sign_off_once_then_frozen(lead_client, lead_user, review):
    page = lead_client.get(f"/analytics/reviews/{review.pk}/")
    assert page.status_code == 200 and "X did not work" in page.content.decode()
    assert lead_client.post(f"/analytics/reviews/{review.pk}/sign-off/").status_code == 302
    review.refresh_from_db()
    assert review.signed_off_by == lead_user and review.signed_off_at is not None
    lead_client.post(f"/analytics/reviews/{review.pk}/sign-off/")
    review.refresh_from_db()
    signed_at = review.signed_off_at
    monthly_reviews_build(month=review.month, backtest=False)  # a rebuild leaves a signed review alone
    review.refresh_from_db()
    assert review.signed_off_at == signed_at
    response = lead_client.get(f"/analytics/reviews/{review.pk}.csv")
    assert response["Content-Type"].startswith("text/csv") and "faq-" in response["Content-Disposition"]
    assert "lead1" in response.content.decode().splitlines()[-1]


def test_agents_cannot_open_the_lead_screens(agent_client, review):
    for url in (
        "/analytics/audit/",
        "/analytics/metrics/",
        "/analytics/reviews/",
        f"/analytics/reviews/{review.pk}/",
        "/analytics/escalation-knowledge/",
    ):
        assert agent_client.get(url).status_code == 403, url


def test_anonymous_goes_to_login(client):
    assert client.get("/analytics/audit/").status_code == 302


def test_audit_screen_ranks_and_passes_chart_data(lead_client, audit_history):
    from apps.analytics.rollup import category_stats_refresh_recent

    category_stats_refresh_recent(days=100)
    html = lead_client.get("/analytics/audit/?days=90").content.decode()
    order = list(re.findall(r'<tr data-category="([^"]+)"', html))
    assert order == ["password-reset", "billing-dispute", "legal"]
    data = json.loads(re.search(r'<script id="audit-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["labels"][0] == "Password reset" and data["sensitive"] == [False, False, True]
    assert "chart.umd.min.js" in html


def test_metrics_screen_filters(lead_client, audit_history):
    from apps.analytics.rollup import category_stats_refresh_recent

    category_stats_refresh_recent(days=100)
    html = lead_client.get("/analytics/metrics/?days=90&channel=chat&tier=bogus").content.decode()
    assert 'data-category="password-reset"' in html and 'data-category="legal"' not in html  # chat only
    assert '<option value="chat" selected>' in html


def test_escalation_knowledge_becomes_trigger_rules(lead_client):
    QueueFactory(slug="billing")
    response = lead_client.post(
        "/analytics/escalation-knowledge/",
        {
            "title": "Chargeback threats",
            "keywords": "chargeback, dispute with my bank",
            "tiers": ["enterprise"],
            "signals": ["frustration"],
            "queue_slug": "billing",
            "note": "Call them back within the hour.",
        },
    )
    assert response.status_code == 302
    note = EscalationNote.objects.get()
    rules = {r.name: r for r in TriggerRule.objects.filter(name__in=note.rule_names)}
    assert {r.kind for r in rules.values()} == {"keyword", "tier", "frustration"}
    words = next(r for r in rules.values() if r.kind == "keyword")
    assert words.phrases == ["chargeback", "dispute with my bank"] and words.queue_slug == "billing"
    hits = triggers_check(text="I will open a chargeback today", tier="free")
    assert words.name in [h.name for h in hits]
    bad = lead_client.post("/analytics/escalation-knowledge/", {"title": "Empty"})
    assert bad.status_code == 400 and EscalationNote.objects.count() == 1


def test_suggested_categories_cluster_name_merge_accept(lead_client, lead_user):
    topics = {
        "password": [
            "I forgot my password and cannot log in",
            "password reset email never arrives",
            "cannot sign in, password not accepted",
            "locked out after password change",
        ],
        "invoice": [
            "please send the invoice for March",
            "invoice shows the wrong VAT number",
            "where can I download my invoice",
            "invoice address is wrong on the invoice",
        ],
    }
    now = timezone.now()
    topic_of = {}
    for topic, texts in topics.items():
        for i, text in enumerate(texts * 2):
            t = TicketFactory(subject="", created_at=now - timedelta(days=1, minutes=i))
            MessageFactory(ticket=t, author_kind=AuthorKind.CUSTOMER, body=text)
            topic_of[t.pk] = topic
    response = lead_client.post("/analytics/audit/suggestions/?days=90")
    assert response.status_code == 302
    suggestions = list(SuggestedCategory.objects.order_by("id"))
    assert len(suggestions) >= 2
    by_term = {s.pk: " ".join(s.top_terms) for s in suggestions}
    assert any("password" in t for t in by_term.values()) and any("invoice" in t for t in by_term.values())
    assert all(len({topic_of[t] for t in s.ticket_ids}) == 1 for s in suggestions)  # each cluster is one topic
    assert sum(s.size for s in suggestions) == 16
    first, second, *_ = suggestions
    expected = first.size + second.size
    lead_client.post(f"/analytics/audit/suggestions/{first.pk}/", {"action": "merge", "merge": [second.pk]})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.size == expected and second.status == "merged" and second.merged_into == first
    lead_client.post(f"/analytics/audit/suggestions/{first.pk}/", {"action": "accept", "name": "Account and billing"})
    first.refresh_from_db()
    category = Category.objects.get(slug="account-and-billing")
    assert first.status == "accepted" and first.category == category
    assert Ticket.objects.filter(labelled_category=category).count() == len(first.ticket_ids)


def test_admins_open_the_lead_screens(admin_client_, review):
    for url in ("/analytics/audit/", "/analytics/metrics/", "/analytics/reviews/", "/analytics/feedback/"):
        assert admin_client_.get(url).status_code == 200, url


def test_api_audit_and_category_metrics(lead_user, agent_user, audit_history):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from apps.analytics.rollup import category_stats_refresh_recent

    category_stats_refresh_recent(days=100)
    lead = APIClient()
    lead.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=lead_user).key}")
    body = lead.get("/api/v1/metrics/audit/?days=90&coverage_sample=0").json()
    assert [c["slug"] for c in body["categories"]] == ["password-reset", "billing-dispute", "legal"]
    assert body["build_order"] == ["password-reset", "billing-dispute"] and body["source"] == "stats"
    live = lead.get("/api/v1/metrics/audit/?days=90&coverage_sample=0&source=live").json()
    assert [c["slug"] for c in live["categories"]] == [c["slug"] for c in body["categories"]]
    metrics = lead.get("/api/v1/metrics/categories/?days=90&channel=chat").json()
    by_slug = {c["slug"]: c for c in metrics["categories"]}
    assert by_slug["password-reset"]["current"]["tickets"] + by_slug["password-reset"]["baseline"]["tickets"] == 30
    assert lead.get("/api/v1/metrics/categories/?channel=fax").status_code == 400
    agent = APIClient()
    agent.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent_user).key}")
    assert agent.get("/api/v1/metrics/audit/").status_code == 403
