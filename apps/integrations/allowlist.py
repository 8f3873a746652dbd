"""Field allow-lists: the only looked-up values that may reach the engine, prompts, logs, handoff packages and the API.

A connection's ``allowed_fields`` are dotted paths over the payload its client returns, e.g. ``charges.amount`` or
``account.owner.name``. Lists are transparent (``charges.amount`` keeps the amount of every charge); a path also
allows everything below it (``account.owner`` keeps ``account.owner.name`` and ``account.owner.email``). Anything
not allowed is dropped, so a new field a vendor starts returning stays hidden until an admin allows it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

_DROP = object()


def _normalize(allowed: Iterable[str]) -> set[tuple[str, ...]]:
    return {tuple(p for p in str(path).strip().split(".") if p) for path in allowed if str(path).strip()}


def _keep(value: Any, path: tuple[str, ...], allowed: set[tuple[str, ...]]) -> Any:
    if path and path in allowed:
        return copy.deepcopy(value)
    if isinstance(value, dict):
        kept = {}
        for key, child in value.items():
            sub = path + (str(key),)
            if not any(a[: len(sub)] == sub for a in allowed):
                continue
            result = _keep(child, sub, allowed)
            if result is not _DROP:
                kept[key] = result
        return kept if kept or not value else _DROP
    if isinstance(value, (list, tuple)):
        items = [_keep(item, path, allowed) for item in value]
        kept_items = [item for item in items if item is not _DROP]
        return kept_items if kept_items or not value else _DROP
    return _DROP  # a leaf whose path is not allowed


def allowlist_filter(payload: dict, allowed: Iterable[str]) -> dict:
    """A copy of ``payload`` keeping only the values under the ``allowed`` dotted paths.

    ``payload``: JSON-like dict (dicts, lists, scalars) from a client. ``allowed``: dotted paths (lists are
    transparent). Returns a new dict (never the input objects); ``{}`` when nothing is allowed. Empty lists of an
    allowed branch stay empty lists, so "no charges" stays distinguishable from "not allowed".
    """
    rules = _normalize(allowed)
    if not rules or not isinstance(payload, dict):
        return {}
    result = _keep(payload, (), rules)
    return {} if result is _DROP else result


def payload_paths(payload: Any, prefix: str = "") -> list[str]:
    """Every leaf path in ``payload`` (dotted, list indices left out), sorted and without duplicates."""
    paths: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and value:
            for key, child in value.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)) and value:
            for item in value:
                walk(item, path)
        elif path:
            paths.add(path)

    walk(payload, prefix)
    return sorted(paths)
