"""Workflow versions: detail, diff, publish (with the sandbox regression check) and rollback."""

from __future__ import annotations


def published_versions() -> dict[int, object]:
    """``{category id: published WorkflowVersion}`` (one query)."""
    try:
        from apps.workflows.models import WorkflowVersion
    except ImportError:  # the engine's Workflow models are not migrated yet
        return {}
    rows = WorkflowVersion.objects.filter(status="published").select_related("workflow")
    return {v.workflow.category_id: v for v in rows}


def version_for(category, raw: str | None):
    """The workflow version numbered ``raw`` of ``category`` (None when ``raw`` is empty or the category has no
    workflow yet). Raises ``ValidationError`` for an unknown number."""
    from apps.core.errors import ValidationError

    if not raw:
        return None
    try:
        from apps.workflows.models import WorkflowVersion
    except ImportError:
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
    try:
        from apps.workflows.models import WorkflowVersion
    except ImportError:
        return []
    return list(
        WorkflowVersion.objects.filter(workflow__category=category)
        .select_related("created_by", "published_by")
        .order_by("-number")
    )


def versioning_enabled() -> bool:
    """Whether the Workflow / WorkflowVersion models exist in this deployment."""
    from apps.workflows import models

    return hasattr(models, "WorkflowVersion")
