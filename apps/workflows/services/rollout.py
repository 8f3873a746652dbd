"""Rollout state of a category: off (humans only) → shadow (decide, send nothing) → assist (drafts) → auto (full)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.workflows.choices import RolloutState
from apps.workflows.models import Category

logger = logging.getLogger(__name__)

ORDER = [RolloutState.OFF, RolloutState.SHADOW, RolloutState.ASSIST, RolloutState.AUTO]


def rollout_next_states(current: str) -> list[str]:
    """The states a category in ``current`` may move to: one step forward, or any step back (back to off is
    always allowed, so a lead can stop the AI at once)."""
    index = ORDER.index(RolloutState(current))
    return [str(s) for i, s in enumerate(ORDER) if i != index and i <= index + 1]


@transaction.atomic
def category_rollout_set(*, category: Category, state: str, user=None) -> Category:
    """Move ``category`` to rollout ``state`` (a ``RolloutState`` value).

    Forward moves go one step at a time (off → shadow → assist → auto); backward moves may skip. Leaving ``off``
    sets ``Category.rollout_started_at`` (the start of the analytics' comparison period) when it is not set yet.
    The change is recorded in the category's history (django-simple-history) with ``user``.
    Raises ``ValidationError`` for an unknown state or a skipped forward step.
    """
    if state not in RolloutState.values:
        raise ValidationError(f"unknown rollout state {state!r}; choose one of {', '.join(RolloutState.values)}")
    locked = Category.objects.select_for_update().get(pk=category.pk)
    if locked.rollout_state == state:
        return locked
    if state not in rollout_next_states(locked.rollout_state):
        raise ValidationError(
            f"{locked.name} is in rollout {locked.rollout_state}: move forward one step at a time "
            f"({' → '.join(ORDER)})"
        )
    fields = ["rollout_state", "updated_at"]
    previous = locked.rollout_state
    locked.rollout_state = state
    if previous == RolloutState.OFF and not locked.rollout_started_at:
        locked.rollout_started_at = timezone.now()
        fields.append("rollout_started_at")
    if user is not None:
        locked._history_user = user  # simple-history records who changed it
    locked.save(update_fields=fields)
    logger.info("category %s rollout %s -> %s by %s", locked.slug, previous, state, user)
    return locked
