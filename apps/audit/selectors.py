"""Reads of the change history: the latest changes to tracked objects, with who made them and what changed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import NoReverseMatch, reverse

from .registry import TRACKED, tracked_models

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    """One recorded change: ``fields`` lists ``(field, old, new)`` for changes (all tracked values for a
    creation, none for a deletion); ``who`` is the username or ``""`` for changes made outside a request."""

    when: datetime
    who: str
    action: str
    model: str  # app_label.ModelName
    model_name: str  # verbose name
    object_id: int | str
    label: str
    admin_url: str = ""
    fields: list[tuple[str, object, object]] = field(default_factory=list)


def history_model_labels() -> list[str]:
    """The tracked models (``app_label.ModelName``), for filters."""
    return list(TRACKED)


def _value(record, name: str):
    concrete = record._meta.get_field(name)
    return getattr(record, concrete.attname)


def _label(record, object_id) -> str:
    """A name for the object without loading related rows: its name, username or slug, else ``#id``."""
    for name in ("name", "username", "slug"):
        value = getattr(record, name, "")
        if value:
            return str(value)
    return f"#{object_id}"


def _admin_url(model, object_id) -> str:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_history", args=[object_id])
    except NoReverseMatch:
        return ""


def changes_recent(*, limit: int = 50, model_label: str = "", since: datetime | None = None) -> list[Change]:
    """The ``limit`` latest changes to tracked objects (newest first), optionally of one model
    (``app_label.ModelName``) and after ``since``. Two queries per tracked model: the latest history rows, and
    the earlier rows of the same objects to diff against. Data: the ``audit_historical*`` tables."""
    rows = []
    for model in tracked_models():
        if model_label and model._meta.label != model_label:
            continue
        history = model.history.model.objects.select_related("history_user")
        if since is not None:
            history = history.filter(history_date__gt=since)
        rows += [(model, r) for r in history.order_by("-history_date", "-history_id")[:limit]]
    rows.sort(key=lambda item: (item[1].history_date, item[1].history_id), reverse=True)
    rows = rows[:limit]

    previous: dict[tuple[type, int], object] = {}  # (model, history_id): history ids repeat across tables
    by_model: dict[type, list] = defaultdict(list)
    for model, record in rows:
        by_model[model].append(record)
    for model, records in by_model.items():
        pk = model._meta.pk.attname
        ids = {getattr(r, pk) for r in records}
        wanted = {r.history_id for r in records}
        earlier = model.history.model.objects.filter(**{f"{pk}__in": ids}).order_by(pk, "history_date", "history_id")
        last_of: dict = {}
        for record in earlier:
            key = getattr(record, pk)
            if record.history_id in wanted and key in last_of:
                previous[(model, record.history_id)] = last_of[key]
            last_of[key] = record

    changes = []
    for model, record in rows:
        tracked = TRACKED[model._meta.label]
        before = previous.get((model, record.history_id))
        if record.history_type == "-":
            fields = []
        elif before is None:
            fields = [(name, None, _value(record, name)) for name in tracked]
        else:
            fields = [
                (name, _value(before, name), _value(record, name))
                for name in tracked
                if _value(before, name) != _value(record, name)
            ]
        object_id = getattr(record, model._meta.pk.attname)
        changes.append(
            Change(
                when=record.history_date,
                who=record.history_user.get_username() if record.history_user else "",
                action=ACTIONS.get(record.history_type, record.history_type),
                model=model._meta.label,
                model_name=str(model._meta.verbose_name),
                object_id=object_id,
                label=_label(record, object_id),
                admin_url=_admin_url(model, object_id),
                fields=fields,
            )
        )
    return changes
