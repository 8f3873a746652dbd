"""Triage: decide resolve / draft / escalate for a ticket turn, record it as a Decision and carry it out.

``ticket_triage`` handles one ticket (the django-q2 task path); ``tickets_triage_bulk`` handles many with one
classifier call and bulk writes (the ``manage.py triage`` path). Both lock the tickets, skip turns that already
have a Decision (so a retried task never sends twice), run the engine (``apps.workflows.engine``) and apply
the effects in the same transaction: a reply through ``reply_send`` (auto rollout, resolve band), a pending
``Draft``, or a handoff through ``handoff_create`` with the handoff package.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.escalation.choices import HandoffStatus
from apps.escalation.customer_signals import contexts_signals_fill
from apps.escalation.models import Handoff
from apps.escalation.services import handoff_create, handoffs_create_bulk
from apps.escalation.triggers import TriggerSet
from apps.integrations.llm import LLMProvider, Passage, get_llm
from apps.knowledge.choices import Visibility
from apps.knowledge.grounding import best_score, passages_for_reply
from apps.knowledge.models import Chunk
from apps.knowledge.retrieval import search as knowledge_search
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.tickets.services.replies import replies_send_bulk, reply_send
from apps.workflows.choices import DraftStatus
from apps.workflows.classifier import get_active_classifier
from apps.workflows.engine import (
    Batch,
    Effect,
    TicketContext,
    TriagePlan,
    context_build,
    handoff_package,
    ticket_turn,
    triage_plan,
)
from apps.workflows.engine.pipeline import ClassifierLike, plan_escalate
from apps.workflows.engine.workflow import WorkflowSpec
from apps.workflows.models import Category, Decision, Draft, VersionStatus, WorkflowVersion
from apps.workflows.services.similar import RecentTickets
from apps.workflows.tree.executor import STATE_KEY

log = logging.getLogger(__name__)

TRIAGE_TASK = "apps.workflows.tasks.triage_ticket"
KB_PASSAGES = 3
KB_PASSAGE_MARGIN = 0.1  # a passage scoring this much under the best one is about something else (0–1 score)


@dataclass
class TriageResult:
    """What a bulk triage did: the new Decisions, the ticket ids it skipped (already decided for their current
    turn, being triaged elsewhere, or missing), and the wall time in seconds."""

    decisions: list[Decision] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase: load, context, plan, record

    def counts(self) -> dict:
        """``{"total", "skipped", "by_outcome", "by_category", "sent", "seconds"}`` for summaries and task results."""
        return {
            "total": len(self.decisions),
            "skipped": len(self.skipped),
            "by_outcome": dict(Counter(d.outcome for d in self.decisions)),
            "by_category": dict(Counter(d.category.slug if d.category else "(none)" for d in self.decisions)),
            "sent": sum(d.sent for d in self.decisions),
            "seconds": round(self.seconds, 4),
            "phases": {k: round(v, 4) for k, v in self.phases.items()},
        }


def _page_aware_hits(ctx: TicketContext) -> list:
    """Public knowledge hits for the customer's text, page-aware: when the page context names a product area
    (``ctx.page["context"]["product_area"]``, or ``"area"`` as the API stores it), search that area plus area-less
    chunks first, and the whole public knowledge base when that gives no passage above the grounding threshold."""
    public = {"visibility": Visibility.PUBLIC}
    page_context = (ctx.page or {}).get("context") or {}
    area = str(page_context.get("product_area") or page_context.get("area") or "").strip()
    if area:
        hits = knowledge_search(ctx.text, k=KB_PASSAGES, filters={**public, "product_area": [area]})
        if passages_for_reply(hits):
            return hits
    return knowledge_search(ctx.text, k=KB_PASSAGES, filters=public)


def hits_screen(hits: Sequence) -> tuple[list, list]:
    """``(kept hits, flags)``: the guard's ``passages_screen`` on the raw text of retrieved knowledge chunks,
    before grounding sanitizes them. A chunk carrying instructions for the assistant (injection cues, hidden text,
    outside images) is dropped whole and named in a ``kb-injection`` flag (``GuardFlag``, evidence
    ``KB-<document id>: <cue>``); the others are kept unchanged (grounding strips their links). Without the guard
    (an optional import) everything is kept and no flag is raised."""
    try:
        from apps.workflows.guard import passages_screen
    except ImportError:
        return list(hits), []
    labelled = [{"source_id": f"KB-{hit.document_id}", "text": hit.text, "hit": hit} for hit in hits]
    kept, flags = passages_screen(labelled)
    return [item["hit"] for item in kept], flags


def relevant_hits(hits: Sequence) -> list:
    """The hits about the question: within ``settings.KNOWLEDGE_PASSAGE_MARGIN`` (default ``KB_PASSAGE_MARGIN``)
    of the best score, so a reply quotes the article that answers and not a weaker neighbour."""
    margin = float(getattr(settings, "KNOWLEDGE_PASSAGE_MARGIN", KB_PASSAGE_MARGIN))
    best = best_score(hits)
    return [hit for hit in hits if hit.score >= best - margin]


def knowledge_passages(ctx: TicketContext, category: Category) -> list[Passage]:
    """Public knowledge passages for the customer's current text (hybrid search, grounding threshold, sanitized;
    ``apps.knowledge``; page-aware, see ``_page_aware_hits``; chunks with instructions for the assistant dropped,
    see ``hits_screen``; only those within the margin of the best, see ``relevant_hits``), at most ``KB_PASSAGES``.
    Called by the engine only for replies it composes."""
    return passages_for_reply(relevant_hits(hits_screen(_page_aware_hits(ctx))[0]))


def knowledge_retrieve(ctx: TicketContext, category: Category) -> tuple[list[Passage], float, list, float]:
    """``(passages, best score, guard flags, lead)``: ``knowledge_passages`` plus the best retrieval score (0–1) of
    the search, for the grounding check and knowledge-gap recording, the ``kb-injection`` flags of the chunks
    ``hits_screen`` dropped (the engine records them in the Decision trace, step ``guard_passages``), and how far the
    best article leads the best other article (0–1; the best score itself when no other article was found), which
    says whether one article clearly answers (``engine.pipeline``'s grounded draft)."""
    hits = _page_aware_hits(ctx)
    kept, flags = hits_screen(hits)
    best = best_score(kept)
    top = max(kept, key=lambda hit: hit.score, default=None)
    others = best_score([hit for hit in kept if top is not None and hit.document_id != top.document_id])
    return passages_for_reply(relevant_hits(kept)), best, flags, best - others


def published_workflows() -> tuple[dict[str, dict], dict[str, WorkflowSpec]]:
    """``(trees, specs)`` by category slug of every published workflow version (one query)."""
    trees, specs = {}, {}
    rows = WorkflowVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("workflow__category")
    for version in rows:
        slug = version.workflow.category.slug
        specs[slug] = WorkflowSpec(
            version=version.number,
            thresholds=version.thresholds or {},
            profiles=version.profiles or {},
            guidelines=version.guidelines,
            required_fields=list(version.required_fields or []),
        )
        if version.tree:
            trees[slug] = version.tree
    return trees, specs


def _batch(classifier: ClassifierLike | None, llm: LLMProvider | None) -> Batch:
    if classifier is None:
        classifier = get_active_classifier()
    has_knowledge = Chunk.objects.filter(visibility=Visibility.PUBLIC).exists()
    trees, specs = published_workflows()
    llm = llm or get_llm()
    return Batch(
        classifier=classifier,
        categories={c.slug: c for c in Category.objects.select_related("default_queue")},
        triggers=TriggerSet.load(llm=llm),  # a provider with judge_frustration judges borderline sentiment
        llm=llm,
        passages=knowledge_passages if has_knowledge else None,
        trees=trees,
        workflows=specs,
        retrieve=knowledge_retrieve if has_knowledge else None,
        similar=RecentTickets().match,  # spikes of the same report (loaded on first use, once per batch)
    )


def _locked_tickets(ticket_ids: Sequence[int], *, skip_locked: bool) -> list[Ticket]:
    """The tickets, row-locked for this transaction, with contact, organization and visible messages loaded."""
    visible = Message.objects.filter(is_internal=False).order_by("created_at", "id")
    open_handoff = Handoff.objects.filter(
        ticket=OuterRef("pk"), status__in=[HandoffStatus.OPEN, HandoffStatus.CLAIMED]
    ).order_by("-created_at")
    return list(
        Ticket.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .filter(pk__in=list(ticket_ids))
        .select_related("contact", "organization")
        .annotate(open_handoff_queue=Subquery(open_handoff.values("queue__slug")[:1]))
        .prefetch_related(Prefetch("messages", queryset=visible, to_attr="visible_messages"))
        .order_by("pk")
    )


def _tickets_classify(plans: list[TriagePlan]) -> None:
    """Set each ticket's category and confidence in one statement (``bulk_update`` builds a slow CASE per row)."""
    now = timezone.now()
    for plan in plans:
        plan.ctx.ticket.category, plan.ctx.ticket.confidence = plan.category, plan.confidence
        plan.ctx.ticket.updated_at = now
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET category_id = v.category_id, confidence = v.confidence, updated_at = %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::float8[]) AS v(id, category_id, confidence) "
            "WHERE t.id = v.id",
            [
                now,
                [p.ctx.ticket_id for p in plans],
                [p.category.pk if p.category else None for p in plans],
                [p.confidence for p in plans],
            ],
        )


def _handoff_item(plan: TriagePlan, decision: Decision) -> dict:
    return {
        "ticket": plan.ctx.ticket,
        "queue_slug": plan.queue_slug or None,
        "reason": plan.reason,
        "priority": plan.priority,
        "package": handoff_package(plan),
        "decision": decision,
    }


def _record(plans: list[TriagePlan]) -> list[Decision]:
    """Insert the Decisions and apply each plan's effect; all inside the caller's transaction."""
    _actions_run(plans)
    decisions = Decision.objects.bulk_create(
        [Decision(**plan.decision_fields(latency_ms=0.0, batch_size=len(plans))) for plan in plans]
    )
    _tickets_classify(plans)
    Draft.objects.filter(ticket__in=[p.ctx.ticket for p in plans], status=DraftStatus.PENDING).update(
        status=DraftStatus.SUPERSEDED, version=F("version") + 1, updated_at=timezone.now()
    )  # the customer wrote again: earlier drafts answer an old message
    Draft.objects.bulk_create(
        [
            Draft(ticket=plan.ctx.ticket, decision=decision, body=plan.reply.text, status=DraftStatus.PENDING)
            for plan, decision in zip(plans, decisions, strict=True)
            if plan.effect == Effect.DRAFT
        ]
    )
    sends = [plan for plan in plans if plan.effect == Effect.SEND]
    handoffs = [(plan, d) for plan, d in zip(plans, decisions, strict=True) if plan.effect == Effect.HANDOFF]
    _workflow_effects(plans, decisions)
    if len(plans) == 1:  # the task path: the per-ticket services
        for plan in sends:
            reply_send(ticket=plan.ctx.ticket, body=plan.reply.text, author_kind=AuthorKind.AI, resolve=plan.resolves)
        for plan, decision in handoffs:
            handoff_create(**_handoff_item(plan, decision))
        return decisions
    for resolve in (True, False):
        batch_sends = [(p.ctx.ticket, p.reply.text) for p in sends if p.resolves is resolve]
        if batch_sends:
            replies_send_bulk(replies=batch_sends, author_kind=AuthorKind.AI, resolve=resolve)
    if handoffs:
        handoffs_create_bulk(items=[_handoff_item(plan, decision) for plan, decision in handoffs])
    return decisions


def _workflow_effects(plans: list[TriagePlan], decisions: list[Decision]) -> None:
    """What the workflow trees asked for, per ticket that needs it (nothing for plans without a tree or gap):
    store or clear the ``need_info`` state, file bug reports (tree actions) and record knowledge gaps."""
    for plan, decision in zip(plans, decisions, strict=True):
        ticket = plan.ctx.ticket
        state = plan.workflow_state if plan.effect in (Effect.SEND, Effect.DRAFT) else None
        if state is not None or plan.clear_workflow_state:
            metadata = dict(ticket.metadata or {})
            if state is not None:
                metadata[STATE_KEY] = {**state, "decision": decision.pk}
            else:
                metadata.pop(STATE_KEY, None)
            ticket.metadata = metadata
            Ticket.objects.filter(pk=ticket.pk).update(metadata=metadata)
        if plan.gap:
            _gap_record(plan.gap, ticket.pk)


def _actions_run(plans: list[TriagePlan]) -> None:
    """Carry out the tree actions of the plans that have any (before their Decisions are written, so the trace
    step ``actions`` records what happened). A failed action turns an answer into an escalation: the customer
    must not be told the bug was logged when it was not."""
    for plan in plans:
        if not plan.actions:
            continue
        with plan.trace.step("actions") as step:
            step["results"] = [_action_run(action, plan) for action in plan.actions]
        failed = [r for r in step["results"] if not r["ok"]]
        if failed and plan.effect != Effect.HANDOFF:
            plan_escalate(
                plan, reason=f"{failed[0]['action']} failed: {failed[0]['error']}"[:500], why="action_failed"
            )


def _action_run(action: dict, plan: TriagePlan) -> dict:
    """Carry out one tree action (``bug_report`` through ``apps.integrations.trackers``); returns what happened:
    ``{"action", "node", "signature", "ok", "key", "url", "created", "error"}``. Never raises."""
    done = {"action": action["action"], "node": action.get("node", ""), "signature": action.get("signature", "")}
    try:
        from apps.integrations.trackers import bug_report
    except ImportError:
        return {**done, "ok": False, "error": "trackers not installed"}
    try:
        with transaction.atomic():
            link = bug_report(
                signature=action["signature"], summary=action["summary"], steps=action["steps"], ticket=plan.ctx.ticket
            )
    except Exception as exc:  # a tracker bug: record it, the plan escalates
        log.warning("bug_report failed for ticket %s: %s", plan.ctx.ticket_id, exc)
        return {**done, "ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    ok = bool(getattr(link, "ok", True))  # connectors return (not raise) vendor failures so their records are kept
    return {
        **done,
        "ok": ok,
        "key": getattr(link, "key", ""),
        "url": getattr(link, "url", ""),
        "created": bool(getattr(link, "created", False)),
        "error": "" if ok else str(getattr(link, "error", "") or "tracker refused")[:300],
    }


def _gap_record(gap: tuple[str, float], ticket_id: int) -> None:
    try:
        from apps.knowledge.services.gaps import gap_record
    except ImportError:
        return
    try:
        with transaction.atomic():
            gap_record(gap[0], gap[1], ticket_id)
    except Exception as exc:  # a gap is bookkeeping: never lose the decision over it
        log.warning("gap_record failed for ticket %s: %s", ticket_id, exc)


def _triage_locked(
    tickets: list[Ticket], batch: Batch, started: float, phases: dict[str, float]
) -> tuple[list[Decision], list[int]]:
    """Plan and record the tickets whose current turn has no Decision yet; returns (decisions, skipped ids).
    ``phases`` gets the seconds spent building contexts, planning (classifier included) and recording."""
    turns = {t.pk: ticket_turn(t.visible_messages) for t in tickets}
    decided = set(Decision.objects.filter(ticket_id__in=list(turns)).values_list("ticket_id", "turn").order_by())
    todo = [t for t in tickets if (t.pk, turns[t.pk]) not in decided]
    skipped = [t.pk for t in tickets if (t.pk, turns[t.pk]) in decided]
    if not todo:
        return [], skipped
    context_started = time.perf_counter()
    contexts = [context_build(t, t.visible_messages) for t in todo]
    contexts_signals_fill(contexts)  # repeat-contact signals for the batch: one query
    plan_started = time.perf_counter()
    phases["context"] = plan_started - context_started
    plans = triage_plan(batch, contexts, context_ms=phases["context"] * 1000 / len(todo))
    record_started = time.perf_counter()
    phases["plan"] = record_started - plan_started
    decisions = _record(plans)
    phases["record"] = time.perf_counter() - record_started
    latency_ms = round((time.perf_counter() - started) * 1000 / len(decisions), 3)  # a batch shares its wall time
    Decision.objects.filter(pk__in=[d.pk for d in decisions]).update(latency_ms=latency_ms)
    for decision in decisions:
        decision.latency_ms = latency_ms
    return decisions, skipped


def ticket_triage(
    *, ticket_id: int, classifier: ClassifierLike | None = None, llm: LLMProvider | None = None
) -> Decision:
    """Triage the current turn of ticket ``ticket_id`` and return its Decision (atomic, idempotent).

    The turn is the number of customer messages; when that turn already has a Decision it is returned unchanged
    and nothing is sent again. ``classifier``/``llm`` default to the active classifier and the configured
    provider. Classifier or composer failures escalate (reason in the Decision). Raises ``ValidationError`` when
    the ticket does not exist.
    """
    started = time.perf_counter()
    with transaction.atomic():
        tickets = _locked_tickets([ticket_id], skip_locked=False)
        if not tickets:
            raise ValidationError(f"Ticket {ticket_id} does not exist.", extra={"ticket_id": ticket_id})
        ticket = tickets[0]
        existing = Decision.objects.filter(ticket=ticket, turn=ticket_turn(ticket.visible_messages)).first()
        if existing is not None:
            return existing
        decisions, _ = _triage_locked(tickets, _batch(classifier, llm), started, {})
    return decisions[0]


def tickets_triage_bulk(
    *, ticket_ids: Sequence[int], classifier: ClassifierLike | None = None, llm: LLMProvider | None = None
) -> TriageResult:
    """Triage many tickets in one transaction: one classifier call for all texts, bulk inserts.

    Tickets locked by another triage at the moment are skipped (that triage records them), as are tickets whose
    current turn already has a Decision and ids that don't exist. Same outcomes as ``ticket_triage``.
    """
    started = time.perf_counter()
    ids = list(dict.fromkeys(ticket_ids))
    phases: dict[str, float] = {}
    with transaction.atomic():
        tickets = _locked_tickets(ids, skip_locked=True)
        batch = _batch(classifier, llm)
        phases["load"] = time.perf_counter() - started
        decisions, skipped = _triage_locked(tickets, batch, started, phases) if tickets else ([], [])
    found = {t.pk for t in tickets}
    skipped += [pk for pk in ids if pk not in found]
    return TriageResult(decisions=decisions, skipped=skipped, seconds=time.perf_counter() - started, phases=phases)


def ticket_triage_enqueue(*, ticket_id: int) -> None:
    """Queue the triage task for ``ticket_id`` once the current transaction commits (intake calls this)."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(TRIAGE_TASK, ticket_id, task_name=f"triage-{ticket_id}", group="triage"))
