"""Workflow versions: create a draft, edit it, diff two versions, publish (with the sandbox regression check) and
roll back.

A published version never changes (``WorkflowVersion.save`` refuses content edits); publishing archives the
previously published version and copies the thresholds onto the Category so the batch pipeline reads them there;
rolling back publishes a new version with an older version's content. Who changed what and when is recorded on the
version (``created_by`` / ``published_by`` / ``published_at`` / ``change_note``).
"""

from __future__ import annotations

import copy
import difflib
import json
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.workflows.models import Category, VersionStatus, Workflow, WorkflowVersion

logger = logging.getLogger(__name__)

CONTENT_FIELDS = ("tree", "thresholds", "required_fields", "guidelines", "profiles")


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
    from apps.workflows.tree.required import required_fields_validate
    from apps.workflows.tree.schema import tree_validate

    errors = tree_validate(version.tree)
    if errors:
        raise ValidationError("the tree is not valid: " + "; ".join(str(e) for e in errors[:5]))
    if problems := required_fields_validate(version.required_fields, version.tree):
        raise ValidationError("required information: " + "; ".join(problems))
    th = version.thresholds or {}
    auto, draft = th.get("auto"), th.get("draft")
    if not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in (auto, draft)) or draft > auto:
        raise ValidationError("thresholds need 0 ≤ draft ≤ auto ≤ 1")


def _validate_thresholds(thresholds: dict) -> dict:
    try:
        auto, draft = float(thresholds["auto"]), float(thresholds["draft"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError("thresholds need numbers 'auto' and 'draft' between 0 and 1") from exc
    if not (0.0 <= draft <= auto <= 1.0):
        raise ValidationError(f"thresholds must satisfy 0 ≤ draft ({draft:.2f}) ≤ auto ({auto:.2f}) ≤ 1")
    return {"auto": auto, "draft": draft}


@transaction.atomic
def workflow_version_update(*, version: WorkflowVersion, user=None, **changes) -> WorkflowVersion:
    """Change a draft's content: any of ``tree``, ``thresholds`` ({auto, draft}, 0 ≤ draft ≤ auto ≤ 1),
    ``required_fields`` (names or specs, see ``tree.required``), ``guidelines``, ``profiles``, ``change_note``. A
    draft may hold a tree that does not validate yet (the editor shows the errors); the sandbox and publishing need
    a valid one. Raises ``ConflictError`` for a published or archived version (they never change) and
    ``ValidationError`` for bad thresholds, a tree that is not an object, required information the executor cannot
    find (a name that is neither a need_info field of the tree nor a known field), or an unknown field."""
    unknown = set(changes) - set(CONTENT_FIELDS) - {"change_note"}
    if unknown:
        raise ValidationError(f"unknown version field(s): {', '.join(sorted(unknown))}")
    locked = WorkflowVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ConflictError(f"v{locked.number} is {locked.status}: published versions never change; start a draft")
    if "thresholds" in changes:
        changes["thresholds"] = _validate_thresholds(changes["thresholds"])
    if "tree" in changes and not isinstance(changes["tree"], dict):
        raise ValidationError("the tree must be a JSON object")
    if "required_fields" in changes:
        from apps.workflows.tree.required import required_fields_validate

        changes["required_fields"] = changes["required_fields"] or []
        problems = required_fields_validate(changes["required_fields"], changes.get("tree", locked.tree))
        if problems:
            raise ValidationError("required information: " + "; ".join(problems))
    for name, value in changes.items():
        setattr(locked, name, value)
    if user is not None:
        locked._history_user = user
    locked.save()
    version.__dict__.update({k: getattr(locked, k) for k in changes})
    return locked


@dataclass
class VersionDiff:
    """What differs between two versions: one section per content field, with unified-diff lines of the pretty
    JSON as ``(kind, text)`` where kind is ``add`` / ``del`` / ``hdr`` / ``ctx``."""

    old_number: int
    new_number: int
    sections: list[dict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(s["lines"] for s in self.sections)


LABELS = {
    "tree": "Decision tree",
    "thresholds": "Thresholds",
    "required_fields": "Required information",
    "guidelines": "Response guidelines",
    "profiles": "Channel profiles",
}


def _pretty(value) -> list[str]:
    if isinstance(value, str):
        return value.splitlines()
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str).splitlines()


def workflow_version_diff(*, old: WorkflowVersion, new: WorkflowVersion) -> VersionDiff:
    """The differences from ``old`` to ``new`` (any two versions of one workflow), field by field (difflib over
    pretty-printed JSON, sorted keys, 2 lines of context). Raises ``ValidationError`` across workflows."""
    if old.workflow_id != new.workflow_id:
        raise ValidationError("versions of different workflows cannot be compared")
    diff = VersionDiff(old_number=old.number, new_number=new.number)
    for name in CONTENT_FIELDS:
        lines = []
        raw = difflib.unified_diff(
            _pretty(getattr(old, name)),
            _pretty(getattr(new, name)),
            f"v{old.number}",
            f"v{new.number}",
            n=2,
            lineterm="",
        )
        for line in raw:
            if line.startswith(("---", "+++")):
                continue
            kind = (
                "hdr"
                if line.startswith("@@")
                else "add"
                if line.startswith("+")
                else "del"
                if line.startswith("-")
                else "ctx"
            )
            lines.append((kind, line))
        added = sum(1 for k, _ in lines if k == "add")
        removed = sum(1 for k, _ in lines if k == "del")
        diff.sections.append(
            {"field": name, "label": LABELS[name], "lines": lines, "summary": f"+{added} −{removed}" if lines else ""}
        )
    return diff


def _archive_published(workflow: Workflow, user) -> None:
    """Archive the workflow's published version row by row, so the change history records who archived it."""
    for published in WorkflowVersion.objects.select_for_update().filter(
        workflow=workflow, status=VersionStatus.PUBLISHED
    ):
        published.status = VersionStatus.ARCHIVED
        if user is not None:
            published._history_user = user
        published.save(update_fields=["status"])


def _apply_to_category(version: WorkflowVersion) -> None:
    """Keep the category's thresholds (what the engine's gate reads) equal to the published version's."""
    thresholds = version.thresholds or {}
    if thresholds:
        Category.objects.filter(pk=version.workflow.category_id).update(
            auto_threshold=float(thresholds.get("auto")),
            draft_threshold=float(thresholds.get("draft")),
            updated_at=timezone.now(),
        )


@transaction.atomic
def workflow_version_publish(
    *, version: WorkflowVersion, user=None, change_note: str = "", confirm_regressions: bool = False, classifier=None
) -> WorkflowVersion:
    """Publish draft ``version``: the previously published version becomes archived, ``published_by`` /
    ``published_at`` / ``change_note`` record who, when and why, and the category's thresholds follow.

    The draft runs on the workflow's sandbox test set beside the published version first; cases the published
    version passes and the draft fails are regressions, and block publishing with ``RegressionError`` (listing
    them in ``extra["regressions"]``) unless ``confirm_regressions`` (a lead's confirmation, noted in the change
    note). Raises ``ConflictError`` when ``version`` is not a draft, ``ValidationError`` for an invalid tree.
    """
    from .sandbox import sandbox_compare

    workflow = Workflow.objects.select_for_update().get(pk=version.workflow_id)
    locked = WorkflowVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ConflictError(f"v{locked.number} is {locked.status}; only a draft can be published")
    _check_content(locked)
    note = change_note.strip() or locked.change_note
    if workflow.test_cases.exists():
        comparison = sandbox_compare(version=locked, classifier=classifier)
        regressions = comparison.regressions
        if regressions and not confirm_regressions:
            names = "; ".join(r["case"].name[:60] for r in regressions[:5])
            raise RegressionError(
                f"v{locked.number} fails {len(regressions)} sandbox case(s) the published version passes ({names}): "
                "check them, or confirm to publish anyway",
                extra={"regressions": [r["case"].pk for r in regressions]},
            )
        if regressions:
            note = f"{note} [published over {len(regressions)} sandbox regression(s), confirmed by {user}]".strip()
    now = timezone.now()
    _archive_published(workflow, user)
    locked.status, locked.published_by, locked.published_at = VersionStatus.PUBLISHED, user, now
    locked.change_note = note[:500]
    if user is not None:
        locked._history_user = user
    locked.save()
    _apply_to_category(locked)
    version.__dict__.update(status=locked.status, published_by=user, published_at=now, change_note=locked.change_note)
    logger.info("workflow %s v%s published by %s", workflow.pk, locked.number, user)
    return locked


@transaction.atomic
def workflow_version_rollback(*, version: WorkflowVersion, user=None) -> WorkflowVersion:
    """Publish a new version with the content of ``version`` (an archived, earlier published version): the
    current published version is archived, nothing is rewritten. Raises ``ConflictError`` when ``version`` is the
    published one or a draft that never went live."""
    workflow = Workflow.objects.select_for_update().get(pk=version.workflow_id)
    if version.status == VersionStatus.PUBLISHED:
        raise ConflictError(f"v{version.number} is already the published version")
    if version.published_at is None:
        raise ConflictError(f"v{version.number} was never published; publish it instead of rolling back to it")
    now = timezone.now()
    _archive_published(workflow, user)
    new = WorkflowVersion.objects.create(
        workflow=workflow,
        number=(workflow.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1,
        status=VersionStatus.PUBLISHED,
        created_by=user,
        published_by=user,
        published_at=now,
        change_note=f"rollback to v{version.number}",
        **{f: copy.deepcopy(getattr(version, f)) for f in CONTENT_FIELDS},
    )
    _apply_to_category(new)
    logger.info("workflow %s rolled back to v%s as v%s by %s", workflow.pk, version.number, new.number, user)
    return new
