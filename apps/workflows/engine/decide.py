"""Pure decision rules: the confidence band, the escalation reasons that override it, and the rollout gate.

No database access here; everything comes in as arguments so the rules are easy to test and to replay
(sandbox and backtests call the same functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apps.escalation.triggers import PRIORITY_RANK, TriggerHit
from apps.workflows.choices import Outcome, RolloutState


class Effect:
    """What the triage does about its outcome."""

    SEND = "send"  # reply to the customer and resolve (auto rollout, resolve band)
    DRAFT = "draft"  # a pending draft for an agent to review
    HANDOFF = "handoff"  # a handoff to a human queue (escalations, and the human path in shadow/off)


@dataclass(frozen=True)
class Band:
    outcome: str
    reason: str
    kind: str  # why: trigger, sensitive, out_of_scope, auto_band, draft_band, low_confidence


@dataclass(frozen=True)
class Gated:
    outcome: str
    effect: str
    reason: str
    compose: bool


def band_decide(
    *,
    confidence: float,
    auto_threshold: float,
    draft_threshold: float,
    is_sensitive: bool,
    slug: str,
    hits: Sequence[TriggerHit],
    out_of_scope: bool,
    sensitive_cue: bool = False,
) -> Band:
    """The outcome before the rollout gate. Escalation reasons win in this order: hard triggers, sensitive
    category, out of scope; then ``confidence`` ≥ ``auto_threshold`` resolves, ≥ ``draft_threshold`` drafts,
    anything lower escalates. Thresholds and confidence are probabilities in 0–1.

    A sensitive category is human-only when the prediction is trusted: ``confidence`` ≥ ``draft_threshold`` or a
    guard cue (``sensitive_cue``: a security or restricted-request flag on the text). A low-confidence guess of a
    sensitive category is only a guess: it takes the ordinary low-confidence path (escalate to first line, unless
    other evidence such as a spike of the same report decides)."""
    if hits:
        names = ", ".join(f"{h.name} ({h.evidence!r})" for h in hits)
        return Band(Outcome.ESCALATE, f"hard trigger: {names}", "trigger")
    if is_sensitive and (confidence >= draft_threshold or sensitive_cue):
        return Band(Outcome.ESCALATE, f"sensitive category: {slug} is human-only", "sensitive")
    if out_of_scope:
        return Band(
            Outcome.ESCALATE, f"out of scope: no category fits (best guess {slug} at {confidence:.2f})", "out_of_scope"
        )
    if confidence >= auto_threshold:
        return Band(Outcome.RESOLVE, f"confidence {confidence:.2f} ≥ auto threshold {auto_threshold:.2f}", "auto_band")
    if confidence >= draft_threshold:
        return Band(
            Outcome.DRAFT, f"confidence {confidence:.2f} ≥ draft threshold {draft_threshold:.2f}", "draft_band"
        )
    return Band(
        Outcome.ESCALATE, f"low confidence: {confidence:.2f} < draft threshold {draft_threshold:.2f}", "low_confidence"
    )


def rollout_gate(band: Band, rollout_state: str) -> Gated:
    """Apply the category's rollout state to ``band``.

    off: humans only (escalate, reason "rollout off"); shadow: record the AI's outcome, send nothing, the human
    path handles the ticket; assist: drafts at most; auto: the band as is. ``compose`` says whether a reply
    should be composed (only for outcomes that carry one).
    """
    if rollout_state == RolloutState.OFF:
        return Gated(Outcome.ESCALATE, Effect.HANDOFF, "rollout off", compose=False)
    carries_reply = band.outcome in (Outcome.RESOLVE, Outcome.DRAFT)
    if rollout_state == RolloutState.SHADOW:
        return Gated(
            band.outcome,
            Effect.HANDOFF,
            f"shadow (sent nothing): would {band.outcome}: {band.reason}",
            compose=carries_reply,
        )
    if rollout_state == RolloutState.ASSIST and band.outcome == Outcome.RESOLVE:
        return Gated(Outcome.DRAFT, Effect.DRAFT, f"assist (drafts only): {band.reason}", compose=True)
    if band.outcome == Outcome.RESOLVE:
        return Gated(Outcome.RESOLVE, Effect.SEND, band.reason, compose=True)
    if band.outcome == Outcome.DRAFT:
        return Gated(Outcome.DRAFT, Effect.DRAFT, band.reason, compose=True)
    return Gated(Outcome.ESCALATE, Effect.HANDOFF, band.reason, compose=False)


def escalation_route(*, hits: Sequence[TriggerHit], category_queue: str, ticket_priority: str) -> tuple[str, str]:
    """``(queue slug, priority)`` for an escalation: the queue of the most important trigger that names one,
    else the category's default queue (``""``: the general queue); the highest priority of the ticket and hits."""
    queue = next((h.queue for h in hits if h.queue), "") or category_queue
    priority = max([ticket_priority, *(h.priority for h in hits)], key=lambda p: PRIORITY_RANK.get(p, 1))
    return queue, priority
