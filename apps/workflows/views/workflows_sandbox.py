"""The sandbox screen of a workflow version: its test set (add by hand, add from history, remove), a run of the
version against it beside the published version, and the publish form with the regression confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ApplicationError, ValidationError
from apps.core.permissions import LEADS, role_required
from apps.tickets.choices import Channel, Tier
from apps.workflows.models import Category, WorkflowTestCase
from apps.workflows.services.sandbox import (
    EXPECTED_OUTCOMES,
    sandbox_case_create,
    sandbox_case_delete,
    sandbox_cases_from_history,
    sandbox_compare,
)

from .workflows_versions import _version

TEMPLATE = "workflows/workflow/workflow_sandbox.html"


def _context(category, version, **extra) -> dict:
    return {
        "category": category,
        "version": version,
        "cases": list(version.workflow.test_cases.select_related("ticket").order_by("pk")),
        "channels": Channel.choices,
        "tiers": Tier.choices,
        "outcomes": [o for o in EXPECTED_OUTCOMES if o],
        "categories": Category.objects.order_by("slug").values_list("slug", flat=True),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def version_sandbox(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """GET: the test set. POST: run the version on it (results beside the published version's), rendered as
    the ``#sandbox-results`` fragment for HTMX or the whole page."""
    category, version = _version(category_id, number)
    if request.method == "GET":
        return render(request, TEMPLATE, _context(category, version))
    try:
        comparison = sandbox_compare(version=version)
        context = _context(category, version, comparison=comparison)
    except ApplicationError as exc:
        context = _context(category, version, run_error=exc.message)
    return render(request, f"{TEMPLATE}#sandbox-results" if request.htmx else TEMPLATE, context)


@require_POST
@role_required(*LEADS)
def sandbox_case_add(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Add a case by hand (``text``, ``channel``, ``tier``, ``expected_category``, ``expected_outcome``) or, with
    ``from_history``, the newest labelled tickets of the category (``limit``, 1–200). Bad input answers 422 with
    the sandbox page, the error and the typed text kept; success redirects to the sandbox."""
    category, version = _version(category_id, number)
    form = request.POST
    try:
        if form.get("from_history"):
            try:
                limit = int(form.get("limit") or 10)
            except ValueError as exc:
                raise ValidationError(f"add between 1 and 200 tickets at a time, not {form.get('limit')!r}") from exc
            created = sandbox_cases_from_history(workflow=version.workflow, limit=limit, user=request.user)
            messages.success(request, f"Added {len(created)} ticket(s) from history")
        else:
            sandbox_case_create(
                workflow=version.workflow,
                text=form.get("text", ""),
                channel=form.get("channel", Channel.EMAIL),
                tier=form.get("tier", ""),
                expected_category=form.get("expected_category", ""),
                expected_outcome=form.get("expected_outcome", ""),
                user=request.user,
            )
            messages.success(request, "Case added")
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return render(request, TEMPLATE, _context(category, version, case_form=form), status=422)
    return redirect(reverse("workflows:version_sandbox", args=[category.pk, version.number]))


@require_POST
@role_required(*LEADS)
def sandbox_case_remove(request: HttpRequest, category_id: int, number: int, case_id: int) -> HttpResponse:
    """Remove a case from the test set."""
    category, version = _version(category_id, number)
    case = get_object_or_404(WorkflowTestCase, pk=case_id, workflow=version.workflow)
    sandbox_case_delete(case=case)
    messages.success(request, "Case removed")
    return redirect(reverse("workflows:version_sandbox", args=[category.pk, version.number]))
