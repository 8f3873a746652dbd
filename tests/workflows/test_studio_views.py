"""Workflow studio screens: roles (lead and admin work, agents get 403, anonymous users go to the login page),
the workflow list figures, rollout changes, the calibration screen and the live backtest panel."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from apps.workflows.choices import Outcome, RolloutState
from tests.factories import CategoryFactory, DecisionFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_reports():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def category():
    return CategoryFactory(slug="how-to", name="How-to", reply_template="Hi {customer_name}, see Settings.")


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_roles(category, lead_user, agent_user, admin_user):
    url = reverse("workflows:workflow_list")
    assert _client(lead_user).get(url).status_code == 200
    assert _client(admin_user).get(url).status_code == 200
    agent = _client(agent_user)
    assert agent.get(url).status_code == 403
    assert agent.get(reverse("workflows:workflow_detail", args=[category.pk])).status_code == 403
    assert agent.get(reverse("workflows:workflow_calibration")).status_code == 403
    rollout = reverse("workflows:workflow_rollout", args=[category.pk])
    assert agent.post(rollout, {"state": "shadow"}).status_code == 403
    anonymous = _client().get(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert "Workflows" not in agent.get(reverse("workflows:review_queue")).content.decode()


def test_the_list_shows_rollout_and_figures(category, lead_client, django_assert_max_num_queries):
    other = CategoryFactory(slug="billing", name="Billing")
    for outcome in (Outcome.RESOLVE, Outcome.RESOLVE, Outcome.DRAFT, Outcome.ESCALATE):
        DecisionFactory(ticket=TicketFactory(category=category), category=category, outcome=outcome)
    DecisionFactory(ticket=TicketFactory(category=other), category=other, outcome=Outcome.ESCALATE)
    with django_assert_max_num_queries(12):
        response = lead_client.get(reverse("workflows:workflow_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-category="how-to"' in html and 'data-category="billing"' in html
    row = html[html.index('data-category="how-to"') :]
    assert '<td class="num" data-testid="resolution">50%</td>' in row[: row.index("</tr>")]
    assert '<td class="num" data-testid="escalation">25%</td>' in row[: row.index("</tr>")]
    billing = html[html.index('data-category="billing"') :]
    assert '<td class="num" data-testid="escalation">100%</td>' in billing[: billing.index("</tr>")]
    assert "Workflows" in html  # the navigation link


def test_rollout_moves_one_step_forward_and_records_the_start(category, lead_client):
    url = reverse("workflows:workflow_rollout", args=[category.pk])
    response = lead_client.post(url, {"state": "auto"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "one step at a time" in response.content.decode()
    category.refresh_from_db()
    assert category.rollout_state == RolloutState.OFF
    response = lead_client.post(url, {"state": "shadow"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'data-testid="rollout-state">shadow<' in response.content.decode()
    category.refresh_from_db()
    assert category.rollout_state == RolloutState.SHADOW
    started = category.rollout_started_at
    assert started is not None
    lead_client.post(url, {"state": "assist"})
    response = lead_client.post(url, {"state": "off"})  # back to humans in one step
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.rollout_state == RolloutState.OFF
    assert category.rollout_started_at == started  # the first start is kept


def test_rollout_without_csrf_token_is_refused(category, lead_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead_user)
    response = client.post(reverse("workflows:workflow_rollout", args=[category.pk]), {"state": "shadow"})
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.rollout_state == RolloutState.OFF


def test_calibration_without_a_classifier(lead_client):
    response = lead_client.get(reverse("workflows:workflow_calibration"))
    assert response.status_code == 200 and 'data-testid="no-classifier"' in response.content.decode()


def test_calibration_shows_the_curve(category, lead_client, settings, tmp_path):
    from apps.workflows.calibration import holdout_store
    from apps.workflows.models import ClassifierVersion

    settings.VAR_DIR = tmp_path
    ClassifierVersion.objects.create(model_name="t", path="classifier/m.joblib", labels=["how-to"], is_active=True)
    holdout_store(
        path=tmp_path / "classifier" / "m.joblib.holdout.npz",
        confidence=[0.99, 0.95, 0.5],
        predicted=["how-to", "how-to", "how-to"],
        label=["how-to", "billing", "how-to"],
    )
    response = lead_client.get(reverse("workflows:workflow_calibration") + "?category=how-to")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="calibration-data"' in html and "chart-risk-coverage" in html
    row = html[html.index('data-threshold="0.95"') :]
    assert '<td class="num">2</td>' in row[: row.index("</tr>")]  # 2 automated at 0.95, 1 of them wrong
    fragment = lead_client.get(reverse("workflows:workflow_calibration"), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<div id="calibration-panel"')


def test_backtest_panel_rejects_bad_thresholds(category, lead_client):
    url = reverse("workflows:workflow_backtest", args=[category.pk])
    response = lead_client.get(url, {"auto": "0.5", "draft": "0.9"})
    assert response.status_code == 422 and "must not be above" in response.content.decode()
    response = lead_client.get(url, {"auto": "abc"})
    assert response.status_code == 422 and "not a number" in response.content.decode()
    response = lead_client.get(url, {"auto": "0.9", "draft": "0.6"})
    assert response.status_code == 422 and "no trained classifier" in response.content.decode()


def test_the_detail_page_shows_rollout_thresholds_and_backtest(category, lead_client):
    response = lead_client.get(reverse("workflows:workflow_detail", args=[category.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="threshold-form"' in html and 'hx-trigger="input delay:400ms' in html
    assert 'data-testid="backtest-error"' in html  # no classifier in this workspace yet


@pytest.mark.parametrize("limit", ["x", "1e3", "123", "-500"])
def test_backtest_panel_rejects_a_bad_limit(category, lead_client, limit):
    """A limit that is not one of the offered replay sizes is a 422 with the choices named (was a 500 for "x")."""
    url = reverse("workflows:workflow_backtest", args=[category.pk])
    response = lead_client.get(url, {"auto": "0.9", "draft": "0.5", "limit": limit})
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="backtest-error"' in html and "200, 500, 1000 or 2500" in html


def test_backtest_panel_rejects_a_bad_version_number(category, lead_client):
    url = reverse("workflows:workflow_backtest", args=[category.pk])
    response = lead_client.get(url, {"auto": "0.9", "draft": "0.5", "version": "x"})
    assert response.status_code == 422 and "not a version number" in response.content.decode()
    response = lead_client.get(url, {"version": "99"})
    assert response.status_code == 422 and "has no version 99" in response.content.decode()


def test_diff_against_a_bad_version_is_not_found(category, lead_user):
    from apps.workflows.services.versions import workflow_for_category, workflow_version_create_draft

    draft = workflow_version_create_draft(workflow=workflow_for_category(category=category), user=lead_user)
    url = reverse("workflows:version_diff", args=[category.pk, draft.number])
    assert _client(lead_user).get(url, {"against": "x"}).status_code == 404
    assert _client(lead_user).get(url, {"against": "99"}).status_code == 404


@pytest.mark.parametrize("htmx", [True, False])
def test_rollout_refuses_an_unknown_state_with_422(category, lead_client, htmx):
    """state=bogus used to answer 200 (a redirect to the list, the error only in a flash message)."""
    url = reverse("workflows:workflow_rollout", args=[category.pk])
    response = lead_client.post(url, {"state": "bogus"}, headers={"HX-Request": "true"} if htmx else {})
    html = response.content.decode()
    assert response.status_code == 422 and "unknown rollout state &#x27;bogus&#x27;" in html
    assert ('role="alert"' if htmx else '<li class="error">') in html  # on the row, or the page's message list
    category.refresh_from_db()
    assert category.rollout_state == RolloutState.OFF


def test_rollout_never_redirects_off_site(category, lead_client):
    url = reverse("workflows:workflow_rollout", args=[category.pk])
    response = lead_client.post(url, {"state": "shadow", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("workflows:workflow_list")
    response = lead_client.post(
        url, {"state": "off", "next": reverse("workflows:workflow_detail", args=[category.pk])}
    )
    assert response["Location"] == reverse("workflows:workflow_detail", args=[category.pk])
