"""The engine's calls into the guard (``apps.workflows.guard``) and the control group (``apps.analytics.control``).

Both are optional imports: without them the engine runs as before (no flags, nobody held out), and the trace says
so. The guard's regexes never see anything but the customer's current text and the composed reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any


@cache
def _guard():
    try:
        from apps.workflows import guard
    except ImportError:
        return None
    return guard


@cache
def _control():
    try:
        from apps.analytics.control import in_control_group
    except ImportError:
        return None
    return in_control_group


def guard_request(text: str) -> tuple[list, str]:
    """``(flags, error)``: the guard's request flags for the customer's ``text`` (restricted requests, injection,
    security reports). ``error`` is set when the guard is missing or failed (the caller escalates on failure)."""
    guard = _guard()
    if guard is None:
        return [], "guard not installed"
    try:
        return list(guard.request_flags(text or "")), ""
    except Exception as exc:  # a guard bug must not let a reply through unchecked
        return [], f"guard error: {type(exc).__name__}: {exc}"


def guard_reply(
    text: str, *, passages: Sequence = (), facts: Mapping[str, Any] | None = None
) -> tuple[str, list, str]:
    """``(sanitized text, violations, error)`` for a composed reply: outside links stripped (``reply_sanitize``),
    then ``reply_violations`` (commitments, outside links, internal passages quoted)."""
    guard = _guard()
    if guard is None:
        return text, [], "guard not installed"
    try:
        clean = guard.reply_sanitize(text)
        return clean, list(guard.reply_violations(clean, passages=passages, facts=facts or {})), ""
    except Exception as exc:
        return text, [], f"guard error: {type(exc).__name__}: {exc}"


def control_check(*, ticket_id: int, category) -> bool:
    """Whether the ticket is in the category's control group (False without ``apps.analytics.control`` or for
    unsaved sandbox tickets with negative ids)."""
    check = _control()
    if check is None or ticket_id is None or ticket_id < 0:
        return False
    if not float(getattr(category, "control_share", 0) or 0):
        return False
    return bool(check(ticket_id=ticket_id, category=category))
