"""The engine side of a category's published workflow: its settings and the ``tree`` step of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.workflows.tree.executor import TreeOutcome, resume_state, tree_run
from apps.workflows.tree.schema import tree_validate

from .trace import Trace


@dataclass(frozen=True)
class WorkflowSpec:
    """A published ``WorkflowVersion`` as the engine uses it (loaded once per batch)."""

    version: int
    thresholds: dict = field(default_factory=dict)
    profiles: dict = field(default_factory=dict)
    guidelines: str = ""
    required_fields: list = field(default_factory=list)

    def threshold(self, name: str, default: float) -> float:
        value = self.thresholds.get(name)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def tree_step(
    *,
    tree: dict,
    ctx,
    trace: Trace,
    category_slug: str,
    confidence,
    version: int,
    lookup,
    validate: bool,
    required_fields=(),
) -> TreeOutcome:
    """Run ``tree`` for ``ctx`` and record the ``tree`` step (path, lookups, fields, actions) in ``trace``.

    ``validate``: check the document first (replayed drafts); an invalid tree escalates with its errors.
    ``required_fields``: the version's required information, asked for before any answer (``tree.required``)."""
    with trace.step("tree", version=version) as step:
        if validate and (errors := tree_validate(tree)):
            outcome = TreeOutcome(
                kind="escalate", node={}, reason="invalid workflow tree: " + "; ".join(map(str, errors[:3]))
            )
        else:
            state = resume_state(ctx.ticket, category_slug=category_slug, version=version)
            outcome = tree_run(
                tree, ctx, category_slug=category_slug, confidence=confidence, version=version, state=state,
                lookup=lookup, required_fields=required_fields,
            )  # fmt: skip
        step.update(outcome.trace())
    return outcome
