"""Workflow versions: detail, diff, publish (with the sandbox regression check) and rollback."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError, ConflictError, ValidationError
from apps.core.permissions import LEADS, role_required
from apps.workflows.models import Category, VersionStatus, WorkflowVersion
from apps.workflows.services.versions import (
    RegressionError,
    workflow_for_category,
    workflow_version_create_draft,
    workflow_version_diff,
    workflow_version_publish,
    workflow_version_rollback,
    workflow_version_update,
)


def published_versions() -> dict[int, object]:
    """``{category id: published WorkflowVersion}`` (one query)."""
    rows = WorkflowVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("workflow")
    return {v.workflow.category_id: v for v in rows}


def version_for(category, raw: str | None):
    """The workflow version numbered ``raw`` of ``category`` (None when ``raw`` is empty or the category has no
    workflow yet). Raises ``ValidationError`` for an unknown number."""
    if not raw:
        return None
    try:
        number = int(raw)
    except ValueError as exc:
        raise ValidationError(f"{raw!r} is not a version number") from exc
    version = WorkflowVersion.objects.filter(workflow__category=category, number=number).first()
    if version is None:
        raise ValidationError(f"{category.name} has no version {number}")
    return version


def category_versions(category) -> list:
    """The category's workflow versions, newest first, with who created and published them ([] without any)."""
    return list(
        WorkflowVersion.objects.filter(workflow__category=category)
        .select_related("created_by", "published_by")
        .order_by("-number")
    )


def _version(category_id: int, number: int):
    category = get_object_or_404(Category, pk=category_id)
    version = (
        WorkflowVersion.objects.select_related("workflow", "created_by", "published_by")
        .filter(workflow__category=category, number=number)
        .first()
    )
    if version is None:
        raise Http404(f"{category.name} has no version {number}")
    return category, version


def _detail_url(category: Category) -> str:
    return reverse("workflows:workflow_detail", args=[category.pk])


@require_POST
@role_required(*LEADS)
def version_create(request: HttpRequest, category_id: int) -> HttpResponse:
    """Start a draft from the published version (or from the category's settings when none is published)."""
    category = get_object_or_404(Category, pk=category_id)
    try:
        version = workflow_version_create_draft(workflow=workflow_for_category(category=category), user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(category))
    messages.success(request, f"Draft v{version.number} created")
    return redirect("workflows:version_detail", category.pk, version.number)


@require_POST
@role_required(*LEADS)
def version_thresholds(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Save the posted ``auto`` / ``draft`` thresholds to a draft version; refused values answer 422 with the detail
    page, the error and the typed values."""
    from .workflows import _threshold, detail_page

    category, version = _version(category_id, number)
    try:
        thresholds = {
            "auto": _threshold(request.POST.get("auto"), None),
            "draft": _threshold(request.POST.get("draft"), None),
        }
        workflow_version_update(version=version, user=request.user, thresholds=thresholds)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        status = 409 if isinstance(exc, ConflictError) else 422
        return detail_page(request, category, status=status, form=request.POST)
    messages.success(
        request,
        f"Thresholds of draft v{version.number}: auto {thresholds['auto']:.2f}, draft {thresholds['draft']:.2f}",
    )
    return redirect(_detail_url(category))


@require_GET
@role_required(*LEADS)
def version_diff(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """What changed between version ``number`` and ``?against=N`` (default: the published version)."""
    category, version = _version(category_id, number)
    against_raw = request.GET.get("against")
    if against_raw:
        try:
            _, other = _version(category_id, int(against_raw))
        except ValueError as exc:
            raise Http404("not a version number") from exc
    else:
        other = version.workflow.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk=version.pk).first()
    diff = workflow_version_diff(old=other, new=version) if other else None
    return render(
        request,
        "workflows/workflow/workflow_version_diff.html",
        {"category": category, "version": version, "other": other, "diff": diff},
    )


@require_POST
@role_required(*LEADS)
def version_publish(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Publish a draft. Sandbox regressions block it unless ``confirm_regressions`` is checked."""
    category, version = _version(category_id, number)
    try:
        workflow_version_publish(
            version=version,
            user=request.user,
            change_note=request.POST.get("change_note", ""),
            confirm_regressions=request.POST.get("confirm_regressions") == "on",
        )
    except RegressionError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("workflows:version_sandbox", args=[category.pk, version.number]))
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("workflows:version_detail", args=[category.pk, version.number]))
    messages.success(request, f"Published v{version.number} of {category.name}")
    return redirect(_detail_url(category))


@require_POST
@role_required(*LEADS)
def version_rollback(request: HttpRequest, category_id: int, number: int) -> HttpResponse:
    """Publish a new version with the content of (older) version ``number``."""
    category, version = _version(category_id, number)
    try:
        new = workflow_version_rollback(version=version, user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Rolled back: v{new.number} (the content of v{version.number}) is published")
    return redirect(_detail_url(category))


HISTORY_FIELDS = {
    "status": "status",
    "thresholds": "thresholds",
    "tree": "tree",
    "guidelines": "guidelines",
    "required_fields": "required information",
    "profiles": "channel profiles",
    "change_note": "change note",
    "rollout_state": "rollout",
    "auto_threshold": "auto threshold",
    "draft_threshold": "draft threshold",
    "is_sensitive": "sensitive",
    "control_share": "control share",
}


def workflow_history(category: Category, *, limit: int = 20) -> list[dict]:
    """Who changed what and when in ``category``'s workflow: its versions' and the category's own recorded changes
    (django-simple-history rows kept by the audit app), newest first, as ``{"when", "who", "what", "changes"}``
    where ``changes`` lists ``(field label, old, new)`` for the tracked fields (tree changes are named, not shown).
    """
    histories = [(f"category {category.slug}", category.history.filter(id=category.pk))]
    workflow_id = getattr(getattr(category, "workflow", None), "pk", None)
    if workflow_id:
        histories.append(("version", WorkflowVersion.history.filter(workflow_id=workflow_id)))
    entries = []
    for kind, queryset in histories:
        records = list(queryset.select_related("history_user").order_by("id", "history_date", "history_id"))
        previous: dict = {}
        for record in records:
            before = previous.get(record.id)
            previous[record.id] = record
            if before is None:
                what, changes = "created", []
            else:
                delta = record.diff_against(before, included_fields=[f for f in HISTORY_FIELDS if hasattr(record, f)])
                changes = [
                    (
                        HISTORY_FIELDS[c.field],
                        "…" if c.field == "tree" else c.old,
                        "edited" if c.field == "tree" else c.new,
                    )
                    for c in delta.changes
                ]
                if not changes:
                    continue
                what = "changed"
            label = f"v{record.number}" if kind == "version" else kind
            entries.append(
                {
                    "when": record.history_date,
                    "who": record.history_user.get_username() if record.history_user else "system",
                    "what": f"{label} {what}",
                    "changes": changes,
                }
            )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]
