"""The triage pipeline without side effects: contexts in, one ``TriagePlan`` per ticket out.

Steps per ticket (each recorded in the trace with its timing): context → classify (one batched classifier call
for all tickets) → hard triggers → rollout gate → compose → decide. Nothing here writes to the database or
sends anything; ``apps.workflows.services.triage`` records the plans and carries out their effects. A failing
classifier or composer turns into an escalation with the error as the reason, never into a sent reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from apps.escalation.triggers import TriggerHit, TriggerSet
from apps.integrations.llm.base import ComposedReply, LLMProvider, Passage, TicketBrief
from apps.tickets.choices import Priority
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.models import Category

from .context import TicketContext
from .decide import Band, Effect, band_decide, escalation_route, rollout_gate
from .trace import Trace

PassageFinder = Callable[[TicketContext, Category], Sequence[Passage]]


class PredictionLike(Protocol):
    category: str
    confidence: float
    runner_ups: list[tuple[str, float]]
    out_of_scope: bool


class ClassifierLike(Protocol):
    def predict(self, texts: list[str]) -> Sequence[PredictionLike]: ...


@dataclass
class TriagePlan:
    """The decision for one ticket turn and what to do about it (``effect``: send / draft / handoff)."""

    ctx: TicketContext
    outcome: str
    effect: str
    reason: str
    why: str  # machine-readable reason kind: trigger, low_confidence, rollout_off, classifier_error, …
    trace: Trace
    rollout_state: str = RolloutState.OFF
    category: Category | None = None
    confidence: float | None = None
    runner_ups: list[dict] = field(default_factory=list)
    out_of_scope: bool = False
    hits: list[TriggerHit] = field(default_factory=list)
    reply: ComposedReply | None = None
    queue_slug: str = ""
    priority: str = Priority.NORMAL

    @property
    def sent(self) -> bool:
        return self.effect == Effect.SEND

    def decision_fields(self, *, latency_ms: float, **trace_extra) -> dict[str, Any]:
        """Keyword arguments for ``Decision(...)`` (everything but the ticket's row lock)."""
        reply = self.reply
        return {
            "ticket": self.ctx.ticket,
            "turn": self.ctx.turn,
            "category": self.category,
            "confidence": self.confidence,
            "runner_ups": self.runner_ups,
            "triggers": [h.as_dict() for h in self.hits],
            "outcome": self.outcome,
            "rollout_state": self.rollout_state,
            "sent": self.sent,
            "reason": self.reason[:500],
            "reply_text": reply.text if reply else "",
            "trace": self.trace.as_dict(effect=self.effect, why=self.why, **trace_extra),
            "model_name": reply.model_name if reply else "",
            "prompt_version": reply.prompt_version if reply else "",
            "tokens_in": reply.tokens_in if reply else 0,
            "tokens_out": reply.tokens_out if reply else 0,
            "latency_ms": round(latency_ms, 3),
        }


@dataclass
class Batch:
    """Shared inputs of one pipeline run; load once per batch (categories by slug, compiled trigger rules)."""

    classifier: ClassifierLike | None
    categories: Mapping[str, Category]
    triggers: TriggerSet
    llm: LLMProvider
    passages: PassageFinder | None = None


def _classify(batch: Batch, contexts: Sequence[TicketContext]) -> tuple[dict[int, PredictionLike], str, float]:
    """Predictions by ticket id for the tickets that have text, an error text, and the call's milliseconds."""
    wanted = [c for c in contexts if c.classify_text]
    if batch.classifier is None or not wanted:
        return {}, "", 0.0
    started = time.perf_counter()
    try:
        predictions = list(batch.classifier.predict([c.classify_text for c in wanted]))
        if len(predictions) != len(wanted):
            raise ValueError(f"classifier returned {len(predictions)} predictions for {len(wanted)} texts")
    except Exception as exc:  # any classifier failure escalates the batch's tickets with the error as reason
        return {}, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000
    return (
        {c.ticket_id: p for c, p in zip(wanted, predictions, strict=True)},
        "",
        (time.perf_counter() - started) * 1000,
    )


def triage_plan(batch: Batch, contexts: Sequence[TicketContext], *, context_ms: float = 0.0) -> list[TriagePlan]:
    """Plan the triage of ``contexts`` (one batched classifier call). ``context_ms``: time spent building each
    context, recorded as the first step. Never raises for classifier or composer failures."""
    predictions, error, classify_ms = _classify(batch, contexts)
    share = classify_ms / max(1, len(predictions) or len(contexts))
    model = getattr(batch.classifier, "model_name", type(batch.classifier).__name__) if batch.classifier else ""
    plans = []
    for ctx in contexts:
        trace = Trace()
        trace.add("context", context_ms, **ctx.summary())
        plans.append(_plan_one(batch, ctx, trace, predictions.get(ctx.ticket_id), error, share, model))
    return plans


def _escalation(
    ctx,
    trace,
    hits,
    *,
    reason,
    why,
    category=None,
    confidence=None,
    runner_ups=None,
    rollout_state=RolloutState.OFF,
    outcome=Outcome.ESCALATE,
    effect=Effect.HANDOFF,
    reply=None,
    out_of_scope=False,
    queue_override="",
) -> TriagePlan:
    queue_default = category.default_queue.slug if category is not None and category.default_queue else ""
    queue, priority = escalation_route(hits=hits, category_queue=queue_default, ticket_priority=ctx.ticket.priority)
    queue = queue_override or queue
    trace.add(
        "decide", 0.0, outcome=outcome, effect=effect, reason=reason, queue=queue or "general", priority=priority
    )
    return TriagePlan(
        ctx=ctx,
        outcome=outcome,
        effect=effect,
        reason=reason,
        why=why,
        trace=trace,
        rollout_state=rollout_state,
        category=category,
        confidence=confidence,
        runner_ups=runner_ups or [],
        out_of_scope=out_of_scope,
        hits=list(hits),
        reply=reply,
        queue_slug=queue,
        priority=priority,
    )


def _plan_one(batch, ctx, trace, prediction, error, share, model) -> TriagePlan:
    slug, confidence, runner_ups, out_of_scope = "", None, [], False
    if not ctx.classify_text:
        trace.add("classify", 0.0, skipped="no customer text")
    elif batch.classifier is None:
        trace.add("classify", 0.0, error="no trained classifier")
    elif error:
        trace.add("classify", share, error=error, classifier=model)
    else:
        slug, confidence = prediction.category, float(prediction.confidence)
        runner_ups = [{"category": s, "confidence": round(float(p), 4)} for s, p in prediction.runner_ups]
        out_of_scope = bool(prediction.out_of_scope)
        trace.add(
            "classify",
            share,
            classifier=model,
            category=slug,
            confidence=round(confidence, 4),
            runner_ups=runner_ups,
            out_of_scope=out_of_scope,
        )
    with trace.step("triggers", rules=len(batch.triggers)) as step:
        ctx.signals["category"] = slug  # the category predicted now: repeat contact compares it
        hits = batch.triggers.check(text=ctx.text, tier=ctx.tier, ctx=ctx)
        step["hits"] = [h.as_dict() for h in hits]

    if not ctx.classify_text:
        return _escalation(ctx, trace, hits, reason="no customer text to triage", why="no_text")
    if batch.classifier is None:
        return _escalation(
            ctx, trace, hits, reason="no trained classifier: run `manage.py train_classifier`", why="no_classifier"
        )
    if error:
        return _escalation(ctx, trace, hits, reason=f"classifier error: {error}"[:500], why="classifier_error")
    category = batch.categories.get(slug)
    if ctx.with_human:  # a person has the conversation: the AI never answers over their head
        return _escalation(
            ctx,
            trace,
            hits,
            reason=f"already with a human: {ctx.with_human}",
            why="with_human",
            category=category,
            confidence=confidence,
            runner_ups=runner_ups,
            out_of_scope=out_of_scope,
            queue_override=ctx.ticket_queue,
        )
    if category is None:
        return _escalation(
            ctx,
            trace,
            hits,
            reason=f"classifier label '{slug}' has no category",
            why="unknown_category",
            confidence=confidence,
            runner_ups=runner_ups,
            out_of_scope=out_of_scope,
        )

    band = band_decide(
        confidence=confidence,
        auto_threshold=category.auto_threshold,
        draft_threshold=category.draft_threshold,
        is_sensitive=category.is_sensitive,
        slug=slug,
        hits=hits,
        out_of_scope=out_of_scope,
    )
    gated = rollout_gate(band, category.rollout_state)
    trace.add(
        "gate",
        0.0,
        rollout_state=category.rollout_state,
        band=band.outcome,
        band_reason=band.reason,
        outcome=gated.outcome,
        effect=gated.effect,
    )
    common = {
        "category": category,
        "confidence": confidence,
        "runner_ups": runner_ups,
        "rollout_state": category.rollout_state,
        "out_of_scope": out_of_scope,
    }
    why = band.kind
    if category.rollout_state == RolloutState.OFF:
        why = "rollout_off"
    elif category.rollout_state == RolloutState.SHADOW and band.outcome != Outcome.ESCALATE:
        why = "shadow"

    reply, compose_error = None, ""
    if gated.compose:
        reply, compose_error = _compose(batch, ctx, category, trace)
    else:
        trace.add("compose", 0.0, skipped=f"{gated.outcome} needs no reply")
    if compose_error:
        return _escalation(
            ctx, trace, hits, reason=f"composer error: {compose_error}"[:500], why="composer_error", **common
        )
    if gated.effect == Effect.HANDOFF:
        return _escalation(
            ctx, trace, hits, reason=gated.reason, why=why, outcome=gated.outcome, reply=reply, **common
        )
    return _plan_reply(ctx, trace, hits, gated.outcome, gated.effect, gated.reason, band, reply, common)


def _plan_reply(ctx, trace, hits, outcome, effect, reason, band: Band, reply, common) -> TriagePlan:
    trace.add("decide", 0.0, outcome=outcome, effect=effect, reason=reason)
    return TriagePlan(
        ctx=ctx,
        outcome=outcome,
        effect=effect,
        reason=reason,
        why=band.kind,
        trace=trace,
        hits=list(hits),
        reply=reply,
        priority=ctx.ticket.priority,
        **common,
    )


def _compose(batch: Batch, ctx: TicketContext, category: Category, trace: Trace) -> tuple[ComposedReply | None, str]:
    with trace.step("compose", provider=batch.llm.model_name, shape=ctx.shape) as step:
        try:
            passages = list(batch.passages(ctx, category)) if batch.passages else []
            customer = ctx.customer
            brief = TicketBrief(
                ticket_id=ctx.ticket_id,
                channel=ctx.channel,
                customer_name=customer.get("name", ""),
                company=customer.get("organization", ""),
                tier=ctx.tier,
                plan=customer.get("plan", ""),
                language=customer.get("language", ""),
                subject=ctx.ticket.subject,
                text=ctx.text,
            )
            reply = batch.llm.compose(ticket=brief, category=category, passages=passages, facts={}, channel=ctx.shape)
            if not reply.text.strip():
                raise ValueError("the composer returned an empty reply")
        except Exception as exc:  # provider errors and timeouts escalate; nothing is sent
            step["error"] = f"{type(exc).__name__}: {exc}"
            return None, step["error"]
        step.update(
            model=reply.model_name,
            citations=reply.citations,
            chars=len(reply.text),
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            provider_ms=round(reply.latency_ms, 3),
        )
    return reply, ""
