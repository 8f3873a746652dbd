"""Version screens: the tree editor (add, edit, remove, reorder nodes with inline validation; read-only published
versions), the preview, the diff, publish / rollback through the screens, and the sandbox. Lead and admin work,
agents get 403, anonymous users go to the login page; POSTs need the CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.workflows.classifier.types import Prediction
from apps.workflows.models import WorkflowTestCase
from apps.workflows.services.versions import (
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_publish,
    workflow_version_update,
)
from tests.factories import CategoryFactory
from tests.workflows.test_studio_backtest import KeywordClassifier

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def keyword_classifier(monkeypatch):
    """The screens read the active classifier; here it is the deterministic keyword model of the backtest tests."""
    model = KeywordClassifier()
    for target in ("apps.workflows.services.sandbox.get_active_classifier",):
        monkeypatch.setattr(target, lambda: model)
    return model


@pytest.fixture
def category():
    return CategoryFactory(
        slug="how-to", name="How-to", auto_threshold=0.9, draft_threshold=0.6, reply_template="Hi, see Settings."
    )


@pytest.fixture
def versions(category, lead_user):
    workflow = workflow_for_category(category=category)
    v1 = workflow_version_publish(
        version=workflow_version_create_draft(workflow=workflow, user=lead_user), user=lead_user
    )
    v2 = workflow_version_create_draft(workflow=workflow, user=lead_user)
    return v1, v2


def _client(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _url(name, category, version, *extra):
    return reverse(f"workflows:{name}", args=[category.pk, version.number, *extra])


def test_roles_on_the_version_screens(category, versions, lead_user, agent_user, admin_user):
    v1, v2 = versions
    pages = [
        _url("version_detail", category, v2),
        _url("version_sandbox", category, v2),
        _url("version_diff", category, v2),
    ]
    for page in pages:
        assert _client(lead_user).get(page).status_code == 200, page
        assert _client(admin_user).get(page).status_code == 200, page
        assert _client(agent_user).get(page).status_code == 403, page
        assert _client().get(page).status_code == 302, page
    agent = _client(agent_user)
    assert agent.post(_url("node_add", category, v2), {"kind": "escalate"}).status_code == 403
    assert agent.post(_url("version_publish", category, v2)).status_code == 403
    assert agent.post(reverse("workflows:version_create", args=[category.pk])).status_code == 403
    v2.refresh_from_db()
    assert v2.status == "draft" and [n["id"] for n in v2.tree["nodes"]] == ["answer", "escalate"]


def test_node_add_edit_move_remove_with_inline_validation(category, versions, lead_user):
    _, v2 = versions
    lead = _client(lead_user)

    def kinds():
        v2.refresh_from_db()
        return [n["type"] for n in v2.tree["nodes"]]

    assert kinds() == ["answer", "escalate"]  # the default tree
    response = lead.post(_url("node_add", category, v2), {"kind": "need_info"}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="node-list"')
    assert "not reachable from the start" in html and 'data-valid="false"' in html  # inline, on the new node
    lead.post(_url("node_add", category, v2), {"kind": "escalate"}, headers=HX)
    assert kinds() == ["answer", "escalate", "need_info", "escalate"]

    lead.post(_url("node_move", category, v2), {"index": "3", "direction": "up"}, headers=HX)
    assert kinds() == ["answer", "escalate", "escalate", "need_info"]
    response = lead.post(_url("node_move", category, v2), {"index": "0", "direction": "up"}, headers=HX)
    assert response.status_code == 422 and "already at that end" in response.content.decode()

    response = lead.post(_url("node_edit", category, v2), {"index": "0", "fields": "{oops"}, headers=HX)
    assert response.status_code == 422 and "not valid JSON" in response.content.decode()
    assert kinds() == ["answer", "escalate", "escalate", "need_info"]  # nothing lost

    edit = {"index": "3", "id": "ask_order", "fields": '{"fields": [], "next": "answer"}'}
    html = lead.post(_url("node_edit", category, v2), edit, headers=HX).content.decode()
    node = html[html.index('id="node-3"') :]
    assert 'data-testid="node-error"' in node[: node.index("</li>")]  # the schema's error on that node
    v2.refresh_from_db()
    assert v2.tree["nodes"][3] == {"id": "ask_order", "type": "need_info", "fields": [], "next": "answer"}

    lead.post(_url("node_remove", category, v2), {"index": "3"}, headers=HX)
    html = lead.post(_url("node_remove", category, v2), {"index": "2"}, headers=HX).content.decode()
    assert kinds() == ["answer", "escalate"] and 'data-testid="tree-valid"' in html
    response = lead.post(_url("node_remove", category, v2), {"index": "7"}, headers=HX)
    assert response.status_code == 422 and "no node 8" in response.content.decode()
    response = lead.post(_url("node_add", category, v2), {"kind": "teleport"}, headers=HX)
    assert response.status_code == 422 and "unknown node kind" in response.content.decode()


def test_published_versions_are_read_only_on_screen(category, versions, lead_user):
    v1, _ = versions
    lead = _client(lead_user)
    html = lead.get(_url("version_detail", category, v1)).content.decode()
    assert "read-only" in html and 'data-testid="add-node"' not in html
    response = lead.post(_url("node_add", category, v1), {"kind": "escalate"}, headers=HX)
    assert response.status_code == 409 and "never change" in response.content.decode()


def test_preview_and_sandbox_through_the_screens(category, versions, lead_user, keyword_classifier):
    v1, v2 = versions
    lead = _client(lead_user)
    response = lead.post(_url("version_preview", category, v2), {"text": "[how-to@0.95] Export?"}, headers=HX)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="preview-outcome">resolve<' in html
    response = lead.post(_url("version_preview", category, v2), {"text": ""}, headers=HX)
    assert response.status_code == 422

    add = _url("sandbox_case_add", category, v2)
    lead.post(add, {"text": "[how-to@0.95] Export?", "channel": "chat", "tier": "pro", "expected_outcome": "resolve"})
    response = lead.post(add, {"text": "", "channel": "chat"}, follow=True)
    assert "needs the customer" in response.content.decode()
    assert WorkflowTestCase.objects.count() == 1

    lead.post(_url("version_thresholds", category, v2), {"auto": "0.97", "draft": "0.6"})
    v2.refresh_from_db()
    assert v2.thresholds == {"auto": 0.97, "draft": 0.6}
    response = lead.post(_url("version_sandbox", category, v2), headers=HX)
    html = response.content.decode()
    assert 'data-testid="sandbox-summary"' in html and "0 / 1" in html and "1 regression" in html

    publish = _url("version_publish", category, v2)
    response = lead.post(publish, {"change_note": "stricter"})
    assert response.status_code == 302 and response["Location"].endswith("/sandbox/")
    v2.refresh_from_db()
    assert v2.status == "draft"
    response = lead.post(publish, {"change_note": "stricter", "confirm_regressions": "on"})
    assert response.status_code == 302
    v2.refresh_from_db()
    v1.refresh_from_db()
    assert (v2.status, v2.published_by, v1.status) == ("published", lead_user, "archived")

    detail = lead.get(reverse("workflows:workflow_detail", args=[category.pk])).content.decode()
    assert f'data-version="{v2.number}"' in detail and "stricter" in detail
    diff = lead.get(_url("version_diff", category, v1) + f"?against={v2.number}").content.decode()
    assert 'data-field="thresholds"' in diff and "0.97" in diff

    response = lead.post(_url("version_rollback", category, v1))
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.auto_threshold == 0.9


def test_new_draft_and_csrf(category, lead_user):
    strict = _client(lead_user, enforce_csrf_checks=True)
    url = reverse("workflows:version_create", args=[category.pk])
    assert strict.post(url).status_code == 403
    response = _client(lead_user).post(url)
    assert response.status_code == 302
    workflow = category.workflow
    assert workflow.versions.get().status == "draft"
    response = _client(lead_user).post(url, follow=True)
    assert "already has a draft" in response.content.decode()


def test_keyword_classifier_is_a_real_predictor():
    assert KeywordClassifier().predict(["[a@0.5] x"]) == [Prediction(category="a", confidence=0.5)]


def test_start_and_fallback(category, versions, lead_user):
    _, v2 = versions
    lead = _client(lead_user)
    lead.post(_url("node_add", category, v2), {"kind": "escalate"}, headers=HX)
    html = lead.post(_url("tree_ends", category, v2), {"start": "escalate_1"}, headers=HX).content.decode()
    v2.refresh_from_db()
    assert v2.tree["start"] == "escalate_1"
    assert "not reachable from the start" in html  # the answer node now hangs loose
    response = lead.post(_url("tree_ends", category, v2), {"fallback": "answer"}, headers=HX)
    assert response.status_code == 422 and "the fallback must be an escalate node" in response.content.decode()
    v2.refresh_from_db()
    assert v2.tree["fallback"] == "escalate"  # refused, not saved


def test_start_and_fallback_must_name_nodes_of_the_tree(category, versions, lead_user):
    """start=nope&fallback=nope used to be saved (200) and left an invalid tree; now 422 and nothing changes."""
    _, v2 = versions
    before = v2.tree
    lead = _client(lead_user)
    for form in ({"start": "nope", "fallback": "nope"}, {"start": "nope"}, {"fallback": "nope"}, {"start": "A B"}):
        response = lead.post(_url("tree_ends", category, v2), form, headers=HX)
        html = response.content.decode()
        assert response.status_code == 422, form
        assert "the tree has no node &#x27;" in html, form
        v2.refresh_from_db()
        assert v2.tree == before, form
    page = lead.post(_url("tree_ends", category, v2), {"start": "nope"})  # without HTMX: the whole page
    assert page.status_code == 422 and 'data-testid="edit-error"' in page.content.decode()


@pytest.mark.parametrize("direction", ["sideways", "", "UP"])
def test_node_move_refuses_an_unknown_direction(category, versions, lead_user, direction):
    _, v2 = versions
    response = _client(lead_user).post(
        _url("node_move", category, v2), {"index": "0", "direction": direction}, headers=HX
    )
    assert response.status_code == 422 and "move a node up or down" in response.content.decode()
    v2.refresh_from_db()
    assert [n["id"] for n in v2.tree["nodes"]] == ["answer", "escalate"]  # not moved


def test_preview_refuses_an_unknown_tier(category, versions, lead_user, keyword_classifier):
    _, v2 = versions
    form = {"text": "How do I export?\nPlease help", "channel": "email", "tier": "platinum"}
    response = _client(lead_user).post(_url("version_preview", category, v2), form, headers=HX)
    assert response.status_code == 422 and "unknown tier &#x27;platinum&#x27;" in response.content.decode()


def test_sandbox_case_errors_are_422_on_the_page_with_the_input_kept(category, versions, lead_user):
    _, v2 = versions
    lead = _client(lead_user)
    form = {"text": "Where is the export button?", "channel": "fax", "tier": "", "expected_outcome": ""}
    response = lead.post(_url("sandbox_case_add", category, v2), form)
    html = response.content.decode()
    assert response.status_code == 422 and "unknown channel &#x27;fax&#x27;" in html
    assert "Where is the export button?</textarea>" in html  # the text is not lost
    response = lead.post(_url("sandbox_case_add", category, v2), {"from_history": "1", "limit": "lots"})
    assert response.status_code == 422 and "between 1 and 200" in response.content.decode()
    assert not WorkflowTestCase.objects.exists()


def test_bad_thresholds_on_a_draft_are_422_on_the_detail_page(category, versions, lead_user):
    _, v2 = versions
    response = _client(lead_user).post(_url("version_thresholds", category, v2), {"auto": "2", "draft": "0.6"})
    html = response.content.decode()
    assert response.status_code == 422 and "outside 0–1" in html
    assert 'name="auto" id="id_auto" min="0" max="1" step="0.01" value="2"' in html  # the input is kept
    v2.refresh_from_db()
    assert v2.thresholds.get("auto") != 2


def test_the_detail_page_says_who_changed_what(category, versions, lead_user, admin_user, keyword_classifier):
    v1, v2 = versions
    _client(lead_user).post(_url("version_thresholds", category, v2), {"auto": "0.95", "draft": "0.6"})
    _client(admin_user).post(_url("version_publish", category, v2), {"change_note": "stricter"})
    _client(lead_user).post(reverse("workflows:workflow_rollout", args=[category.pk]), {"state": "shadow"})
    html = _client(lead_user).get(reverse("workflows:workflow_detail", args=[category.pk])).content.decode()
    history = html[html.index('data-testid="history"') :]
    rows = history[: history.index("</table>")]
    assert "admin1</td><td>v2 changed" in rows and 'status: <span class="muted">draft</span> → published' in rows
    assert "admin1</td><td>v1 changed" in rows  # archived
    assert "lead1</td><td>v2 changed" in rows and "thresholds:" in rows
    assert (
        "lead1</td><td>category how-to changed" in rows and 'rollout: <span class="muted">off</span> → shadow' in rows
    )


def test_draft_settings(category, versions, lead_user):
    v1, v2 = versions
    lead = _client(lead_user)
    url = _url("version_settings", category, v2)
    response = lead.post(url, {"guidelines": "Short.", "required_fields": "order_id", "profiles": "{oops"})
    assert response.status_code == 422 and "not valid JSON" in response.content.decode()
    assert "{oops" in response.content.decode()  # the input is kept
    response = lead.post(url, {"guidelines": "Short.", "required_fields": "order id", "profiles": "{}"})
    assert response.status_code == 422 and "letters, digits" in response.content.decode()
    response = lead.post(url, {"guidelines": "Short.", "profiles": '{"chat": {"colour": "red"}}'})
    assert response.status_code == 422 and "unknown setting(s) colour" in response.content.decode()
    profiles = '{"chat": {"max_chars": 300}}'
    response = lead.post(url, {"guidelines": "Short.", "required_fields": "order_id, email", "profiles": profiles})
    assert response.status_code == 200
    v2.refresh_from_db()
    assert (v2.guidelines, v2.required_fields, v2.profiles) == (
        "Short.",
        ["order_id", "email"],
        {"chat": {"max_chars": 300}},
    )
    response = lead.post(_url("version_settings", category, v1), {"guidelines": "x", "profiles": "{}"})
    assert response.status_code == 409


def test_required_information_on_the_settings_form(category, versions, lead_user):
    v1, v2 = versions
    lead = _client(lead_user)
    page = lead.get(_url("version_detail", category, v2)).content.decode()
    assert 'data-testid="required-help"' in page and "order_id" in page and "invoice_id" in page
    url = _url("version_settings", category, v2)
    response = lead.post(url, {"guidelines": "", "required_fields": "shoe_size", "profiles": "{}"})
    assert response.status_code == 422 and "shoe_size" in response.content.decode()
    assert 'value="shoe_size"' in response.content.decode()  # the input is kept
    v2.refresh_from_db()
    assert v2.required_fields == []
    spec = {"name": "shoe_size", "label": "shoe size", "patterns": [r"\bsize (\d\d)\b"]}
    workflow_version_update(version=v2, user=lead_user, required_fields=[spec])
    response = lead.post(url, {"guidelines": "", "required_fields": "shoe_size, order_id", "profiles": "{}"})
    assert response.status_code == 200
    v2.refresh_from_db()
    assert v2.required_fields == [spec, "order_id"]  # a field with its own patterns keeps them
    assert 'value="shoe_size, order_id"' in response.content.decode()
