"""Admin actions call the services and report through Django messages; long ones run as django-q2 tasks (run
synchronously in tests) whose progress link leads to the task's admin page."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.knowledge.models import Chunk, Source
from apps.workflows.models import ClassifierVersion, Decision
from tests.factories import CategoryFactory, MessageFactory, TicketFactory

from .admin_rows import instance_build

pytestmark = pytest.mark.django_db


def _run(client, model_label: str, action: str, ids) -> list[str]:
    app_label, model_name = model_label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    response = client.post(url, {"action": action, "_selected_action": [str(i) for i in ids]}, follow=True)
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)] or [str(m) for m in response.context["messages"]]


def _progress_link(text: str) -> str:
    return text.split('href="', 1)[1].split('"', 1)[0]


def test_retriage_selected_tickets_records_decisions_and_links_the_task(admin_client_):
    tickets = [MessageFactory(body="How do I reset my password?").ticket for _ in range(3)]
    assert not Decision.objects.filter(ticket__in=tickets).exists()
    messages = _run(admin_client_, "tickets.ticket", "tickets_retriage", [t.pk for t in tickets])
    assert Decision.objects.filter(ticket__in=tickets).count() == 3
    assert any("re-triage of 3 ticket(s) started" in m for m in messages)
    progress = admin_client_.get(_progress_link(messages[0]))
    assert progress.status_code == 302 and "/admin/django_q/success/" in progress.url
    assert admin_client_.get(progress.url).status_code == 200
    _run(admin_client_, "tickets.ticket", "tickets_retriage", [t.pk for t in tickets])  # idempotent per turn
    assert Decision.objects.filter(ticket__in=tickets).count() == 3


def test_retriage_is_not_offered_to_roles_without_change_permission(client, django_user_model):
    agent = django_user_model.objects.create_user(username="a-staff", password="x", role="agent", is_staff=True)
    client.force_login(agent)
    response = client.get(reverse("admin:tickets_ticket_changelist"))
    assert response.status_code == 200
    assert b"tickets_retriage" not in response.content


def _labelled_history(per_category: int = 8) -> None:
    phrases = {
        "billing": ["I was charged twice for my invoice", "refund the duplicate payment on my card"],
        "login": ["I cannot log in to my account", "password reset link does not work"],
    }
    for slug, texts in phrases.items():
        category = CategoryFactory(slug=slug)
        for i in range(per_category):
            ticket = TicketFactory(labelled_category=category, subject=texts[i % 2])
            MessageFactory(ticket=ticket, body=f"{texts[i % 2]} (order {i})")


def test_retrain_then_activate_classifier_versions(admin_client_, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    _labelled_history()
    first = instance_build(ClassifierVersion)
    messages = _run(admin_client_, "workflows.classifierversion", "classifier_retrain", [first.pk])
    assert any("classifier training started" in m for m in messages)
    trained = ClassifierVersion.objects.exclude(pk=first.pk).get()
    assert trained.is_active and trained.metrics["n_train"] > 0
    messages = _run(admin_client_, "workflows.classifierversion", "classifier_activate", [first.pk])
    assert messages == [f"Classifier version {first.pk} is now the active one."]
    assert list(ClassifierVersion.objects.filter(is_active=True)) == [first]
    messages = _run(admin_client_, "workflows.classifierversion", "classifier_activate", [first.pk, trained.pk])
    assert messages == ["Select exactly one classifier version to activate."]


def test_retrain_refused_for_a_lead(client, django_user_model):
    lead = django_user_model.objects.create_user(username="l-staff", password="x", role="lead", is_staff=True)
    client.force_login(lead)
    version = instance_build(ClassifierVersion)
    messages = _run(client, "workflows.classifierversion", "classifier_retrain", [version.pk])
    assert messages == ["Your role cannot run this action."]
    assert ClassifierVersion.objects.count() == 1


def test_reembed_knowledge_uses_the_configured_model(admin_client_):
    chunk = instance_build(Chunk)
    Chunk.objects.filter(pk=chunk.pk).update(embedding_model="an-old-model")
    source = Source.objects.get(pk=chunk.document.source_id)
    messages = _run(admin_client_, "knowledge.source", "knowledge_reembed", [source.pk])
    assert any("knowledge re-embedding started" in m for m in messages)
    chunk.refresh_from_db()
    assert chunk.embedding_model != "an-old-model"
    assert abs(sum(x * x for x in chunk.embedding) - 1.0) < 1e-3  # a real unit vector from the provider


def test_resend_failed_webhooks_delivers_them(admin_client_, httpserver, settings):
    from apps.escalation.models import WebhookDelivery, WebhookEndpoint

    settings.ESCALATION_WEBHOOK_ATTEMPTS = 1
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    endpoint = WebhookEndpoint.objects.create(name="ops", url=httpserver.url_for("/hook"), secret="k3y")
    failed = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="evt-1", event="handoff.created", payload={"a": 1}, status="failed", attempts=4
    )
    delivered = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="evt-2", event="handoff.created", payload={}, status="delivered"
    )
    messages = _run(admin_client_, "escalation.webhookdelivery", "webhooks_resend", [failed.pk, delivered.pk])
    assert any("resend of 1 webhook(s) started" in m for m in messages)
    failed.refresh_from_db()
    assert failed.status == "delivered" and failed.attempts == 5
    request = httpserver.log[0][0]
    assert request.headers["X-Switchboard-Signature"].startswith("sha256=")
    assert len(httpserver.log) == 1  # the delivered one was not sent again
    messages = _run(admin_client_, "escalation.webhookdelivery", "webhooks_resend", [delivered.pk])
    assert messages == ["None of the selected deliveries failed: nothing to resend."]


def test_webhook_secret_is_write_only_and_hidden_from_non_admins(admin_client_, client, django_user_model):
    from apps.escalation.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(name="ops", url="https://hooks.example/x", secret="super-secret-value")
    url = reverse("admin:escalation_webhookendpoint_change", args=[endpoint.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200 and b"super-secret-value" not in page.content
    assert b'name="secret"' in page.content and b'type="password"' in page.content
    listing = admin_client_.get(reverse("admin:escalation_webhookendpoint_changelist"))
    assert b"super-secret-value" not in listing.content and "•••••••• set" in listing.content.decode()
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update(secret="", events="[]", name="ops renamed")
    assert admin_client_.post(url, data).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.name == "ops renamed" and endpoint.secret == "super-secret-value"  # empty input keeps it
    data.update(secret="rotated")
    admin_client_.post(url, data)
    endpoint.refresh_from_db()
    assert endpoint.secret == "rotated"
    lead = django_user_model.objects.create_user(username="l-sec", password="x", role="lead", is_staff=True)
    client.force_login(lead)
    page = client.get(url)
    assert page.status_code == 200  # leads see endpoints (view only), never their secret
    assert b"rotated" not in page.content and b'name="secret"' not in page.content
    assert client.get(reverse("admin:escalation_webhookendpoint_add")).status_code == 403


def _connection_post(client, url, **changes):
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    for name in ("credentials_env", "options", "allowed_fields", "allowed_categories"):
        if name in form.fields:
            data[name] = (
                form.fields[name].prepare_value(form.initial.get(name))
                if form.initial.get(name)
                else ("{}" if name in ("credentials_env", "options") else "[]")
            )
    data.update(changes)
    return client.post(url, data)


def test_connection_credentials_are_write_only_and_masked(admin_client_, client, django_user_model):
    from apps.integrations.connections import connection_credentials
    from apps.integrations.models import Connection

    add = reverse("admin:integrations_connection_add")
    response = _connection_post(
        admin_client_,
        add,
        name="Stripe live",
        kind="stripe",
        credentials="api_key=sk_live_abcdefghijkl9876\nwebhook_secret=whsec_0123456789",
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    connection = Connection.objects.get(name="Stripe live")
    assert connection_credentials(connection) == {
        "api_key": "sk_live_abcdefghijkl9876",
        "webhook_secret": "whsec_0123456789",
    }
    assert "sk_live" not in connection.credentials_encrypted  # encrypted at rest
    url = reverse("admin:integrations_connection_change", args=[connection.pk])
    page = admin_client_.get(url).content.decode()
    assert "sk_live_abcdefghijkl9876" not in page and connection.credentials_encrypted not in page
    assert "••••9876" in page and "sk_l••" not in page  # masked for admins
    response = _connection_post(admin_client_, url, name="Stripe live", kind="stripe", credentials="api_key=\n")
    assert response.status_code == 302
    assert connection_credentials(connection)["api_key"] == "sk_live_abcdefghijkl9876"  # blank keeps it
    _connection_post(
        admin_client_, url, name="Stripe live", kind="stripe", credentials="api_key=sk_rotated_000011112222"
    )
    connection.refresh_from_db()
    assert connection_credentials(connection)["api_key"] == "sk_rotated_000011112222"
    assert connection.history.first().history_change_reason == "credentials changed: api_key"
    assert "sk_" not in str(connection.history.first().__dict__)

    lead = django_user_model.objects.create_user(username="l-conn", password="x", role="lead", is_staff=True)
    client.force_login(lead)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "sk_rota" not in html and "••••" not in html and 'name="credentials"' not in html
    assert client.get(add).status_code == 403


def test_admin_switches_a_vendor_connection_on_only_after_a_passing_test(admin_client_):
    """As on the connection screen: an untested vendor connection can't be created or switched on enabled (it would
    replace the local demo backend); a local backend can; after a successful call it can be switched on."""
    from apps.integrations.connections import connection_record_call
    from apps.integrations.models import Connection

    add = reverse("admin:integrations_connection_add")
    response = _connection_post(admin_client_, add, name="Stripe new", kind="stripe", enabled="on")
    assert response.status_code == 200
    assert "Run “Test connection” first" in str(response.context["adminform"].form.errors["enabled"])
    assert not Connection.objects.filter(name="Stripe new").exists()

    assert _connection_post(admin_client_, add, name="Stripe new", kind="stripe").status_code == 302
    stripe = Connection.objects.get(name="Stripe new")
    assert stripe.enabled is False
    url = reverse("admin:integrations_connection_change", args=[stripe.pk])
    connection_record_call(connection=stripe, operation="ping", duration_ms=5.0, ok=False, error="401")
    response = _connection_post(admin_client_, url, name="Stripe new", kind="stripe", enabled="on")
    assert "its latest call failed" in str(response.context["adminform"].form.errors["enabled"])
    connection_record_call(connection=stripe, operation="ping", duration_ms=5.0, ok=True)
    assert _connection_post(admin_client_, url, name="Stripe new", kind="stripe", enabled="on").status_code == 302
    stripe.refresh_from_db()
    assert stripe.enabled is True
    response = _connection_post(admin_client_, add, name="Local", kind="local", service="billing", enabled="on")
    assert response.status_code == 302 and Connection.objects.get(name="Local").enabled is True


def test_connection_test_action_calls_the_local_billing_backend(admin_client_):
    """The real service: the local demo billing backend answers its ping; a kind without a client fails."""
    from apps.integrations.models import CallLog, Connection

    local = Connection.objects.create(name="Demo billing", kind="local", service="billing")
    slack = Connection.objects.create(name="Alerts", kind="slack")
    messages = _run(admin_client_, "integrations.connection", "connections_test", [local.pk, slack.pk])
    assert "1 connection(s) answered." in messages
    assert any(m.startswith("Demo billing (local): Connected") for m in messages), messages
    assert any(m.startswith("Alerts (slack): failed") for m in messages), messages
    assert CallLog.objects.filter(connection=local, ok=True).exists()


def test_rollout_moves_through_the_service_one_step_at_a_time(admin_client_, admin_user):
    category = CategoryFactory(slug="rollout-admin")
    assert category.rollout_state == "off"
    messages = _run(admin_client_, "workflows.category", "categories_rollout_forward", [category.pk])
    category.refresh_from_db()
    assert category.rollout_state == "shadow" and messages == ["1 categor(y/ies) moved one step forward."]
    assert category.history.first().history_user == admin_user
    if hasattr(category, "rollout_started_at"):
        assert category.rollout_started_at is not None
    for _ in range(3):
        messages = _run(admin_client_, "workflows.category", "categories_rollout_forward", [category.pk])
    category.refresh_from_db()
    assert category.rollout_state == "auto"
    assert messages == [f"{category}: already in auto (full rollout)"]
    _run(admin_client_, "workflows.category", "categories_rollout_off", [category.pk])
    category.refresh_from_db()
    assert category.rollout_state == "off"
    page = admin_client_.get(reverse("admin:workflows_category_change", args=[category.pk]))
    assert b'name="rollout_state"' not in page.content  # not editable around the service
    listing = admin_client_.get(reverse("admin:workflows_category_changelist"))
    assert b'name="form-0-rollout_state"' not in listing.content


def test_publish_and_roll_back_workflow_versions_through_the_services(admin_client_, admin_user):
    from apps.workflows.models import WorkflowVersion
    from apps.workflows.services.versions import (
        workflow_for_category,
        workflow_version_create_draft,
        workflow_version_update,
    )

    category = CategoryFactory(slug="wf-admin", auto_threshold=0.9, draft_threshold=0.6)
    workflow = workflow_for_category(category=category)
    v1 = workflow_version_create_draft(workflow=workflow, user=admin_user)
    label = "workflows.workflowversion"
    messages = _run(admin_client_, label, "workflow_versions_publish", [v1.pk])
    assert messages == ["1 version(s) published."]
    v1.refresh_from_db()
    assert v1.status == "published" and v1.published_by == admin_user
    v2 = workflow_version_create_draft(workflow=workflow, user=admin_user)
    workflow_version_update(version=v2, user=admin_user, thresholds={"auto": 0.95, "draft": 0.7})
    _run(admin_client_, label, "workflow_versions_publish", [v2.pk])
    category.refresh_from_db()
    assert category.auto_threshold == 0.95  # the category follows the published version
    messages = _run(admin_client_, label, "workflow_versions_publish", [v1.pk])
    assert messages == ["v1 (archived): v1 is archived; only a draft can be published"]
    messages = _run(admin_client_, label, "workflow_version_rollback", [v1.pk])
    assert messages == ["Rolled back: v3 (the content of v1) is published."]
    v3 = WorkflowVersion.objects.get(workflow=workflow, number=3)
    assert v3.status == "published" and v3.thresholds == v1.thresholds
    category.refresh_from_db()
    assert category.auto_threshold == 0.9
    assert [h.status for h in v3.history.all()] == ["published"]  # recorded in the audit history
    page = admin_client_.get(reverse("admin:workflows_workflowversion_change", args=[v3.pk]))
    assert page.status_code == 200 and b'<pre class="json">' in page.content and b'name="tree"' not in page.content
