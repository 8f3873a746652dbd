"""``GET /api/v1/metrics/``: per-category counts and rates from the dashboard selectors."""

import pytest

from tests.factories import CategoryFactory, DecisionFactory

pytestmark = pytest.mark.django_db


def test_metrics_per_category_counts_and_rates(lead_api, django_assert_max_num_queries):
    billing, login = CategoryFactory(slug="billing", name="Billing"), CategoryFactory(slug="login", name="Login")
    for outcome in ("resolve", "resolve", "resolve", "escalate"):
        DecisionFactory(category=billing, outcome=outcome, sent=outcome == "resolve")
    DecisionFactory(category=login, outcome="draft")
    with django_assert_max_num_queries(8):
        response = lead_api.get("/api/v1/metrics/", {"days": 7})
    assert response.status_code == 200
    body = response.json()
    by_slug = {c["slug"]: c for c in body["categories"]}
    assert by_slug["billing"]["counts"] == {"resolve": 3, "draft": 0, "escalate": 1}
    assert by_slug["billing"]["rates"] == {"resolve": 0.75, "draft": 0.0, "escalate": 0.25}
    assert by_slug["login"]["decisions"] == 1
    assert body["totals"]["decisions"] == 5
    assert body["totals"]["automation_rate"] == pytest.approx(3 / 5)
    assert len(body["days"]) == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 400}, "days"),
        ({"since": "2026-01-01T00:00:00Z"}, "since"),
        ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
        ({"since": "2024-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "until"),
    ],
)
def test_metrics_rejects_bad_periods(lead_api, params, field):
    response = lead_api.get("/api/v1/metrics/", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_metrics_explicit_period(admin_api):
    response = admin_api.get("/api/v1/metrics/", {"since": "2026-01-01T00:00:00Z", "until": "2026-01-03T00:00:00Z"})
    assert response.status_code == 200
    assert [d["day"] for d in response.json()["days"]] == ["2026-01-01", "2026-01-02"]
    assert response.json()["totals"]["resolution_rate"] is None


@pytest.mark.parametrize("query", ["since=2999-01-01", "since=2999-01-01&source=live"])
def test_audit_since_in_the_future_is_a_400(lead_api, query):
    response = lead_api.get(f"/api/v1/metrics/audit/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "after today" in str(response.json()["error"])
