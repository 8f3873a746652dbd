"""The triage pipeline without side effects: contexts in, one ``TriagePlan`` per ticket out.

Steps per ticket (each recorded in the trace with its timing): context → classify (one batched classifier call for
all tickets; a ticket waiting in a ``need_info`` node resumes in that workflow's category: ``resume``) → hard
triggers → guard on the customer's text (``guard_request``: restricted requests, injection, security reports
escalate) → closing acknowledgement ("thanks, that fixed it": resolved with a short reply, ``closing``) → band (a
sensitive category is human-only only when the guess is trusted; a low-confidence ticket that many other customers
reported alike right now is drafted as a product problem: ``similar`` / ``evidence.spike_category``; a low-
confidence escalation is routed by the page or the probability mass: ``route_topic``) → rollout gate (the published
version's thresholds when the category has one; the control group of ``apps.analytics.control`` goes to humans like
rollout ``off``) → ``tree`` (the published decision tree: need_info, lookup, branch, action, escalate, answer) or
the category template → compose (knowledge passages, grounding: a tree answer without a passage above the grounding
threshold becomes a draft, or an escalation when the node says so; knowledge passages with instructions for the
assistant are dropped and flagged: ``guard_passages``; a customer who writes another language gets a reply from
material in it, else a draft: ``engine.language``) → guard on the reply (``guard_reply``: outside links stripped,
commitments / internal passages escalate) → decide (a resolve that would answer a request to change records,
``engine.asks``, becomes a draft). Nothing here writes to the database or sends anything; lookups are the only calls
out (read-only, only for trees that have lookup nodes). ``apps.workflows.services.triage`` records the plans and
carries out their effects (reply, draft, handoff, the need_info state on the ticket, bug reports, knowledge gaps). A
failing classifier, composer or provider (``ProviderError``, timeouts) turns into an escalation with the error as
the reason, never into a sent reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from types import SimpleNamespace
from typing import Any, Protocol

from django.conf import settings

from apps.escalation.triggers import PRIORITY_RANK, TriggerHit, TriggerSet
from apps.integrations.llm.base import ComposedReply, LLMProvider, Passage, TicketBrief
from apps.knowledge.grounding import grounding_threshold
from apps.tickets.choices import Priority
from apps.workflows.choices import Outcome, RolloutState
from apps.workflows.models import Category
from apps.workflows.tree.answer import answer_compose
from apps.workflows.tree.executor import resume_state
from apps.workflows.tree.profiles import profile_for

from .asks import change_request, record_reference
from .closing import Closing, acknowledgement_text, closing_detect
from .context import TicketContext
from .decide import Band, Effect, band_decide, escalation_route, rollout_gate
from .evidence import spike_category, topic_queue
from .followup import latest_texts, repeats_earlier_reply, trigger_category, turn_category
from .guarding import control_check, guard_reply, guard_request
from .language import language_gap_note, localized_render, passages_in, reply_language, text_language
from .trace import Trace
from .workflow import WorkflowSpec, tree_step

PassageFinder = Callable[[TicketContext, Category], Sequence[Passage]]
# (passages above the grounding threshold, best retrieval score 0–1[, guard flags of the passages it dropped]) for
# the customer's current text
Retriever = Callable[[TicketContext, Category], tuple]


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
    flags: list = field(default_factory=list)  # guard flags (apps.workflows.guard.GuardFlag)
    actions: list[dict] = field(default_factory=list)  # tree actions to carry out when recorded (bug_report)
    workflow_state: dict | None = None  # need_info state to store on the ticket (ticket.metadata["workflow"])
    clear_workflow_state: bool = False  # the stored need_info state was used up
    resolves: bool = True  # a sent reply resolves the ticket (False: the reply asks the customer for information)
    gap: tuple[str, float] | None = None  # (question, best retrieval score) to record as a knowledge gap
    llm_meta: dict = field(default_factory=dict)  # model / tokens / ms of a failed provider call

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
            "triggers": [h.as_dict() for h in self.hits]
            + [f.as_dict() for f in self.flags if f.name not in {h.name for h in self.hits}],
            "outcome": self.outcome,
            "rollout_state": self.rollout_state,
            "sent": self.sent,
            "reason": self.reason[:500],
            "reply_text": reply.text if reply else "",
            "trace": self.trace.as_dict(effect=self.effect, why=self.why, **trace_extra),
            "model_name": reply.model_name if reply else self.llm_meta.get("model", ""),
            "prompt_version": reply.prompt_version if reply else "",
            "tokens_in": reply.tokens_in if reply else int(self.llm_meta.get("tokens_in", 0) or 0),
            "tokens_out": reply.tokens_out if reply else int(self.llm_meta.get("tokens_out", 0) or 0),
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
    trees: dict[str, dict] = field(default_factory=dict)  # category slug → tree document (published or replayed)
    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)  # category slug → published version settings
    lookup: Callable[..., Any] | None = None  # apps.integrations.lookups.lookup_run (None: the installed one)
    retrieve: Retriever | None = None  # knowledge passages with the best score (grounding and gap recording)
    similar: Callable[[TicketContext], dict] | None = None  # other customers' recent tickets like this one (spike)
    guard: bool = True  # run apps.workflows.guard on customer text and composed replies
    control: bool = True  # hold the control group (apps.analytics.control) out, as with rollout off


def _classify(
    batch: Batch, contexts: Sequence[TicketContext]
) -> tuple[dict[int, PredictionLike], dict[int, PredictionLike], str, float]:
    """Predictions by ticket id for the tickets that have text, predictions of the latest message alone for
    follow-up turns (``followup.latest_texts``; same classifier call), an error text, and the call's milliseconds."""
    wanted = [c for c in contexts if c.classify_text]
    if batch.classifier is None or not wanted:
        return {}, {}, "", 0.0
    followups = latest_texts(wanted)
    texts = [c.classify_text for c in wanted] + [c.text for c in followups]
    started = time.perf_counter()
    try:
        predictions = list(batch.classifier.predict(texts))
        if len(predictions) != len(texts):
            raise ValueError(f"classifier returned {len(predictions)} predictions for {len(texts)} texts")
    except Exception as exc:  # any classifier failure escalates the batch's tickets with the error as reason
        return {}, {}, f"{type(exc).__name__}: {exc}", (time.perf_counter() - started) * 1000
    return (
        {c.ticket_id: p for c, p in zip(wanted, predictions[: len(wanted)], strict=True)},
        {c.ticket_id: p for c, p in zip(followups, predictions[len(wanted) :], strict=True)},
        "",
        (time.perf_counter() - started) * 1000,
    )


def triage_plan(batch: Batch, contexts: Sequence[TicketContext], *, context_ms: float = 0.0) -> list[TriagePlan]:
    """Plan the triage of ``contexts`` (one batched classifier call). ``context_ms``: time spent building each
    context, recorded as the first step. Never raises for classifier or composer failures."""
    predictions, latest, error, classify_ms = _classify(batch, contexts)
    share = classify_ms / max(1, len(predictions) or len(contexts))
    model = getattr(batch.classifier, "model_name", type(batch.classifier).__name__) if batch.classifier else ""
    covered = guard_covered_by_triggers(batch.triggers)
    plans = []
    for ctx in contexts:
        trace = Trace()
        trace.add("context", context_ms, **ctx.summary())
        plan = _plan_one(
            batch, ctx, trace, predictions.get(ctx.ticket_id), error, share, model, covered, latest.get(ctx.ticket_id)
        )
        plans.append(_category_follow(batch, plan, latest.get(ctx.ticket_id)))
    return plans


def _category_follow(batch: Batch, plan: TriagePlan, latest: PredictionLike | None) -> TriagePlan:
    """On a follow-up turn, the ticket's current category follows the turn: a topic trigger that escalates to
    another category's queue moves the category there (``followup.trigger_category``). A change from the
    ticket's category before this turn is recorded in the trace (step ``category_change``: from, to, by); the
    human label (``labelled_category``) is never touched."""
    ctx = plan.ctx
    if ctx.turn <= 1:
        return plan
    queues = [h.queue for h in plan.hits if h.queue]  # the queues the topic triggers point to, most important first
    own = plan.category.default_queue.slug if plan.category is not None and plan.category.default_queue else ""
    trigger_queue = queues[0] if queues and own not in queues else ""
    if plan.outcome == Outcome.ESCALATE and trigger_queue:
        scores = [(r["category"], r["confidence"]) for r in plan.runner_ups]
        if plan.category is not None and plan.confidence is not None:
            scores.insert(0, (plan.category.slug, plan.confidence))
        if latest is not None:
            scores += [(latest.category, float(latest.confidence)), *latest.runner_ups]
        moved = trigger_category(
            queue=trigger_queue, category=plan.category, scores=scores, categories=batch.categories
        )
        if moved is not None:
            plan.category = moved
            plan.confidence = max((float(p) for s, p in scores if s == moved.slug), default=None)
            plan.trace.add("category_trigger", 0.0, queue=trigger_queue, category=moved.slug)
    before = (ctx.signals or {}).get("ticket_category") or ""
    after = plan.category.slug if plan.category is not None else ""
    if before and after and before != after:
        by = "trigger" if plan.trace.has("category_trigger") else "classifier"
        plan.trace.add("category_change", 0.0, **{"from": before, "to": after, "by": by})
    return plan


def guard_covered_by_triggers(triggers) -> bool:
    """Whether the trigger set already turns every guard request flag into a hit (its rules for each guard kind
    are enabled, see ``apps.escalation.triggers``): then a separate guard pass over the same text would find
    nothing new (any flag is a hit and escalates), so the engine skips it."""
    from apps.escalation import triggers as module

    wanted = set(getattr(module, "_GUARD_KINDS", None) or ())
    enabled = set(getattr(triggers, "_guard_kinds", None) or ())
    return bool(wanted) and wanted <= enabled


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
    flags=(),
    priority_floor="",
) -> TriagePlan:
    queue_default = category.default_queue.slug if category is not None and category.default_queue else ""
    if category is not None and (confidence is None or confidence < category.draft_threshold or out_of_scope):
        # a low-confidence guess picks no specialist queue: first line (support) sorts it out, unless the page the
        # customer wrote from or most of the classifier's probability points to one queue (``_topic_queue``)
        queue_default, topic = (ctx.signals.get("topic_queue") or ("", ""))[:2]
        if queue_default:
            trace.add("route_topic", 0.0, queue=queue_default, evidence=topic)
    queue, priority = escalation_route(hits=hits, category_queue="", ticket_priority=ctx.ticket.priority)
    flag_queue = next((f.queue_slug for f in flags if getattr(f, "queue_slug", "")), "")
    queue = queue_override or queue or flag_queue or queue_default
    if priority_floor:
        priority = max([priority, priority_floor], key=lambda p: PRIORITY_RANK.get(p, 1))
    trace.add(
        "decide", 0.0, outcome=outcome, effect=effect, reason=reason, queue=queue or "support", priority=priority
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
        flags=list(flags),
    )


def _resume(batch: Batch, ctx: TicketContext, trace: Trace) -> tuple[str, float | None] | None:
    """``(category slug, confidence)`` of a ``need_info`` node waiting on this ticket, when its workflow still runs."""
    state = resume_state(ctx.ticket)
    if state is None or state.get("category") not in batch.trees:
        return None
    spec = batch.workflows.get(state["category"])
    if spec is not None and spec.version != state.get("version"):
        return None
    trace.add("resume", 0.0, category=state["category"], node=state["node"], version=state.get("version"))
    return state["category"], state.get("confidence")


def _plan_one(batch, ctx, trace, prediction, error, share, model, guard_covered=False, latest=None) -> TriagePlan:
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
        if latest is not None:  # a follow-up: what the customer asks now decides the turn (``engine.followup``)
            slug, confidence, turn_runner_ups, fields = turn_category(
                slug=slug, confidence=confidence, latest=latest, categories=batch.categories
            )
            if turn_runner_ups is not None:
                runner_ups, out_of_scope = turn_runner_ups, False
            trace.add("turn", 0.0, **fields)
        resumed = _resume(batch, ctx, trace) if batch.trees else None
        if resumed is not None:  # the customer answers our question: the waiting workflow continues
            slug = resumed[0]
            confidence = float(resumed[1]) if resumed[1] is not None else confidence
            out_of_scope = False
    with trace.step("triggers", rules=len(batch.triggers)) as step:
        ctx.signals["category"] = slug  # the category predicted now: repeat contact compares it
        hits = batch.triggers.check(text=ctx.text, tier=ctx.tier, ctx=ctx)
        step["hits"] = [h.as_dict() for h in hits]
    flags: list = []
    if batch.guard and ctx.text and guard_covered:
        trace.add("guard_request", 0.0, covered_by_triggers=True, flags=[h.as_dict() for h in hits if h.kind in (
            "injection", "restricted_topic")])  # fmt: skip
    elif batch.guard and ctx.text:
        with trace.step("guard_request") as step:
            flags, guard_error = guard_request(ctx.text)
            step["flags"] = [f.as_dict() for f in flags]
            if guard_error:
                step["error"] = guard_error

    if not ctx.classify_text:
        return _escalation(ctx, trace, hits, reason="no customer text to triage", why="no_text", flags=flags)
    if batch.classifier is None:
        return _escalation(
            ctx,
            trace,
            hits,
            reason="no trained classifier: run `manage.py train_classifier`",
            why="no_classifier",
            flags=flags,
        )
    if error:
        return _escalation(
            ctx, trace, hits, reason=f"classifier error: {error}"[:500], why="classifier_error", flags=flags
        )
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
            flags=flags,
        )
    closing = None if hits or flags else _closing(ctx)
    if closing is not None:  # "thanks, that fixed it": acknowledge and resolve, never answer again
        return _closing_plan(batch, ctx, trace, closing, runner_ups=runner_ups)
    ctx.signals["topic_queue"] = _topic_queue(batch, ctx, slug, confidence, runner_ups)
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
            flags=flags,
        )

    spec = batch.workflows.get(slug)
    tree = batch.trees.get(slug)
    auto_threshold = spec.threshold("auto", category.auto_threshold) if spec else category.auto_threshold
    draft_threshold = spec.threshold("draft", category.draft_threshold) if spec else category.draft_threshold
    band = band_decide(
        confidence=confidence,
        auto_threshold=auto_threshold,
        draft_threshold=draft_threshold,
        is_sensitive=category.is_sensitive,
        slug=slug,
        hits=hits,
        out_of_scope=out_of_scope,
        sensitive_cue=bool(flags),
    )
    spike = _spike(batch, ctx, trace, band, slug, confidence) if not flags else None
    if spike is not None:  # many customers report the same right now: a product problem, whatever the guess
        slug, band = spike
        category = batch.categories[slug]
        spec, tree = batch.workflows.get(slug), batch.trees.get(slug)
        auto_threshold = spec.threshold("auto", category.auto_threshold) if spec else category.auto_threshold
        draft_threshold = spec.threshold("draft", category.draft_threshold) if spec else category.draft_threshold
    if (
        spike is None
        and not flags
        and band.kind in ("low_confidence", "out_of_scope")
        and not category.is_sensitive
        and category.rollout_state in (RolloutState.ASSIST, RolloutState.AUTO)  # off/shadow: humans answer anyway
        and getattr(settings, "TRIAGE_GROUNDED_DRAFT", True)
    ):
        band = _grounded_band(batch, ctx, category, trace, band, slug, confidence) or band
    if flags and band.kind != "trigger":
        names = ", ".join(f"{f.name} ({f.evidence!r})" for f in flags)
        band = Band(Outcome.ESCALATE, f"guard: {names}", "guard")
    rollout_state = category.rollout_state
    control = (
        batch.control
        and rollout_state != RolloutState.OFF
        and control_check(ticket_id=ctx.ticket_id, category=category)
    )
    gated = rollout_gate(band, RolloutState.OFF if control else rollout_state)
    if control:
        gated = dc_replace(gated, reason="control group (humans only)")
    trace.add(
        "gate",
        0.0,
        rollout_state=rollout_state,
        control=control,
        thresholds={"auto": auto_threshold, "draft": draft_threshold, "version": spec.version if spec else None},
        band=band.outcome,
        band_reason=band.reason,
        outcome=gated.outcome,
        effect=gated.effect,
    )
    common = {
        "category": category,
        "confidence": confidence,
        "runner_ups": runner_ups,
        "rollout_state": rollout_state,
        "out_of_scope": out_of_scope,
    }
    why = band.kind
    if control:
        why = "control"
    elif rollout_state == RolloutState.OFF:
        why = "rollout_off"
    elif rollout_state == RolloutState.SHADOW and band.outcome != Outcome.ESCALATE:
        why = "shadow"

    extras: dict[str, Any] = {"knowledge_only": band.kind == "grounded"}
    if not gated.compose:
        trace.add("compose", 0.0, skipped=f"{gated.outcome} needs no reply")
        if gated.effect == Effect.HANDOFF:
            plan = _escalation(
                ctx, trace, hits, reason=gated.reason, why=why, outcome=gated.outcome, flags=flags, **common
            )
        else:
            plan = _plan_reply(ctx, trace, hits, gated.outcome, gated.effect, gated.reason, band, None, common)
        return _finish(plan, ctx, flags, extras)

    outcome, effect, reason = gated.outcome, gated.effect, gated.reason
    passages: Sequence[Passage] = []
    facts: dict = {}
    if tree:
        run = tree_step(
            tree=tree,
            ctx=ctx,
            trace=trace,
            category_slug=slug,
            confidence=confidence,
            version=spec.version if spec else 0,
            lookup=batch.lookup,
            validate=spec is None,
            required_fields=spec.required_fields if spec else (),
        )
        facts = run.facts
        if rollout_state in (RolloutState.ASSIST, RolloutState.AUTO) and not control:
            extras["actions"] = run.actions
        if run.kind == "escalate":
            plan = _escalation(
                ctx, trace, hits, reason=f"workflow: {run.reason}"[:500], why="tree_escalate", flags=flags,
                queue_override=run.queue, priority_floor=run.priority, **common,
            )  # fmt: skip
            return _finish(plan, ctx, flags, extras)
        profile = profile_for(ctx.shape, spec.profiles if spec else None)
        facts = {**facts, **{f"field.{k}": v for k, v in run.fields.items()}}  # {field_order_id} in templates
        if run.kind == "ask":
            reply = _ask_reply(batch, ctx, run.prompt, profile, spec)
            extras.update(workflow_state=run.state, resolves=False)
            reason = f"{reason}; asking for {', '.join(run.missing)}"
        else:
            reply, compose_error, passages, grounded = _answer(
                batch, ctx, category, trace, run.node, facts, profile, spec, extras
            )
            if compose_error:
                plan = _escalation(
                    ctx, trace, hits, reason=f"composer error: {compose_error}"[:500], why="composer_error",
                    flags=flags, **common,
                )  # fmt: skip
                return _finish(plan, ctx, flags, extras)
            if not grounded:
                if run.node.get("on_ungrounded", "draft") == "escalate":
                    plan = _escalation(
                        ctx, trace, hits, reason="not grounded: no knowledge passage above the grounding threshold",
                        why="ungrounded", flags=flags, reply=reply, **common,
                    )  # fmt: skip
                    return _finish(plan, ctx, flags, extras)
                if outcome == Outcome.RESOLVE:
                    outcome, reason = Outcome.DRAFT, f"{reason}; not grounded (no passage above the threshold): draft"
                    effect = Effect.DRAFT if effect == Effect.SEND else effect
            if run.actions and outcome == Outcome.RESOLVE:  # a filed bug is not a solved problem: an agent confirms
                outcome, reason = Outcome.DRAFT, f"{reason}; files a tracker issue: draft for an agent"
                effect = Effect.DRAFT if effect == Effect.SEND else effect
    else:
        reply, compose_error, passages = _compose(batch, ctx, category, trace, extras)
        if compose_error:
            plan = _escalation(
                ctx, trace, hits, reason=f"composer error: {compose_error}"[:500], why="composer_error", flags=flags,
                **common,
            )  # fmt: skip
            return _finish(plan, ctx, flags, extras)

    if batch.guard and reply is not None:
        with trace.step("guard_reply") as step:
            text, violations, guard_error = guard_reply(reply.text, passages=passages, facts=facts)
            step.update(violations=[v.as_dict() for v in violations], sanitized=text != reply.text)
            if guard_error:
                step["error"] = guard_error
        if text != reply.text:
            reply = dc_replace(reply, text=text)
        if violations or (guard_error and guard_error != "guard not installed"):
            names = ", ".join(f"{v.name} ({v.evidence!r})" for v in violations) or guard_error
            plan = _escalation(
                ctx, trace, hits, reason=f"reply guard: {names}"[:500], why="reply_violation",
                flags=[*flags, *violations], reply=reply, **common,
            )  # fmt: skip
            extras.pop("workflow_state", None)
            return _finish(plan, ctx, [*flags, *violations], extras)
    if (
        reply is not None
        and ctx.turn > 1
        and not extras.get("workflow_state")
        and repeats_earlier_reply(reply.text, ctx.conversation)
    ):  # the reply answers an earlier question again, not what the customer asks now: a person answers
        plan = _escalation(
            ctx, trace, hits, reason="the reply would repeat an earlier answer: the follow-up needs a person",
            why="repeat_answer", flags=flags, reply=reply, **common,
        )  # fmt: skip
        return _finish(plan, ctx, flags, extras)
    if outcome == Outcome.RESOLVE and not extras.get("workflow_state"):
        asked = change_request(ctx.text)
        if asked:  # the AI can't change records: an agent approves the reply and makes the change
            outcome, reason = Outcome.DRAFT, f"{reason}; asks for a change only an agent can make ({asked!r}): draft"
            effect = Effect.DRAFT if effect == Effect.SEND else effect
        elif record_reference(ctx.text) and not facts:  # about one of their records, and nothing was looked up
            outcome = Outcome.DRAFT
            reason = f"{reason}; asks about {record_reference(ctx.text)!r} and nothing was looked up for it: draft"
            effect = Effect.DRAFT if effect == Effect.SEND else effect
    if extras.get("language_gap") and reply is not None:  # nothing to answer with in their language: an agent replies
        if outcome == Outcome.RESOLVE:
            outcome = Outcome.DRAFT
            effect = Effect.DRAFT if effect == Effect.SEND else effect
        reason = f"{reason}; no reply material in {extras['language_gap']!r}: a note for the agent, not a reply"
        reply = dc_replace(reply, text=language_gap_note(extras["language_gap"], passages), citations=[])
    if effect == Effect.HANDOFF:
        plan = _escalation(
            ctx, trace, hits, reason=reason, why=why, outcome=outcome, reply=reply, flags=flags, **common
        )
        extras.pop("workflow_state", None)  # shadow: nothing was asked
        return _finish(plan, ctx, flags, extras)
    plan = _plan_reply(ctx, trace, hits, outcome, effect, reason, band, reply, common)
    if extras.get("workflow_state"):
        plan.why = "need_info"  # a question to the customer, not an answer: the ticket stays open
    return _finish(plan, ctx, flags, extras)


def plan_escalate(plan: TriagePlan, *, reason: str, why: str) -> TriagePlan:
    """Turn ``plan`` into an escalation after the fact (e.g. a tree action failed when the decision was recorded):
    outcome escalate, a handoff to its queue (the category's default unless one was chosen), nothing sent, no
    need_info state kept. Returns the same object, changed."""
    category = plan.category
    plan.queue_slug = plan.queue_slug or (category.default_queue.slug if category and category.default_queue else "")
    plan.outcome, plan.effect, plan.reason, plan.why = Outcome.ESCALATE, Effect.HANDOFF, reason, why
    plan.workflow_state, plan.resolves = None, True
    plan.clear_workflow_state = resume_state(plan.ctx.ticket) is not None
    plan.trace.add("decide", 0.0, outcome=plan.outcome, effect=plan.effect, reason=reason, queue=plan.queue_slug)
    return plan


def _finish(plan: TriagePlan, ctx: TicketContext, flags: list, extras: dict) -> TriagePlan:
    plan.flags = list(flags)
    plan.actions = list(extras.get("actions") or [])
    plan.workflow_state = extras.get("workflow_state")
    plan.resolves = extras.get("resolves", True)
    plan.gap = extras.get("gap")
    plan.llm_meta = extras.get("llm_meta") or {}
    plan.clear_workflow_state = plan.workflow_state is None and resume_state(ctx.ticket) is not None
    return plan


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


def _brief(ctx: TicketContext) -> TicketBrief:
    customer = ctx.customer
    return TicketBrief(
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


def _retrieved(batch: Batch, ctx: TicketContext, category: Category) -> tuple:
    """``batch.retrieve(ctx, category)``, searched once per ticket turn (kept in ``ctx.signals``)."""
    key = ("_retrieved", category.slug)
    if ctx.signals.get("_retrieved_for") != key:
        ctx.signals["_retrieved"], ctx.signals["_retrieved_for"] = tuple(batch.retrieve(ctx, category)), key
    return ctx.signals["_retrieved"]


def _grounded_band(batch: Batch, ctx: TicketContext, category: Category, trace: Trace, band: Band, slug, confidence):
    """A draft band for a ticket the classifier is unsure about (``band``: low confidence or out of scope) when the
    knowledge base clearly answers it: the best passage scores at least ``settings.TRIAGE_GROUNDED_DRAFT_SCORE``
    (default 0.65), or clears the grounding threshold and leads every other article by
    ``settings.TRIAGE_GROUNDED_DRAFT_LEAD`` (default 0.15). Only ever a draft (an agent reviews it; the rollout gate
    still applies), never a sent reply. None when retrieval is off, nothing is grounded or the lead is too small.
    Tried only for non-sensitive categories in assist or auto (``settings.TRIAGE_GROUNDED_DRAFT = False``: never),
    as it costs a knowledge search on an escalation that otherwise needs none."""
    if batch.retrieve is None or not ctx.text.strip():
        return None
    with trace.step("grounded") as step:
        passages, best, *rest = _retrieved(batch, ctx, category)
        lead = float(rest[1]) if len(rest) > 1 else 0.0
        strong = float(getattr(settings, "TRIAGE_GROUNDED_DRAFT_SCORE", 0.65))
        needed_lead = float(getattr(settings, "TRIAGE_GROUNDED_DRAFT_LEAD", 0.15))
        grounded = bool(passages) and best >= grounding_threshold() and (best >= strong or lead >= needed_lead)
        step.update(best_score=round(float(best), 4), lead=round(lead, 4), passages=len(passages), draft=grounded)
    if not grounded:
        return None
    reason = (
        f"{band.reason}; the knowledge base answers it (best passage {best:.2f}, {lead:.2f} ahead of other "
        f"articles): draft for {slug} (classifier {confidence or 0:.2f})"
    )
    return Band(Outcome.DRAFT, reason, "grounded")


def _retrieve(
    batch: Batch, ctx: TicketContext, category: Category, extras: dict, trace: Trace
) -> tuple[list[Passage], float | None]:
    """Knowledge passages for the reply and the best retrieval score (None when unknown); a low score is noted
    as a knowledge gap to record, passages the retriever dropped for carrying instructions are recorded in the
    trace (step ``guard_passages``)."""
    if batch.retrieve is not None:
        passages, best, *rest = _retrieved(batch, ctx, category)
        dropped = list(rest[0]) if rest else []
        if dropped:  # knowledge is data: a passage with instructions for the assistant was left out (guard)
            trace.add("guard_passages", 0.0, flags=[f.as_dict() for f in dropped], dropped=len(dropped))
        if best < grounding_threshold() and ctx.text.strip():
            extras["gap"] = (ctx.text[:2000], float(best))
        return list(passages), float(best)
    return (list(batch.passages(ctx, category)) if batch.passages else []), None


def _llm_error_meta(exc: Exception, llm) -> dict:
    extra = getattr(exc, "extra", None) or {}
    return {
        "model": extra.get("model") or getattr(llm, "model_name", ""),
        "tokens_in": extra.get("tokens_in", 0),
        "tokens_out": extra.get("tokens_out", 0),
        "ms": extra.get("latency_ms", 0.0),
    }


def _ask_reply(batch: Batch, ctx: TicketContext, prompt: str, profile, spec) -> ComposedReply:
    from apps.workflows.tree.profiles import AnswerParts, answer_render

    first = (ctx.customer.get("name") or "").split()
    signature = getattr(settings, "SUPPORT_SIGNATURE", "The support team (automated assistant)")
    text = answer_render(AnswerParts(body=prompt), profile, first_name=first[0] if first else "", signature=signature)
    return ComposedReply(text=text, model_name="workflow", prompt_version=f"workflow-v{spec.version if spec else 0}")


def _answer(batch, ctx, category, trace, node, facts, profile, spec, extras):
    """``(reply, error, passages, grounded)`` for a tree answer node."""
    with trace.step("compose", provider=batch.llm.model_name, shape=ctx.shape, node=node.get("id", "")) as step:
        try:
            wants_knowledge = node.get("knowledge", True)
            passages, best = _retrieve(batch, ctx, category, extras, trace) if wants_knowledge else ([], None)
            has_knowledge = batch.retrieve is not None or batch.passages is not None
            grounded = (
                bool(passages)
                or not node.get("knowledge", True)
                or not has_knowledge  # a workspace without a knowledge base: the template is all there is
                or node.get("on_ungrounded") == "allow"
            )
            step.update(grounded=grounded, best_score=None if best is None else round(best, 4))
            localized = _localized(batch, ctx, category, node, passages, profile, extras, step)
            if localized is not None:
                reply, passages = localized
            else:
                reply = answer_compose(
                    llm=batch.llm, brief=_brief(ctx), category=category, node=node, passages=passages, facts=facts,
                    profile=profile, guidelines=spec.guidelines if spec else "",
                )  # fmt: skip
            if not reply.text.strip():
                raise ValueError("the composer returned an empty reply")
        except Exception as exc:  # provider errors and timeouts escalate; nothing is sent
            step["error"] = f"{type(exc).__name__}: {exc}"
            extras["llm_meta"] = _llm_error_meta(exc, batch.llm)
            return None, step["error"], [], False
        step.update(
            model=reply.model_name, citations=reply.citations, chars=len(reply.text), tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out, provider_ms=round(reply.latency_ms, 3), profile=profile.shape,
        )  # fmt: skip
    return reply, "", passages, grounded


def _compose(batch: Batch, ctx: TicketContext, category: Category, trace: Trace, extras: dict):
    """``(reply, error, passages)`` without a tree: the category template and knowledge through the provider (only
    the knowledge for a grounded draft: the category is a guess then, its template likely about something else)."""
    if extras.get("knowledge_only"):
        category = SimpleNamespace(slug=category.slug, name=category.name, reply_template="")
    with trace.step("compose", provider=batch.llm.model_name, shape=ctx.shape) as step:
        try:
            passages, best = _retrieve(batch, ctx, category, extras, trace)
            if best is not None:
                step["best_score"] = round(best, 4)
            localized = _localized(batch, ctx, category, {}, passages, profile_for(ctx.shape), extras, step)
            if localized is not None:
                reply, passages = localized
            else:
                reply = batch.llm.compose(
                    ticket=_brief(ctx), category=category, passages=passages, facts={}, channel=ctx.shape
                )
            if not reply.text.strip():
                raise ValueError("the composer returned an empty reply")
        except Exception as exc:  # provider errors and timeouts escalate; nothing is sent
            step["error"] = f"{type(exc).__name__}: {exc}"
            extras["llm_meta"] = _llm_error_meta(exc, batch.llm)
            return None, step["error"], []
        step.update(
            model=reply.model_name,
            citations=reply.citations,
            chars=len(reply.text),
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            provider_ms=round(reply.latency_ms, 3),
        )
    return reply, "", passages


def _topic_queue(batch: Batch, ctx: TicketContext, slug: str, confidence, runner_ups: list[dict]) -> tuple[str, str]:
    """Where a low-confidence guess should go (``evidence.topic_queue``): the page's area, else the queue most of
    the probability is on, else the queue of the customer's latest open ticket with a category (the earlier
    conversation: ``ctx.signals["related"]`` from ``contexts_signals_fill``)."""
    queue_of = {s: (c.default_queue.slug if c.default_queue else "") for s, c in batch.categories.items()}
    scores = [(slug, confidence or 0.0)] + [(r["category"], r["confidence"]) for r in runner_ups]
    related = [r for r in (ctx.signals or {}).get("related") or () if r.get("same_contact") and r.get("category")]
    earlier = [(r["id"], r["category"]) for r in related]
    return topic_queue(page_url=(ctx.page or {}).get("url") or "", scores=scores, queue_of=queue_of, earlier=earlier)


def _spike(batch: Batch, ctx: TicketContext, trace: Trace, band: Band, slug: str, confidence) -> tuple | None:
    """``(category slug, draft band)`` when this low-confidence ticket is one of many alike right now (see
    ``evidence.spike_category``); None otherwise or without ``batch.similar``. Only escalations for low
    confidence or out of scope are reconsidered: triggers, guard flags and confident sensitive guesses stand."""
    if batch.similar is None or band.kind not in ("low_confidence", "out_of_scope") or not ctx.text.strip():
        return None
    with trace.step("similar") as step:
        try:
            similar = batch.similar(ctx) or {}
        except Exception as exc:  # evidence is optional: the ordinary path decides
            step["error"] = f"{type(exc).__name__}: {exc}"[:300]
            return None
        step.update({k: v for k, v in similar.items() if k != "categories"})
        target, evidence = spike_category(similar, batch.categories)
        step["spike_category"] = target
    if not target:
        return None
    reason = f"{evidence}: probable product problem (best guess {slug} at {confidence or 0:.2f}); draft for {target}"
    return target, Band(Outcome.DRAFT, reason, "spike")


def _closing(ctx: TicketContext) -> Closing | None:
    """A closing acknowledgement in what the customer wrote now (the subject line left out)."""
    if not getattr(settings, "TRIAGE_CLOSING_ACKNOWLEDGEMENT", True):
        return None
    text = ctx.text
    subject = (ctx.ticket.subject or "").strip()
    if ctx.turn == 1 and subject and text.startswith(subject):
        text = text[len(subject) :]
    return closing_detect(text)


def _closing_plan(batch: Batch, ctx: TicketContext, trace: Trace, closing: Closing, *, runner_ups) -> TriagePlan:
    """Resolve with a short acknowledgement in the customer's language; the ticket keeps its category. The
    category's rollout state applies as to any reply (off: humans as before; shadow: recorded, nothing sent;
    assist: a draft); a ticket without a category yet is acknowledged (``settings.TRIAGE_CLOSING_ACKNOWLEDGEMENT =
    False`` turns the whole path off)."""
    language = reply_language(ctx.text, ctx.customer.get("language", ""))
    first = (ctx.customer.get("name") or "").split()
    text = acknowledgement_text(
        language=language,
        shape=ctx.shape,
        first_name=first[0] if first else "",
        signature=getattr(settings, "SUPPORT_SIGNATURE", "The support team (automated assistant)"),
    )
    category = batch.categories.get((ctx.signals or {}).get("ticket_category") or "")
    rollout_state = category.rollout_state if category else RolloutState.AUTO
    reason = f"closing acknowledgement ({closing.evidence!r}): acknowledged and resolved"
    gated = rollout_gate(Band(Outcome.RESOLVE, reason, "closing"), rollout_state)
    trace.add("closing", 0.0, evidence=closing.evidence, language=language, rollout_state=rollout_state)
    reply = ComposedReply(text=text, model_name="closing-acknowledgement", prompt_version="closing-v1")
    common = {"category": category, "confidence": None, "runner_ups": runner_ups, "rollout_state": rollout_state}
    if gated.effect == Effect.HANDOFF:
        return _escalation(
            ctx, trace, [], reason=gated.reason, why="closing", outcome=gated.outcome,
            reply=reply if gated.compose else None, **common,
        )  # fmt: skip
    trace.add("decide", 0.0, outcome=gated.outcome, effect=gated.effect, reason=gated.reason)
    return TriagePlan(
        ctx=ctx,
        outcome=gated.outcome,
        effect=gated.effect,
        reason=gated.reason,
        why="closing",
        trace=trace,
        reply=reply,
        priority=ctx.ticket.priority,
        **common,
    )


def _localized(batch, ctx, category, node, passages, profile, extras, step) -> tuple[ComposedReply, list] | None:
    """``(reply, passages used)`` in the customer's language when they don't write English and the offline composer
    composes: only a template written in that language and passages in it are used (``engine.language``). None
    for English, for other providers (they get the language in the brief) and when nothing in the language exists
    (then ``extras["language_gap"]`` is set and the English reply becomes a draft)."""
    language = reply_language(ctx.text, ctx.customer.get("language", ""))
    step["language"] = language
    llm = batch.llm
    if language == "en" or not (hasattr(llm, "render_template") and hasattr(llm, "fields")):
        return None
    template = (node.get("template") or category.reply_template or "").strip()
    usable = template if template and text_language(template) == language else ""
    same = passages_in(passages, language)
    if node.get("use_fact") or not (usable or same):
        extras["language_gap"] = language
        return None
    values = llm.fields(ticket=_brief(ctx), category=category, facts={})
    body = llm.render_template(usable, values, slug=category.slug) if usable else ""
    body = llm.split_sign_off(body)[0] if body and hasattr(llm, "split_sign_off") else body
    text = localized_render(
        language=language, shape=profile.shape, body=body, passages=same,
        first_name=((ctx.customer.get("name") or "").split() or [""])[0],
        sentences=profile.passage_sentences, max_chars=profile.max_chars,
        articles=1 if profile.shape == "chat" else max(2, profile.suggest_articles),
    )  # fmt: skip
    reply = ComposedReply(
        text=text,
        citations=[p.source_id for p in same[:1]],
        model_name=llm.model_name,
        prompt_version=f"{llm.prompt_version}+lang-{language}",
    )
    return reply, same
