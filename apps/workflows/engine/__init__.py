"""The triage engine: pure pipeline steps (context, classify, triggers, rollout gate, compose, decide).

The engine reads preloaded objects and returns plans; ``apps.workflows.services.triage`` loads the rows, runs
the engine and records the outcome (Decision, reply, draft or handoff) atomically.
"""

from .context import TicketContext, context_build, ticket_turn
from .decide import Effect, band_decide, escalation_route, rollout_gate
from .package import handoff_package
from .pipeline import Batch, TriagePlan, triage_plan
from .text import text_now

__all__ = [
    "Batch",
    "Effect",
    "TicketContext",
    "TriagePlan",
    "band_decide",
    "context_build",
    "escalation_route",
    "handoff_package",
    "rollout_gate",
    "text_now",
    "ticket_turn",
    "triage_plan",
]
