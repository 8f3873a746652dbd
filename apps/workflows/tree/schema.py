"""The decision-tree document: JSON schema (checked with ``jsonschema``) plus semantic checks.

A tree is ``{"start": node id, "fallback": id of an escalate node, "nodes": [node, ...]}``; each node has an
``id`` and a ``type`` (``need_info``, ``lookup``, ``branch``, ``answer``, ``action``, ``escalate``) and the
fields of its type (see ``NODE_SCHEMAS`` / ``NODE_EXAMPLES``). Semantic checks: duplicate ids, references to
unknown nodes, nodes not reachable from ``start``, cycles, a missing / non-escalate ``fallback``, bad regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

NODE_ID = r"^[a-z][a-z0-9_\-]{0,63}$"
PRIORITIES = ["low", "normal", "high", "urgent"]
CONDITION_FIELDS = [
    "tier", "segment", "channel", "page_url", "page_title", "product_area", "text", "subject", "turn", "category",
    "confidence",
]  # fmt: skip
CONDITION_OPS = ["eq", "ne", "in", "not_in", "contains", "regex", "keywords", "gt", "gte", "lt", "lte", "exists"]

_ref = {"type": "string", "pattern": NODE_ID}
_leaf = {
    "type": "object",
    "required": ["field", "op"],
    "additionalProperties": False,
    "properties": {
        # a context field, ``fact:<lookup name>.<key path>`` or ``field:<need_info field name>``
        "field": {"type": "string", "pattern": r"^(" + "|".join(CONDITION_FIELDS) + r"|fact:[\w.\-]+|field:\w+)$"},
        "op": {"enum": CONDITION_OPS},
        "value": {},
    },
}
_condition = {
    "anyOf": [
        {"$ref": "#/$defs/condition_leaf"},
        {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
            "properties": {
                "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
                "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}},
                "not": {"$ref": "#/$defs/condition"},
            },
        },
    ],
}


def _node(type_: str, required: list[str], properties: dict) -> dict:
    return {
        "type": "object",
        "required": ["id", "type", *required],
        "additionalProperties": False,
        "properties": {"id": _ref, "type": {"const": type_}, "label": {"type": "string"}, **properties},
    }


NODE_SCHEMAS: dict[str, dict] = {
    "need_info": _node(
        "need_info",
        ["fields", "next"],
        {
            "fields": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["name", "patterns"],
                    "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "pattern": r"^\w{1,40}$"},
                        "label": {"type": "string"},
                        "patterns": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
                    },
                },
            },
            "prompt": {"type": "string"},
            "max_asks": {"type": "integer", "minimum": 1, "maximum": 5},
            "next": _ref,
            "on_missing": _ref,
        },
    ),
    "lookup": _node(
        "lookup",
        ["lookup", "next"],
        {
            "lookup": {"type": "string", "pattern": r"^[a-z]+\.[a-z_]+$"},
            "required": {"type": "boolean"},
            "next": _ref,
            "on_error": _ref,
        },
    ),
    "branch": _node(
        "branch",
        ["rules", "default"],
        {
            "rules": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["when", "next"],
                    "additionalProperties": False,
                    "properties": {"when": {"$ref": "#/$defs/condition"}, "next": _ref, "label": {"type": "string"}},
                },
            },
            "default": _ref,
        },
    ),
    "answer": _node(
        "answer",
        [],
        {
            "template": {"type": "string"},
            "use_fact": {"type": "string"},
            "knowledge": {"type": "boolean"},
            "on_ungrounded": {"enum": ["draft", "escalate", "allow"]},
        },
    ),
    "action": _node(
        "action",
        ["action", "next"],
        {
            "action": {"enum": ["bug_report"]},
            "summary": {"type": "string"},
            "signature": {"type": "string"},
            "next": _ref,
            "on_error": _ref,
        },
    ),
    "escalate": _node(
        "escalate",
        [],
        {
            "queue": {"type": "string", "pattern": r"^[a-z][a-z0-9\-]*$"},
            "priority": {"enum": PRIORITIES},
            "reason": {"type": "string"},
        },
    ),  # fmt: skip
}

NODE_EXAMPLES: dict[str, dict] = {
    "need_info": {
        "fields": [{"name": "order_id", "label": "order number", "patterns": [r"\b(?:ORD|order)[-# ]?(\d{4,10})\b"]}],
        "prompt": "Could you send us your order number?",
        "next": "answer",
    },
    "lookup": {"lookup": "billing.charges", "required": True, "next": "answer", "on_error": "escalate"},
    "branch": {
        "rules": [{"when": {"field": "tier", "op": "in", "value": ["enterprise"]}, "next": "escalate"}],
        "default": "answer",
    },
    "answer": {"knowledge": True, "on_ungrounded": "draft"},
    "action": {"action": "bug_report", "summary": "Bug reported by a customer", "next": "answer"},
    "escalate": {"queue": "support", "priority": "normal", "reason": "needs a person"},
}

TREE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["start", "fallback", "nodes"],
    "additionalProperties": False,
    "properties": {
        "start": _ref,
        "fallback": _ref,
        "nodes": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {"type": {"enum": list(NODE_SCHEMAS)}},
                "allOf": [
                    {"if": {"properties": {"type": {"const": t}}}, "then": {"$ref": f"#/$defs/{t}"}}
                    for t in NODE_SCHEMAS
                ],
            },
        },
    },
    "$defs": {**NODE_SCHEMAS, "condition": _condition, "condition_leaf": _leaf},
}
_VALIDATOR = Draft202012Validator(TREE_SCHEMA)
REF_KEYS = ("next", "default", "on_error", "on_missing")


@dataclass(frozen=True)
class TreeError:
    """One problem with a tree: ``path`` is a JSON pointer (``/nodes/2/next``), ``node_id`` the node concerned."""

    path: str
    message: str
    node_id: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def node_targets(node: dict) -> list[str]:
    """The node ids ``node`` can continue to (its outgoing edges)."""
    targets = [node[k] for k in REF_KEYS if isinstance(node.get(k), str)]
    targets += [r["next"] for r in node.get("rules") or [] if isinstance(r, dict) and isinstance(r.get("next"), str)]
    return targets


def _regex_errors(nodes: list[dict]) -> list[TreeError]:
    errors = []
    for i, node in enumerate(nodes):
        for j, field in enumerate(node.get("fields") or []):
            for k, pattern in enumerate(field.get("patterns") or []):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    errors.append(TreeError(f"/nodes/{i}/fields/{j}/patterns/{k}", f"bad regex: {exc}", node["id"]))
        stack = [(r.get("when"), f"/nodes/{i}/rules/{j}/when") for j, r in enumerate(node.get("rules") or [])]
        while stack:
            cond, path = stack.pop()
            if not isinstance(cond, dict):
                continue
            for key in ("all", "any"):
                stack += [(c, f"{path}/{key}/{n}") for n, c in enumerate(cond.get(key) or [])]
            if "not" in cond:
                stack.append((cond["not"], f"{path}/not"))
            if cond.get("op") == "regex":
                try:
                    re.compile(str(cond.get("value", "")))
                except re.error as exc:
                    errors.append(TreeError(path, f"bad regex: {exc}", node["id"]))
    return errors


def _cycle(nodes: dict[str, dict], start: str) -> list[str]:
    """A cycle reachable from ``start`` as a list of ids, or []."""
    colour: dict[str, int] = {}
    path: list[str] = []

    def visit(nid: str) -> list[str]:
        colour[nid] = 1
        path.append(nid)
        for nxt in node_targets(nodes[nid]):
            if nxt not in nodes:
                continue
            if colour.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in colour and (found := visit(nxt)):
                return found
        colour[nid] = 2
        path.pop()
        return []

    for nid in [start, *nodes]:
        if nid in nodes and nid not in colour and (found := visit(nid)):
            return found
    return []


def tree_validate(doc) -> list[TreeError]:
    """All problems of the tree document ``doc`` (a dict): schema errors first; semantic checks only when the
    structure is valid. An empty list means the tree can be published and executed."""
    schema_errors = sorted(_VALIDATOR.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if schema_errors:
        out = []
        for err in schema_errors:
            parts = list(err.absolute_path)
            path = "/" + "/".join(str(p) for p in parts)
            node_id = ""
            if len(parts) >= 2 and parts[0] == "nodes" and isinstance(doc, dict):
                node = doc["nodes"][parts[1]]
                node_id = node.get("id", "") if isinstance(node, dict) else ""
            while err.validator in ("anyOf", "oneOf") and err.context:  # the deepest sub-error says most
                err = max(err.context, key=lambda e: (len(e.absolute_path), e is best_match(err.context)))
            message = err.message
            out.append(TreeError(path, message, node_id))
        return out
    errors: list[TreeError] = []
    nodes = doc["nodes"]
    by_id: dict[str, dict] = {}
    for i, node in enumerate(nodes):
        if node["id"] in by_id:
            errors.append(TreeError(f"/nodes/{i}/id", f"duplicate node id {node['id']!r}", node["id"]))
        by_id.setdefault(node["id"], node)
    for key in ("start", "fallback"):
        if doc[key] not in by_id:
            errors.append(TreeError(f"/{key}", f"unknown node id {doc[key]!r}"))
    if doc["fallback"] in by_id and by_id[doc["fallback"]]["type"] != "escalate":
        errors.append(TreeError("/fallback", "the fallback must be an escalate node", doc["fallback"]))
    for i, node in enumerate(nodes):
        for target in node_targets(node):
            if target not in by_id:
                errors.append(TreeError(f"/nodes/{i}", f"refers to unknown node id {target!r}", node["id"]))
    errors += _regex_errors(nodes)
    if doc["start"] in by_id:
        seen, todo = set(), [doc["start"], doc["fallback"]]
        while todo:
            nid = todo.pop()
            if nid in seen or nid not in by_id:
                continue
            seen.add(nid)
            todo += node_targets(by_id[nid])
        for i, node in enumerate(nodes):
            if node["id"] not in seen:
                message = f"node {node['id']!r} is not reachable from the start"
                errors.append(TreeError(f"/nodes/{i}", message, node["id"]))
        if cycle := _cycle(by_id, doc["start"]):
            errors.append(TreeError("/nodes", "cycle: " + " → ".join(cycle), cycle[0]))
    return errors
