"""Change history (django-simple-history in the audit app): who changed a tracked object and what, viewable from
the object's admin page; untracked fields and new columns elsewhere stay out of the history tables."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.registry import TRACKED, tracked_models
from apps.escalation.models import TriggerRule
from apps.workflows.models import Category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_admin_change_records_who_and_what(admin_client_, admin_user):
    category = CategoryFactory(slug="billing", auto_threshold=0.9)
    url = reverse("admin:workflows_category_change", args=[category.pk])
    form = admin_client_.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(auto_threshold="0.95", default_queue="")
    response = admin_client_.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    latest = category.history.first()
    assert latest.history_type == "~" and latest.history_user == admin_user
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("auto_threshold", 0.9, 0.95)]
    page = admin_client_.get(reverse("admin:workflows_category_history", args=[category.pk]))
    assert page.status_code == 200
    assert b"0.95" in page.content and admin_user.username.encode() in page.content


def test_role_change_is_recorded(django_user_model):
    user = django_user_model.objects.create_user(username="promoted", password="x", role="agent")
    user.role = "lead"
    user.save()
    assert list(user.history.values_list("role", flat=True)) == ["lead", "agent"]
    assert "password" not in {f.name for f in user.history.model._meta.fields}


def test_trigger_rule_deletion_is_kept():
    rule = TriggerRule.objects.create(name="audit-test-rule", phrases=["audit test"])
    pk = rule.pk
    rule.delete()
    assert list(TriggerRule.history.filter(id=pk).values_list("history_type", flat=True)) == ["-", "+"]


def test_history_tables_hold_only_the_allow_listed_fields():
    for model in tracked_models():
        history_fields = {f.name for f in model.history.model._meta.fields}
        assert set(TRACKED[model._meta.label]) <= history_fields
        extra = {f.name for f in model._meta.concrete_fields} - set(TRACKED[model._meta.label]) - {"id"}
        assert not (extra & history_fields), model


def test_bulk_threshold_change_through_the_model_is_recorded():
    category = CategoryFactory(slug="login")
    Category.objects.get(pk=category.pk).save()
    assert category.history.count() == 2


def test_change_history_screen_for_leads(lead_client, admin_user, client, agent_user, django_assert_max_num_queries):
    from apps.escalation.models import Queue

    category = CategoryFactory(slug="refunds", auto_threshold=0.9)
    category.auto_threshold = 0.97
    category.save()
    queue = Queue.objects.create(slug="audit-q", name="Audit queue")
    queue.delete()
    with django_assert_max_num_queries(40):
        response = lead_client.get(reverse("audit:change_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "auto_threshold" in html and "0.97" in html and "deleted queue" in html
    changes = response.context["changes"]
    assert [c.action for c in changes[:3]] == ["deleted", "created", "changed"]
    assert changes[2].fields == [("auto_threshold", 0.9, 0.97)]
    filtered = lead_client.get(reverse("audit:change_list"), {"model": "workflows.Category"})
    assert {c.model for c in filtered.context["changes"]} == {"workflows.Category"}
    client.force_login(agent_user)
    assert client.get(reverse("audit:change_list")).status_code == 403


def test_change_history_api(lead_user, agent_user):
    from rest_framework.test import APIClient

    category = CategoryFactory(slug="api-audit", draft_threshold=0.6)
    category.draft_threshold = 0.5
    category.save()
    api = APIClient()
    api.force_authenticate(lead_user)
    response = api.get("/api/v1/audit/changes/", {"model": "workflows.Category", "limit": 1})
    assert response.status_code == 200
    [change] = response.json()
    assert change["action"] == "changed" and change["label"] == category.name
    assert change["fields"] == [{"field": "draft_threshold", "old": 0.6, "new": 0.5}]
    assert api.get("/api/v1/audit/changes/", {"model": "nope"}).status_code == 400
    api.force_authenticate(agent_user)
    assert api.get("/api/v1/audit/changes/").status_code == 403


def test_history_is_read_only_in_the_admin(admin_client_):
    category = CategoryFactory(slug="history-lock", auto_threshold=0.9)
    category.auto_threshold = 0.99
    category.save()
    old = category.history.last()
    url = reverse("admin:workflows_category_simple_history", args=[category.pk, old.history_id])
    page = admin_client_.get(url)
    assert page.status_code == 200 and b"Revert" not in page.content
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    assert admin_client_.post(url, {**data, "default_queue": ""}).status_code == 403
    category.refresh_from_db()
    assert category.auto_threshold == 0.99


def test_saves_of_untracked_fields_leave_no_history(client, django_user_model):
    user = django_user_model.objects.create_user(username="quiet", password="pw-quiet-123", role="agent")
    assert user.history.count() == 1
    assert client.login(username="quiet", password="pw-quiet-123")  # updates last_login only
    user.availability = "online"
    user.save(update_fields=["availability"])
    assert user.history.count() == 1
    user.email = "quiet@example.com"
    user.save(update_fields=["email"])
    assert user.history.count() == 2


def test_change_list_pairs_each_record_with_its_own_models_earlier_row(django_user_model):
    """History ids repeat across the history tables: a Queue's second row must be diffed against the Queue's first,
    never against a User row with the same history id (the /audit/ page failed with FieldDoesNotExist)."""
    from django.db import connection

    from apps.audit.selectors import changes_recent
    from apps.escalation.models import Queue

    with connection.cursor() as cursor:  # both history tables hand out the same ids from here on
        for model in (Queue, django_user_model):
            table = model.history.model._meta.db_table
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'history_id'), 50000, false)", [table])
    user = django_user_model.objects.create_user("collide", password="x", role="agent")
    queue = Queue.objects.create(slug="collide-q", name="Before")
    user.first_name = "Changed"
    user.save()
    queue.name = "After"
    queue.save()
    changes = {(c.model_name, c.label): c for c in changes_recent(limit=20)}
    queue_change = next(c for (model, label), c in changes.items() if label == "After")
    assert ("name", "Before", "After") in queue_change.fields
