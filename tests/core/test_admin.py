"""Every registered model's change list (and add page where allowed) loads for an admin within a query budget."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import DraftFactory, HandoffFactory

pytestmark = pytest.mark.django_db

OUR_MODELS = [
    m
    for m in admin.site._registry
    if m._meta.app_label in {"core", "tickets", "workflows", "knowledge", "escalation", "integrations", "analytics"}
]


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_add_page_load(admin_client_, model, django_assert_max_num_queries):
    for _ in range(3):
        DraftFactory()
        HandoffFactory()
    meta = model._meta
    with django_assert_max_num_queries(25):
        response = admin_client_.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    model_admin = admin.site._registry[model]
    add = admin_client_.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    expected = 200 if model_admin.has_add_permission(type("R", (), {"user": response.wsgi_request.user})()) else 403
    assert add.status_code == expected


def test_decision_change_page_renders_trace_readably(admin_client_):
    draft = DraftFactory(decision__trace={"steps": [{"name": "classify", "ms": 3}]})
    response = admin_client_.get(reverse("admin:workflows_decision_change", args=[draft.decision.pk]))
    assert response.status_code == 200
    assert b'<pre class="json">' in response.content and b"classify" in response.content
    assert b'name="trace"' not in response.content  # read-only: no editable text box
