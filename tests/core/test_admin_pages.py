"""Every model registered in the admin (read from ``admin.site._registry``, so models added later are covered):
its change list, a change page and the add page (where allowed) load for an admin at 200 rows within a fixed
query budget, and tracked models show their change history."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.registry import tracked_models
from tests.factories import DraftFactory, HandoffFactory, MessageFactory

from .admin_rows import busiest, rows_ensure

ROWS = 200
# Queries per page for an admin, whatever the row count (the change list at 200 rows makes no query per row).
BUDGET = {"changelist": 12, "change": 14, "add": 10, "history": 8}

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
REACHED: dict[str, int] = {}
MEASURED: dict[str, dict[str, int]] = {}  # label -> page -> queries (printed by the last test, for the report)


def _get(client, url: str, label: str, page: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    MEASURED.setdefault(label, {})[page] = len(queries)
    assert len(queries) <= BUDGET[page], f"{label} {page}: {len(queries)} queries > {BUDGET[page]}"
    return response


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker):
    """200 rows of every registered model (factories for the ticket pipeline, copies for the rest), built once
    for the module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        DraftFactory.create_batch(ROWS)
        HandoffFactory.create_batch(20)
        busy = DraftFactory().ticket  # a ticket with many handoffs and messages, like a long escalated thread
        HandoffFactory.create_batch(30, ticket=busy)
        MessageFactory.create_batch(30, ticket=busy)
        _failed_tasks(ROWS)
        MessageFactory.create_batch(5)
        for model in MODELS:
            REACHED[model._meta.label] = rows_ensure(model, ROWS)
        yield REACHED
        transaction.set_rollback(True)


def _failed_tasks(n: int) -> None:
    """django-q2's Failure admin lists tasks with success=False (the copies made from Success rows succeed)."""
    from django.utils import timezone
    from django_q.models import Task

    now = timezone.now()
    Task.objects.bulk_create(
        Task(id=f"failed{i:026d}", name=f"failed-{i}", func="apps.x.task", started=now, stopped=now, success=False)
        for i in range(n)
    )


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_load_within_budget(rows, admin_client_, model):
    model_admin = admin.site._registry[model]
    label = model._meta.label
    response = _get(admin_client_, _url(model, "changelist"), label, "changelist")
    assert response.status_code == 200, model
    assert rows[label] < ROWS or response.context["cl"].result_count >= ROWS
    for obj in busiest(model):  # the objects with the most related rows: the largest inlines and related lists
        response = _get(admin_client_, _url(model, "change", obj.pk), label, "change")
        assert response.status_code == 200
    request = response.wsgi_request
    if model_admin.has_add_permission(request):
        assert _get(admin_client_, _url(model, "add"), label, "add").status_code == 200
    else:
        assert admin_client_.get(_url(model, "add")).status_code == 403


def test_every_registered_model_had_rows(rows):
    """The budget means something only with rows: at least the pipeline's models reach 200."""
    for label in ("tickets.Ticket", "workflows.Decision", "workflows.Draft", "tickets.Organization"):
        assert rows[label] >= ROWS, label
    few = {label: n for label, n in rows.items() if n < ROWS}
    print("\nmodels below 200 rows:", few)
    for label, pages in sorted(MEASURED.items()):
        print(f"{label:40} rows={rows.get(label, '-'):>4} " + " ".join(f"{k}={v}" for k, v in pages.items()))


@pytest.mark.django_db
@pytest.mark.parametrize("model", tracked_models(), ids=lambda m: m._meta.label)
def test_tracked_models_show_history_in_admin(admin_client_, model):
    from .admin_rows import instance_build

    obj = model._default_manager.order_by("pk").first() or instance_build(model)
    response = _get(admin_client_, _url(model, "history", obj.pk), model._meta.label, "history")
    assert response.status_code == 200


# Tables that grow with traffic: a <select> of all their rows would make a change page unusable at 10,000 rows.
LARGE = {
    "tickets.Ticket",
    "tickets.Message",
    "tickets.Contact",
    "tickets.Organization",
    "tickets.Attachment",
    "workflows.Decision",
    "workflows.Draft",
    "escalation.Handoff",
    "escalation.WebhookDelivery",
    "knowledge.Document",
    "knowledge.Chunk",
    "integrations.BillingCustomer",
    "integrations.BillingInvoice",
    "integrations.BillingCharge",
    "integrations.BillingPaymentIntent",
}


@pytest.mark.django_db
def test_relations_to_large_tables_never_render_every_row(admin_user, rf):
    """Every editable foreign key / many-to-many field to a large table uses autocomplete (or a raw id)."""
    from django.contrib.admin.widgets import AutocompleteMixin, ForeignKeyRawIdWidget, ManyToManyRawIdWidget
    from django.forms import ModelChoiceField

    request = rf.get("/admin/")
    request.user = admin_user
    offenders, checked = [], 0
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("apps."):  # the project's models (third-party admins are their own)
            continue
        if not model_admin.has_add_permission(request) and not model_admin.has_change_permission(request):
            continue
        form = model_admin.get_form(request)
        for name, field in form.base_fields.items():
            if not isinstance(field, ModelChoiceField) or field.queryset is None:
                continue
            if field.queryset.model._meta.label not in LARGE:
                continue
            checked += 1
            widget = getattr(field.widget, "widget", field.widget)  # unwrap RelatedFieldWidgetWrapper
            if not isinstance(widget, AutocompleteMixin | ForeignKeyRawIdWidget | ManyToManyRawIdWidget):
                offenders.append(f"{model._meta.label}.{name} -> {field.queryset.model._meta.label}")
    assert checked >= 5  # ticket, contact, organization, message fields at least
    assert offenders == []


@pytest.mark.django_db
def test_a_long_ticket_thread_shows_its_latest_messages(admin_client_, django_assert_max_num_queries):
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    MessageFactory.create_batch(130, ticket=ticket)
    newest = MessageFactory(ticket=ticket, body="the newest message")
    with django_assert_max_num_queries(BUDGET["change"]):
        response = admin_client_.get(_url(type(ticket), "change", ticket.pk))
    formset = response.context["inline_admin_formsets"][0].formset
    assert len(formset.forms) == 100
    assert formset.forms[0].instance == newest


def test_every_model_of_the_project_is_in_the_admin():
    """Each model of apps/ has an admin (the audit app's history tables are shown from their objects instead)."""
    from django.apps import apps

    missing = [
        m._meta.label
        for m in apps.get_models()
        if m.__module__.startswith("apps.") and m._meta.app_label != "audit" and m not in admin.site._registry
    ]
    assert missing == []
