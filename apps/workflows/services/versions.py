"""Workflow versions: create a draft, publish it (first version by the engine; the studio extends this file).

A published version never changes (``WorkflowVersion.save`` refuses content edits); publishing archives the
previously published version and copies the thresholds onto the Category so the batch pipeline reads them there.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.workflows.models import Category, VersionStatus, Workflow, WorkflowVersion


class RegressionError(ValidationError):
    """Publishing would make sandbox cases fail that pass on the published version (the lead must confirm)."""


def default_tree(*, category: Category) -> dict:
    """The tree a new workflow starts with: answer from knowledge + template, escalate to the default queue."""
    queue = category.default_queue.slug if category.default_queue_id else "support"
    return {
        "start": "answer",
        "fallback": "escalate",
        "nodes": [
            {"id": "answer", "type": "answer"},
            {"id": "escalate", "type": "escalate", "queue": queue, "priority": "normal", "reason": "fallback"},
        ],
    }


@transaction.atomic
def workflow_for_category(*, category: Category) -> Workflow:
    """The category's Workflow, created (with no versions) on first use."""
    workflow, _ = Workflow.objects.get_or_create(category=category, defaults={"name": category.name})
    return workflow


@transaction.atomic
def workflow_version_create_draft(*, workflow: Workflow, user=None) -> WorkflowVersion:
    """A new draft copying the published version (or the category's current settings and a default tree).

    Raises ``ConflictError`` when the workflow already has a draft.
    """
    Workflow.objects.select_for_update().filter(pk=workflow.pk).first()
    if workflow.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ConflictError(f"{workflow} already has a draft: edit that one")
    last = workflow.versions.order_by("-number").first()
    base = workflow.versions.filter(status=VersionStatus.PUBLISHED).first()
    category = workflow.category
    if base:
        content = {
            "tree": base.tree,
            "thresholds": base.thresholds,
            "required_fields": base.required_fields,
            "guidelines": base.guidelines,
            "profiles": base.profiles,
        }
    else:
        content = {
            "tree": default_tree(category=category),
            "thresholds": {"auto": category.auto_threshold, "draft": category.draft_threshold},
            "required_fields": [],
            "guidelines": "",
            "profiles": {},
        }
    return WorkflowVersion.objects.create(
        workflow=workflow,
        number=(last.number + 1) if last else 1,
        status=VersionStatus.DRAFT,
        created_by=user,
        **content,
    )


def _check_content(version: WorkflowVersion) -> None:
    from apps.workflows.tree.schema import tree_validate

    errors = tree_validate(version.tree)
    if errors:
        raise ValidationError("the tree is not valid: " + "; ".join(str(e) for e in errors[:5]))
    th = version.thresholds or {}
    auto, draft = th.get("auto"), th.get("draft")
    if not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in (auto, draft)) or draft > auto:
        raise ValidationError("thresholds need 0 ≤ draft ≤ auto ≤ 1")


@transaction.atomic
def workflow_version_publish(
    *, version: WorkflowVersion, user=None, change_note: str = "", confirm_regressions: bool = False, classifier=None
) -> WorkflowVersion:
    """Publish the draft ``version``: validate tree and thresholds, archive the published one, copy thresholds to
    the category. Raises ``ConflictError`` when ``version`` is not a draft, ``ValidationError`` for an invalid
    tree or thresholds. (``confirm_regressions`` / ``classifier`` are for the studio's sandbox check.)
    """
    version = WorkflowVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ConflictError(f"v{version.number} is {version.status}: only a draft can be published")
    _check_content(version)
    WorkflowVersion.objects.filter(workflow_id=version.workflow_id, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.ARCHIVED
    )
    version.status = VersionStatus.PUBLISHED
    version.published_by = user
    version.published_at = timezone.now()
    if change_note:
        version.change_note = change_note[:500]
    version.save(update_fields=["status", "published_by", "published_at", "change_note"])
    Category.objects.filter(pk=version.workflow.category_id).update(
        auto_threshold=version.thresholds["auto"], draft_threshold=version.thresholds["draft"]
    )
    return version
