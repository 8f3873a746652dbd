"""Reading the active classifier: one per process, reloaded when another version becomes active."""

import logging
import threading
from pathlib import Path

from django.conf import settings

from apps.workflows.models import ClassifierVersion

from .model import TicketClassifier

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, object] = {"key": None, "model": None}


def classifier_path(path: str) -> Path:
    """Resolve a ``ClassifierVersion.path`` (relative to ``settings.VAR_DIR`` unless absolute) to a file path."""
    p = Path(path)
    return p if p.is_absolute() else Path(settings.VAR_DIR) / p


def get_active_classifier() -> TicketClassifier | None:
    """The active ``ClassifierVersion``'s model, or None when no version is active (nothing trained yet).

    One database query per call to see which version is active; the model file is loaded once per process and
    reloaded when the active version changes. A missing or unreadable file is logged and returns None, so callers
    treat it like an untrained workspace (triage escalates).
    """
    row = ClassifierVersion.objects.filter(is_active=True).values_list("id", "path").first()
    if row is None:
        return None
    with _lock:
        if _loaded["key"] == row:
            return _loaded["model"]  # type: ignore[return-value]
        try:
            model = TicketClassifier.load(classifier_path(row[1]))
        except Exception:  # a broken file must not take triage down with it
            logger.exception("cannot load classifier version %s from %s", row[0], row[1])
            return None
        model.version_id = row[0]
        _loaded["key"], _loaded["model"] = row, model
        return model


def classifier_version_active() -> ClassifierVersion | None:
    """The active ``ClassifierVersion`` row, or None."""
    return ClassifierVersion.objects.filter(is_active=True).first()
