"""Branch conditions: evaluate a condition document against one ticket turn (no database access).

A leaf is ``{"field": name, "op": op, "value": v}``; ``all`` / ``any`` / ``not`` combine leaves. Fields:
``tier``, ``segment``, ``channel``, ``page_url``, ``page_title``, ``product_area``, ``text`` (what the customer
wrote now), ``subject``, ``turn`` (customer messages so far), ``category``, ``confidence``,
``fact:<lookup name>.<key path>`` (e.g. ``fact:billing.summary.explanation.shape``) and ``field:<name>`` (a value
collected by a ``need_info`` node). A missing value never matches (except ``exists`` with ``false`` and ``ne``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_MISSING = object()


@dataclass
class ConditionView:
    """The values a condition can read: context fields by name, flat facts and collected fields."""

    values: dict[str, Any]
    facts: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        if name.startswith("fact:"):
            return self.facts.get(name[5:], _MISSING)
        if name.startswith("field:"):
            return self.fields.get(name[6:], _MISSING)
        value = self.values.get(name, _MISSING)
        return _MISSING if value in ("", None) else value


def view_from_context(ctx, *, category_slug: str = "", confidence: float | None = None, facts=None, fields=None):
    """A ``ConditionView`` of a ``TicketContext`` (``apps.workflows.engine.context``)."""
    page_context = ctx.page.get("context") or {}
    values = {
        "tier": ctx.tier,
        "segment": ctx.customer.get("segment", ""),
        "channel": ctx.channel,
        "page_url": ctx.page.get("url", ""),
        "page_title": ctx.page.get("title", ""),
        "product_area": page_context.get("product_area", "") if isinstance(page_context, dict) else "",
        "text": ctx.text,
        "subject": ctx.ticket.subject,
        "turn": ctx.turn,
        "category": category_slug,
        "confidence": confidence,
    }
    return ConditionView(values=values, facts=facts or {}, fields=fields or {})


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _leaf(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return (actual is not _MISSING) == (expected is None or bool(expected))
    if actual is _MISSING:
        return op in ("ne", "not_in")
    if op == "eq":
        return _norm(actual) == _norm(expected)
    if op == "ne":
        return _norm(actual) != _norm(expected)
    if op in ("in", "not_in"):
        options = expected if isinstance(expected, list) else [expected]
        found = _norm(actual) in [_norm(o) for o in options]
        return found if op == "in" else not found
    if op == "contains":
        if isinstance(actual, list | tuple):
            return _norm(expected) in [_norm(a) for a in actual]
        return str(expected).lower() in str(actual).lower()
    if op == "regex":
        return bool(_regex(str(expected)).search(str(actual)))
    if op == "keywords":
        words = expected if isinstance(expected, list) else [expected]
        text = str(actual)
        return any(_regex(r"\b" + re.escape(str(w)) + r"\b").search(text) for w in words if str(w).strip())
    a, b = _number(actual), _number(expected)
    if a is None or b is None:
        return False
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}.get(op, False)


def condition_holds(condition: Mapping[str, Any], view: ConditionView) -> bool:
    """Whether ``condition`` (validated by ``tree.schema``) holds for ``view``."""
    if "all" in condition:
        return all(condition_holds(c, view) for c in condition["all"])
    if "any" in condition:
        return any(condition_holds(c, view) for c in condition["any"])
    if "not" in condition:
        return not condition_holds(condition["not"], view)
    return _leaf(condition["op"], view.get(condition["field"]), condition.get("value"))
