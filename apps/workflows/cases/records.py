"""Rows other parts of the product write when they act on a case: tracker issues and chat alerts (connectors)."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.db import models

# model names (lower-case) per kind, in the order they are preferred
RECORD_MODELS = {
    "trackers": ("trackerissue", "issue", "trackerlink"),
    "alerts": ("alertpost", "alert", "alertsent", "alertdelivery"),
}


def record_model(kind: str) -> type[models.Model] | None:
    """The model holding ``kind`` rows (``trackers``: one row per tracker issue; ``alerts``: one per alert sent),
    looked up by name in the integrations app; ``None`` while it does not exist."""
    found = {m._meta.model_name: m for m in django_apps.get_models() if m._meta.app_label == "integrations"}
    return next((found[name] for name in RECORD_MODELS[kind] if name in found), None)


def record_counts() -> dict[str, int | None]:
    """Rows per kind now (``None`` for kinds without a model)."""
    counts: dict[str, int | None] = {}
    for kind in RECORD_MODELS:
        model = record_model(kind)
        counts[kind] = model.objects.count() if model is not None else None
    return counts
