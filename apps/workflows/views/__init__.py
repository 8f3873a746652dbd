"""Screens of the workflows app (the review queue)."""

from .review import (
    draft_approve_view,
    draft_category_view,
    draft_edit_view,
    draft_reject_view,
    draft_snooze_view,
    draft_unsnooze_view,
    review_metrics_view,
    review_queue,
)

__all__ = [
    "draft_approve_view",
    "draft_category_view",
    "draft_edit_view",
    "draft_reject_view",
    "draft_snooze_view",
    "draft_unsnooze_view",
    "review_metrics_view",
    "review_queue",
]
