"""The handoff package: what the receiving agent reads first, so the customer never has to repeat themselves."""

from __future__ import annotations

from apps.workflows.choices import RolloutState

from .pipeline import TriagePlan

CUSTOMER_TEXT_CHARS = 2000
NEXT_STEPS = {
    "no_text": "The message is empty: ask the customer what they need.",
    "no_classifier": "No classifier is trained yet: read the conversation and set the category.",
    "classifier_error": "The AI could not classify this ticket: read the conversation and set the category.",
    "unknown_category": "The AI's label matches no category: set the category and check the category list.",
    "composer_error": "The AI could not compose a grounded reply: answer personally (see the reason).",
    "sensitive": "Human-only topic: answer personally; the AI does not reply in this category.",
    "out_of_scope": "No known category fits: answer personally and consider whether a new category is needed.",
    "low_confidence": "The AI was unsure of the category: check its guesses below and answer personally.",
    "rollout_off": "Handle as usual: the AI is off for this category (it only classified the ticket).",
    "shadow": "Handle as usual: the AI is in shadow mode for this category and sent nothing.",
    "with_human": "The customer wrote again while the ticket is with you: read the new message.",
}


def _tried(plan: TriagePlan) -> list[str]:
    """The pipeline's steps in words an agent reads."""
    lines = []
    for step in plan.trace.steps:
        name = step["step"]
        if name == "classify" and "category" in step:
            ups = ", ".join(f"{r['category']} {r['confidence']:.2f}" for r in step.get("runner_ups", [])[:3])
            lines.append(
                f"classified as {step['category']} ({step['confidence']:.2f}){'; runner-ups: ' + ups if ups else ''}"
            )
        elif name == "classify" and "error" in step:
            lines.append(f"classification failed: {step['error']}")
        elif name == "triggers":
            hits = step.get("hits", [])
            found = ", ".join(f"{h['name']} ({h['evidence']!r})" for h in hits)
            lines.append(f"checked {step.get('rules', 0)} hard triggers: {found or 'none fired'}")
        elif name == "gate":
            lines.append(f"rollout {step['rollout_state']}: band {step['band']} → {step['outcome']}")
        elif name == "compose" and "error" in step:
            lines.append(f"composing a reply failed: {step['error']}")
        elif name == "compose" and "model" in step:
            lines.append(f"composed a reply with {step['model']}")
    return lines


def _tree_step(plan: TriagePlan) -> dict:
    """The ``tree`` step of ``plan``'s trace (path, lookups, allow-listed facts, collected fields), or ``{}``."""
    return next((s for s in plan.trace.steps if s.get("step") == "tree"), {})


def handoff_package(plan: TriagePlan) -> dict:
    """The package for ``plan``'s escalation. Keys: conversation, customer, channel, page, understood (category,
    confidence, runner-ups, fields), tried (steps, nodes, lookups, draft), why (reason, triggers with evidence),
    facts (allow-listed CRM/billing values), priority, sla_due_at (set by SLA policies), next_step."""
    ctx = plan.ctx
    category = plan.category
    draft = plan.reply.text if plan.reply and plan.rollout_state != RolloutState.SHADOW else None
    next_step = next((h.next_step for h in plan.hits if h.next_step), "") or NEXT_STEPS.get(plan.why, "")
    tree = _tree_step(plan)
    return {
        "conversation": ctx.conversation,
        "customer": ctx.customer,
        "channel": ctx.channel,
        "page": ctx.page,
        "understood": {
            "category": category.slug if category else None,
            "category_name": category.name if category else None,
            "confidence": plan.confidence,
            "runner_ups": plan.runner_ups,
            "out_of_scope": plan.out_of_scope,
            "customer_text": ctx.text[:CUSTOMER_TEXT_CHARS],
            "fields": tree.get("fields", {}),
        },
        "tried": {
            "steps": _tried(plan),
            "outcome": plan.outcome,
            "nodes": tree.get("path", []),
            "lookups": tree.get("lookups", []),
            "draft": draft,
        },
        "why": {"reason": plan.reason, "kind": plan.why, "triggers": [h.as_dict() for h in plan.hits]},
        "facts": tree.get("facts", {}),
        "priority": plan.priority,
        "sla_due_at": None,
        "next_step": next_step,
    }
