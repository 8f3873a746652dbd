"""Walk a workflow's decision tree for one ticket turn and return where it ended and the path it took.

The walk reads the context, calls lookups (``apps.integrations.lookups.lookup_run``, read-only) and collects
fields; it writes nothing. Actions (``bug_report``) are returned in ``TreeOutcome.actions`` and carried out by
``apps.workflows.services.triage`` when the decision is recorded (never in shadow mode or the sandbox).
Multi-turn state: a ``need_info`` node that still misses fields ends the walk with ``kind="ask"`` and a ``state``
(``{"version", "category", "node", "fields", "asks", "confidence"}``) the triage stores in
``ticket.metadata["workflow"]``; the customer's next message resumes the walk at that node.
Required information (``WorkflowVersion.required_fields``, see ``tree.required``) is checked when the walk reaches
an ``answer`` node: missing fields are asked for the same way (state with ``gate: "required"``, resuming at the
tree's start so branches and lookups see the new information), and the walk escalates after ``MAX_REQUIRED_ASKS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .conditions import condition_holds, view_from_context
from .required import MAX_REQUIRED_ASKS, REQUIRED_GATE, required_prompt, required_specs

MAX_STEPS = 50
DEFAULT_MAX_ASKS = 2
STATE_KEY = "workflow"
TRACE_FACTS = 60  # looked-up (allow-listed) values recorded in the Decision trace


@dataclass
class TreeOutcome:
    """Where the walk ended. ``kind``: ``answer`` (compose a reply from ``node``), ``ask`` (send ``prompt`` and
    wait), ``escalate`` (``queue``, ``priority``, ``reason``). ``path``: one dict per visited node."""

    kind: str
    node: dict
    path: list[dict] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # flat facts: {"billing.summary.explanation.shape": …}
    lookups: list[dict] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    actions: list[dict] = field(default_factory=list)
    prompt: str = ""
    missing: list[str] = field(default_factory=list)
    queue: str = ""
    priority: str = "normal"
    reason: str = ""
    state: dict | None = None  # the need_info state to store on the ticket (None: clear it)
    resumed_from: str = ""

    def trace(self) -> dict:
        """The Decision trace's ``tree`` step details."""
        return {
            "kind": self.kind,
            "path": self.path,
            "end": self.node.get("id", ""),
            "resumed_from": self.resumed_from,
            "fields": self.fields,
            "lookups": self.lookups,
            "facts": {k: _traceable(v) for k, v in list(self.facts.items())[:TRACE_FACTS]},
            "actions": self.actions,
            **({"missing": self.missing} if self.missing else {}),
            **(
                {"queue": self.queue, "priority": self.priority, "reason": self.reason}
                if self.kind == "escalate"
                else {}
            ),
        }


LookupFn = Callable[..., Any]


def _traceable(value: Any) -> Any:
    """A fact value fit for the JSON trace: scalars as they are (strings capped), anything else as text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)[:200]


def default_lookup() -> LookupFn | None:
    """``apps.integrations.lookups.lookup_run`` when it is installed, else None (lookup nodes then escalate)."""
    try:
        from apps.integrations.lookups import lookup_run
    except ImportError:
        return None
    return lookup_run


def resume_state(ticket, *, category_slug: str = "", version: int | None = None) -> dict | None:
    """The waiting ``need_info`` state stored on ``ticket`` (``metadata["workflow"]``), or None. With
    ``category_slug`` / ``version`` given, a state of another category or version is ignored."""
    state = (getattr(ticket, "metadata", None) or {}).get(STATE_KEY)
    if not isinstance(state, dict) or not state.get("node"):
        return None
    if category_slug and state.get("category") != category_slug:
        return None
    if version is not None and state.get("version") != version:
        return None
    return state


def _customer_texts(ctx) -> list[str]:
    texts = [m["body"] for m in ctx.conversation if m.get("author") == "customer"]
    return [*texts, ctx.text, ctx.ticket.subject or ""]


def fields_extract(node: dict, texts: list[str]) -> dict[str, str]:
    """Values of ``node``'s fields found in ``texts`` (newest text first wins): the first regex group, or the
    whole match when the pattern has no group."""
    found: dict[str, str] = {}
    for spec in node.get("fields", []):
        for text in reversed(texts):
            match = next((m for p in spec["patterns"] if (m := re.search(p, text or "", re.IGNORECASE))), None)
            if match:
                value = next((g for g in match.groups() if g), None) if match.groups() else None
                found[spec["name"]] = (value or match.group(0)).strip()[:200]
                break
    return found


def _ask_prompt(node: dict, missing: list[str]) -> str:
    if node.get("prompt"):
        return node["prompt"]
    labels = {f["name"]: f.get("label") or f["name"].replace("_", " ") for f in node["fields"]}
    return "Could you send us your " + " and ".join(labels[m] for m in missing) + "? Then we can look into it."


def _signature(node: dict, ctx, slug: str) -> str:
    """The node's fixed signature, else one from the report's content (error code or symptom words:
    ``engine.signature.bug_signature``), so the same bug from two customers links to one tracker issue and
    different bugs filed by the same node open different ones."""
    if node.get("signature"):
        return node["signature"][:200]
    from apps.workflows.engine.signature import bug_signature  # the engine package imports this module

    area = (ctx.page.get("context") or {}).get("product_area", "") if isinstance(ctx.page.get("context"), dict) else ""
    where = area or ctx.page.get("title", "") or ctx.page.get("url", "")
    return bug_signature(text=ctx.text, category_slug=slug, area=area, fallback=f"{node['id']}|{where}")


def tree_run(
    tree: dict,
    ctx,
    *,
    category_slug: str,
    confidence: float | None = None,
    version: int = 0,
    state: dict | None = None,
    lookup: LookupFn | None = None,
    required_fields=(),
) -> TreeOutcome:
    """Walk ``tree`` (a document valid under ``tree.schema``) for ``ctx`` (a ``TicketContext``).

    ``state``: a stored ``need_info`` state to resume from (see the module docstring); ``lookup``: the
    ``lookup_run`` function (default: the installed one); ``required_fields``: the version's required information
    (names or specs, ``tree.required``), asked for before any answer. A failed required lookup, an exhausted
    ``need_info`` or required field, an unknown node or a walk longer than ``MAX_STEPS`` continue at the node's
    ``on_error`` / ``on_missing`` or the tree's ``fallback`` escalate node.
    Never raises for tree content; the returned ``TreeOutcome`` says why.
    """
    nodes = {n["id"]: n for n in tree.get("nodes", [])}
    fallback_id = tree.get("fallback", "")
    lookup = lookup if lookup is not None else default_lookup()
    facts: dict[str, Any] = {}
    fields: dict[str, str] = dict((state or {}).get("fields") or {})
    path: list[dict] = []
    lookups: list[dict] = []
    actions: list[dict] = []
    current = (state or {}).get("node") or tree.get("start", "")
    resumed_from = current if state else ""
    pending_reason = ""
    specs = required_specs(required_fields, tree) if required_fields else []
    gate_asks = int((state or {}).get("asks", 0)) if (state or {}).get("gate") == REQUIRED_GATE else 0

    def outcome(kind: str, node: dict, **extra) -> TreeOutcome:
        return TreeOutcome(
            kind=kind, node=node, path=path, facts=facts, lookups=lookups, fields=fields, actions=actions,
            resumed_from=resumed_from, **extra,
        )  # fmt: skip

    def fail(node_id: str, target: str | None, reason: str) -> str:
        nonlocal pending_reason
        pending_reason = reason
        path[-1]["error"] = reason
        return target or fallback_id

    for _ in range(MAX_STEPS):
        node = nodes.get(current)
        if node is None:
            reason = f"tree refers to unknown node {current!r}"
            esc = nodes.get(fallback_id)
            path.append({"node": current, "type": "missing"})
            if esc is None or current == fallback_id:
                return outcome("escalate", {"id": current}, queue="", priority="normal", reason=reason)
            current, pending_reason = fallback_id, reason
            continue
        kind = node["type"]
        step: dict[str, Any] = {"node": node["id"], "type": kind}
        path.append(step)
        if kind == "need_info":
            fields.update({k: v for k, v in fields_extract(node, _customer_texts(ctx)).items() if k not in fields})
            missing = [f["name"] for f in node["fields"] if f["name"] not in fields]
            step.update(found=sorted(k for k in fields), missing=missing)
            if not missing:
                current = node["next"]
                continue
            own = resumed_from == node["id"] and not (state or {}).get("gate")
            asks = int((state or {}).get("asks", 0)) if own else 0
            if asks >= int(node.get("max_asks", DEFAULT_MAX_ASKS)):
                current = fail(
                    node["id"], node.get("on_missing"), f"still missing {', '.join(missing)} after {asks} asks"
                )
                continue
            new_state = {
                "version": version, "category": category_slug, "node": node["id"], "fields": fields,
                "asks": asks + 1, "confidence": confidence,
            }  # fmt: skip
            return outcome("ask", node, prompt=_ask_prompt(node, missing), missing=missing, state=new_state)
        if kind == "lookup":
            name = node["lookup"]
            if lookup is None:
                result_ok, error, flat, ms, source = False, "lookups are not installed", {}, 0.0, ""
            else:
                try:
                    result = lookup(name=name, ticket=ctx.ticket, category_slug=category_slug)
                    result_ok, error, ms, source = bool(result.ok), result.error, result.ms, result.source
                    flat = result.flat() if result_ok else {}
                except Exception as exc:  # lookup_run never raises by contract; a bug here still escalates
                    result_ok, error, flat, ms, source = False, f"{type(exc).__name__}: {exc}", {}, 0.0, ""
            lookups.append(
                {"name": name, "ok": result_ok, "error": error, "ms": ms, "source": source, "keys": len(flat)}
            )
            step.update(ok=result_ok)
            facts.update(flat)
            if not result_ok and node.get("required", True):
                current = fail(node["id"], node.get("on_error"), f"lookup {name} failed: {error}")
                continue
            current = node["next"]
            continue
        if kind == "branch":
            view = view_from_context(
                ctx, category_slug=category_slug, confidence=confidence, facts=facts, fields=fields
            )
            for index, rule in enumerate(node["rules"]):
                if condition_holds(rule["when"], view):
                    step.update(rule=index, label=rule.get("label", ""))
                    current = rule["next"]
                    break
            else:
                step.update(rule="default")
                current = node["default"]
            continue
        if kind == "action":
            actions.append(
                {
                    "action": node["action"],
                    "node": node["id"],
                    "signature": _signature(node, ctx, category_slug),
                    "summary": (node.get("summary") or ctx.ticket.subject or ctx.text[:120])[:200],
                    "steps": ctx.text[:4000],
                    "on_error": node.get("on_error") or "",
                }
            )
            current = node["next"]
            continue
        if kind == "escalate":
            reason = node.get("reason") or "workflow escalation"
            if pending_reason:
                reason = f"{reason}: {pending_reason}"
            return outcome(
                "escalate", node, queue=node.get("queue", ""), priority=node.get("priority", "normal"), reason=reason
            )
        # answer: only once the version's required information is known
        if specs:
            found = fields_extract({"fields": specs}, _customer_texts(ctx))
            fields.update({k: v for k, v in found.items() if k not in fields})
            missing = [spec["name"] for spec in specs if spec["name"] not in fields]
            step.update(required=[spec["name"] for spec in specs], missing=missing)
            if missing:
                if gate_asks >= MAX_REQUIRED_ASKS:
                    reason = f"still missing required {', '.join(missing)} after {gate_asks} asks"
                    current = fail(node["id"], None, reason)
                    continue
                new_state = {
                    "version": version, "category": category_slug, "node": tree.get("start", ""),
                    "gate": REQUIRED_GATE, "fields": fields, "asks": gate_asks + 1, "confidence": confidence,
                }  # fmt: skip
                prompt = required_prompt(specs, missing)
                return outcome("ask", node, prompt=prompt, missing=missing, state=new_state)
        return outcome("answer", node)
    path.append({"node": current, "type": "stopped"})
    end = nodes.get(fallback_id, {"id": fallback_id})
    return outcome(
        "escalate",
        end,
        queue=end.get("queue", ""),
        priority=end.get("priority", "normal"),
        reason=f"walk longer than {MAX_STEPS} steps",
    )
