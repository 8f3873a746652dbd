"""A workflow version's required information (``WorkflowVersion.required_fields``): what the customer must have
told us before the workflow answers.

``required_fields`` is a list of field names (``["order_id"]``) or field specs (``{"name", "label", "patterns"}``
like a ``need_info`` node's fields). A name is resolved against the tree's ``need_info`` fields first (so a field
a node already collects counts once, with that node's patterns), then against ``FIELD_CATALOGUE`` (common support
identifiers). The executor (``tree.executor.tree_run``) checks them when the walk reaches an ``answer`` node: values
found in what the customer wrote (or collected earlier) satisfy them; anything missing is asked for, the need_info
state (``gate: "required"``) waits on the ticket, and the customer's reply resumes the walk at the tree's start.
After ``MAX_REQUIRED_ASKS`` unanswered asks the walk escalates through the tree's fallback.
"""

from __future__ import annotations

import re

FIELD_NAME = r"\w{1,40}"
MAX_REQUIRED_ASKS = 2
REQUIRED_GATE = "required"
_ID = r"((?=[A-Z0-9_-]*\d)[A-Z0-9][A-Z0-9_-]{3,40})"  # an identifier with at least one digit
_LEAD = r"(?:\s*(?:id|number|no\.?|#|ref(?:erence)?))?\s*(?:is|:|#)?\s*#?"

FIELD_CATALOGUE: dict[str, dict] = {
    "order_id": {
        "label": "order number",
        "patterns": [rf"\border{_LEAD}{_ID}\b", r"\b(ord[_-][A-Z0-9]{4,40})\b"],
    },
    "invoice_id": {
        "label": "invoice number",
        "patterns": [rf"\binvoice{_LEAD}{_ID}\b", r"\b(in_[A-Za-z0-9]{6,40})\b"],
    },
    "account_id": {
        "label": "account ID",
        "patterns": [rf"\baccount{_LEAD}{_ID}\b", r"\b(acct_[A-Za-z0-9]{6,40})\b"],
    },
    "email": {
        "label": "email address",
        "patterns": [r"\b([\w.+-]+@[\w-]+(?:\.[\w-]+)+)\b"],
    },
}


def _tree_fields(tree: dict | None) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for node in (tree or {}).get("nodes") or []:
        if isinstance(node, dict) and node.get("type") == "need_info":
            for spec in node.get("fields") or []:
                if isinstance(spec, dict) and spec.get("name"):
                    found.setdefault(spec["name"], spec)
    return found


def need_info_fields(tree: dict | None) -> list[dict]:
    """The field specs the tree's ``need_info`` nodes collect (first definition of each name)."""
    return list(_tree_fields(tree).values())


def required_specs(required_fields, tree: dict | None) -> list[dict]:
    """``required_fields`` as field specs ``{"name", "label", "patterns"}`` (see the module docstring), in order,
    each name once. A name that resolves nowhere keeps ``patterns=[]`` (it can only be asked for, never found);
    ``required_fields_validate`` refuses such a version before it is published."""
    known = _tree_fields(tree)
    specs: list[dict] = []
    seen: set[str] = set()
    for item in required_fields or []:
        if isinstance(item, dict):
            name = str(item.get("name") or "")
            spec = {"name": name, "label": item.get("label") or "", "patterns": list(item.get("patterns") or [])}
        else:
            name = str(item)
            base = known.get(name) or FIELD_CATALOGUE.get(name) or {}
            spec = {"name": name, "label": base.get("label") or "", "patterns": list(base.get("patterns") or [])}
        if name and name not in seen:
            seen.add(name)
            spec["label"] = spec["label"] or name.replace("_", " ")
            specs.append(spec)
    return specs


def required_fields_validate(required_fields, tree: dict | None) -> list[str]:
    """Problems with ``required_fields`` for a version with ``tree`` (empty: fine). Checks: a list; a tree to ask
    from (the engine runs required information in the tree's walk); names of
    letters, digits and ``_`` (at most 40); each name resolvable (a need_info field of the tree, a catalogue field,
    or a spec with patterns); patterns that compile."""
    if required_fields in (None, ""):
        return []
    if not isinstance(required_fields, list):
        return ["required information must be a list of field names"]
    if required_fields and not tree:
        return ["required information is asked for by the decision tree: give the version a tree"]
    errors: list[str] = []
    known = _tree_fields(tree)
    for item in required_fields:
        if isinstance(item, dict):
            name, patterns = item.get("name"), item.get("patterns")
            if not isinstance(name, str) or not re.fullmatch(FIELD_NAME, name):
                errors.append(f"required field {name!r}: a name of letters, digits and _ (at most 40)")
                continue
            if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) and p for p in patterns):
                errors.append(f"required field {name}: give at least one pattern to find it in the customer's text")
                continue
            for pattern in patterns:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    errors.append(f"required field {name}: bad pattern {pattern!r} ({exc})")
        elif not isinstance(item, str) or not re.fullmatch(FIELD_NAME, item):
            errors.append(f"required field {item!r}: a name of letters, digits and _ (at most 40)")
        elif item not in known and item not in FIELD_CATALOGUE:
            errors.append(
                f"required field {item}: not a field of a need_info node in the tree nor a known field "
                f"({', '.join(sorted(FIELD_CATALOGUE))}); add a need_info node that collects it"
            )
    return errors


def required_names(required_fields) -> list[str]:
    """The field names of ``required_fields`` (names or specs), for screens."""
    return [str(i.get("name") if isinstance(i, dict) else i) for i in required_fields or []]


def required_prompt(specs: list[dict], missing: list[str]) -> str:
    """The question asking the customer for the ``missing`` required fields."""
    labels = {s["name"]: s["label"] for s in specs}
    wanted = " and ".join(labels.get(m, m.replace("_", " ")) for m in missing)
    return f"Before we can help with this, could you send us your {wanted}? Then we will pick it up right away."
