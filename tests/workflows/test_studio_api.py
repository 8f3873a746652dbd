"""Workflow versions over the API: leads publish (blocked by sandbox regressions unless confirmed), roll back,
run the sandbox and backtest; agents get 403; the answers follow the schema's error format."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.workflows.services.sandbox import sandbox_case_create
from apps.workflows.services.versions import (
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_publish,
    workflow_version_update,
)
from tests.factories import CategoryFactory
from tests.workflows.test_studio_backtest import KeywordClassifier, history  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def model(monkeypatch):
    model = KeywordClassifier()
    monkeypatch.setattr("apps.workflows.services.sandbox.get_active_classifier", lambda: model)
    monkeypatch.setattr("apps.workflows.services.backtest.get_active_classifier", lambda: model)
    return model


@pytest.fixture
def versions(lead_user):
    category = CategoryFactory(
        slug="how-to", name="How-to", auto_threshold=0.9, draft_threshold=0.6, reply_template="Hi, see Settings."
    )
    workflow = workflow_for_category(category=category)
    v1 = workflow_version_publish(version=workflow_version_create_draft(workflow=workflow, user=lead_user))
    v2 = workflow_version_create_draft(workflow=workflow, user=lead_user)
    workflow_version_update(version=v2, user=lead_user, thresholds={"auto": 0.97, "draft": 0.6})
    sandbox_case_create(workflow=workflow, text="[how-to@0.95] Export?", expected_outcome="resolve")
    return v1, v2


def test_agents_cannot_use_it(versions, agent_user):
    assert _api(agent_user).get("/api/v1/workflow-versions/").status_code == 403
    assert _api(agent_user).post(f"/api/v1/workflow-versions/{versions[1].pk}/publish/").status_code == 403


def test_list_sandbox_publish_and_rollback(versions, lead_user, model):
    v1, v2 = versions
    api = _api(lead_user)
    listed = api.get("/api/v1/workflow-versions/", {"category": "how-to"}).json()
    summary = [(v["number"], v["status"], v["created_by"], v["published_by"]) for v in listed]
    assert summary == [(2, "draft", "lead1", None), (1, "published", "lead1", None)]

    run = api.post(f"/api/v1/workflow-versions/{v2.pk}/sandbox/").json()
    assert (run["passed"], run["total"], run["published_passed"], run["regressions"]) == (0, 1, 1, 1)
    assert run["cases"][0]["change"] == "regression"

    refused = api.post(f"/api/v1/workflow-versions/{v2.pk}/publish/", {"change_note": "stricter"}, format="json")
    assert refused.status_code == 400 and "sandbox case" in refused.json()["error"]["message"]
    done = api.post(
        f"/api/v1/workflow-versions/{v2.pk}/publish/",
        {"change_note": "stricter", "confirm_regressions": True},
        format="json",
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["published_by"]) == ("published", "lead1")
    again = api.post(f"/api/v1/workflow-versions/{v2.pk}/publish/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

    rolled = api.post(f"/api/v1/workflow-versions/{v1.pk}/rollback/")
    assert rolled.status_code == 200
    assert (rolled.json()["number"], rolled.json()["change_note"]) == (3, "rollback to v1")


def test_backtest(versions, lead_user, model, history):  # noqa: F811
    _, v2 = versions
    api = _api(lead_user)
    body = api.get(f"/api/v1/workflow-versions/{v2.pk}/backtest/", {"limit": 50}).json()
    assert body["tickets"] == 7
    at = body["at_thresholds"]
    assert (at["auto_threshold"], at["routed"], at["auto"]) == (0.97, 5, 1)
    assert len(body["sweep"]) > 5
    assert api.get(f"/api/v1/workflow-versions/{v2.pk}/backtest/", {"limit": 0}).status_code == 400
