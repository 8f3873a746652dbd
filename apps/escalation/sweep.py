"""The every-minute sweep (django-q2 schedule ``escalation-soft-triggers-sweep``): SLA clocks and soft triggers.

In order, each step idempotent (running the sweep twice at the same instant changes nothing the second time;
the no-progress step embeds at most ``BATCH`` tickets per run, the rest the next minute; the others page through
all rows):
1. SLA clocks pause while a ticket waits on the customer (status ``pending``; ``SLAPause``), with or without a
   handoff, and resume with the business time that was left when the customer replies: the ticket's due times and
   its active handoffs' move by the business time the pause lasted.
2. Open tickets without due times get them from their SLA policy (tier × priority, business calendar).
3. ``ai_turns`` rules: a ticket the AI answered N times without resolution is escalated.
4. ``no_progress`` rules: a ticket whose latest customer message asks what an earlier one asked (cosine of
   WordLlama embeddings ≥ ``similarity``) after an AI reply is escalated.
5. ``sla_percent`` rules: an open ticket nobody answered yet (drafts waiting) past X% of its first-response SLA
   is escalated as about to breach;
6. and an active handoff past X% of its SLA is re-routed as about to breach (the rule's queue and priority, then
   routing rules with ``about_to_breach``) and re-assigned. Soft triggers applied are kept in
   ``Handoff.soft_triggers`` so none applies twice.

Data source: ``Handoff``, ``Ticket`` / ``Message``, ``TriggerRule`` (soft kinds), ``SLAPolicy``, ``RoutingRule``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from apps.escalation.choices import HandoffStatus, TriggerKind
from apps.escalation.models import Handoff, Queue, SLAPause, TriggerRule
from apps.escalation.routing import Assigner, RouteInput, Router
from apps.escalation.sla import SLABook, sla_due_after_pauses, sla_elapsed_share, sla_pause_replied_at
from apps.escalation.triggers import PRIORITY_RANK
from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.models import Message, Ticket

ACTIVE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)
OPEN_TICKET = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
BATCH = 500
DUE_HORIZON_DAYS = 30


@dataclass
class SweepResult:
    paused: int = 0
    resumed: int = 0
    due_set: int = 0
    escalated: dict[str, int] = field(default_factory=dict)  # trigger name -> tickets escalated
    rerouted: int = 0

    def as_dict(self) -> dict:
        return {
            "paused": self.paused,
            "resumed": self.resumed,
            "due_set": self.due_set,
            "escalated": self.escalated,
            "rerouted": self.rerouted,
        }


def _rows(queryset):
    """Every row of ``queryset`` in primary-key pages of ``BATCH`` (keyset pagination: bounded memory per page)."""
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        yield from page
        if len(page) < BATCH:
            return
        last = page[-1].pk


def _higher(a: str, b: str) -> str:
    return max(a, b, key=lambda p: PRIORITY_RANK.get(p, 1))


def _hit(rule: TriggerRule, evidence: str) -> dict:
    return {
        "name": rule.name,
        "kind": rule.kind,
        "evidence": evidence,
        "snippet": "",
        "queue": rule.queue_slug,
        "priority": rule.priority,
        "next_step": rule.next_step,
    }


def _clocks(now: datetime, book: SLABook, result: SweepResult) -> None:
    """Pause and resume SLA clocks per ticket (with or without a handoff): a finished pause moves the ticket's due
    times and its active handoffs' by the business time it lasted (``SLAPause`` keeps it for later due times)."""
    _clocks_resume(now, book, result)
    _clocks_pause(now, result)


def _clocks_resume(now: datetime, book: SLABook, result: SweepResult) -> None:
    """Open pauses whose ticket stopped waiting: it is no longer ``pending``, or the customer wrote since the pause
    began (then the pause ends at that message, even if an AI reply made the ticket pending again since)."""
    pauses = (
        SLAPause.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(ended_at__isnull=True)
        .annotate(replied_at=sla_pause_replied_at())
        .filter(Q(replied_at__isnull=False) | ~Q(ticket__status=TicketStatus.PENDING))
        .select_related("ticket__organization")
    )
    for pause in _rows(pauses):
        ended = min(pause.replied_at or now, now)
        ticket, org = pause.ticket, pause.ticket.organization
        tier = org.tier if org else ""
        paused = [(pause.started_at, ended)]
        hours = book.hours(book.policy(tier=tier, priority=ticket.priority))
        for name in ("first_response_due_at", "resolution_due_at"):
            due = getattr(ticket, name)
            if due is not None:
                setattr(ticket, name, sla_due_after_pauses(due=due, pauses=paused, hours=hours))
        ticket.save(update_fields=["first_response_due_at", "resolution_due_at", "updated_at"])
        handoffs = Handoff.objects.select_for_update().filter(
            ticket=ticket, status__in=ACTIVE, sla_due_at__isnull=False
        )
        for handoff in handoffs:
            hours = book.hours(book.policy(tier=tier, priority=handoff.priority))
            handoff.sla_due_at = sla_due_after_pauses(due=handoff.sla_due_at, pauses=paused, hours=hours)
            handoff.sla_paused_at = None
            handoff.package = {**handoff.package, "sla_due_at": handoff.sla_due_at.isoformat()}
            handoff.save(update_fields=["sla_due_at", "sla_paused_at", "package", "updated_at"])
        pause.ended_at = ended
        pause.save(update_fields=["ended_at", "updated_at"])
        result.resumed += 1


def _clocks_pause(now: datetime, result: SweepResult) -> None:
    """Pending tickets whose SLA runs (due times, or an active handoff with a due time) and that have no open pause
    get one from ``now``; their active handoffs show it (``sla_paused_at``)."""
    active = Handoff.objects.filter(ticket=OuterRef("pk"), status__in=ACTIVE, sla_due_at__isnull=False)
    tickets = (
        Ticket.objects.filter(status=TicketStatus.PENDING)
        .filter(Q(first_response_due_at__isnull=False) | Q(resolution_due_at__isnull=False) | Exists(active))
        .exclude(Exists(SLAPause.objects.filter(ticket=OuterRef("pk"), ended_at__isnull=True)))
        .only("pk")
    )
    page: list[int] = []
    for ticket in _rows(tickets):
        page.append(ticket.pk)
        if len(page) == BATCH:
            result.paused += _pause(page, now)
            page = []
    if page:
        result.paused += _pause(page, now)


def _pause(ticket_ids: list[int], now: datetime) -> int:
    created = SLAPause.objects.bulk_create(
        [SLAPause(ticket_id=pk, started_at=now) for pk in ticket_ids], ignore_conflicts=True
    )
    Handoff.objects.filter(ticket_id__in=ticket_ids, status__in=ACTIVE, sla_due_at__isnull=False).update(
        sla_paused_at=now, updated_at=now
    )
    return len(created)


def _due_times(now: datetime, book: SLABook, result: SweepResult) -> None:
    while _due_times_batch(now, book, result) == BATCH:
        pass


def _due_times_batch(now: datetime, book: SLABook, result: SweepResult) -> int:
    """Due times for up to ``BATCH`` open tickets that have none; returns how many tickets it looked at."""
    tickets = list(
        Ticket.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            status__in=[TicketStatus.NEW, TicketStatus.OPEN],
            first_response_due_at__isnull=True,
            created_at__gte=now - timedelta(days=DUE_HORIZON_DAYS),
        )
        .select_related("organization")[:BATCH]
    )
    changed = []
    for ticket in tickets:
        due = book.due(
            tier=ticket.organization.tier if ticket.organization else "",
            priority=ticket.priority,
            start=ticket.created_at,
        )
        if due.policy is None:
            continue
        ticket.first_response_due_at, ticket.resolution_due_at = due.first_response_due_at, due.resolution_due_at
        changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["first_response_due_at", "resolution_due_at"])
    result.due_set += len(changed)
    return len(tickets) if len(changed) == len(tickets) else 0  # tickets without a policy would come back


def _sla_percent(now: datetime, rules: list[TriggerRule], book: SLABook, result: SweepResult) -> None:
    if not rules:
        return
    rule = min(rules, key=lambda r: float((r.params or {}).get("percent", 80)))
    percent = float((rule.params or {}).get("percent", 80))
    candidates = (
        Handoff.objects.select_for_update(of=("self",))
        .filter(status__in=ACTIVE, sla_due_at__isnull=False, sla_paused_at__isnull=True, sla_started_at__isnull=False)
        .exclude(soft_triggers__contains=[rule.name])
        .select_related("ticket__organization", "queue")
    )
    due_now = []
    for handoff in _rows(candidates):
        org = handoff.ticket.organization
        hours = book.hours(book.policy(tier=org.tier if org else "", priority=handoff.priority))
        share = sla_elapsed_share(started=handoff.sla_started_at, due=handoff.sla_due_at, now=now, hours=hours)
        if share * 100 >= percent:
            due_now.append((handoff, share))
    if not due_now:
        return
    router = Router.load()
    queues = {q.slug: q for q in Queue.objects.all()}
    routes = []
    for handoff, share in due_now:
        ticket, org = handoff.ticket, handoff.ticket.organization
        package = handoff.package or {}
        names = tuple(t.get("name") for t in (package.get("why") or {}).get("triggers") or [] if isinstance(t, dict))
        data = RouteInput(
            tier=org.tier if org else "",
            category=(package.get("understood") or {}).get("category") or "",
            priority=_higher(handoff.priority, rule.priority),
            language=ticket.language,
            triggers=(*names, rule.name),
            about_to_breach=True,
        )
        route = router.route(data, queue_slug=rule.queue_slug or handoff.queue.slug, priority=data.priority)
        routes.append((handoff, share, route, queues.get(route.queue_slug) or handoff.queue))
    managers = [h.ticket.organization.account_manager_id for h, *_ in routes if h.ticket.organization]
    assigner = Assigner.load_for(queues={q for *_, q in routes}, extra_user_ids=[m for m in managers if m])
    for handoff, share, route, queue in routes:
        ticket, org = handoff.ticket, handoff.ticket.organization
        if handoff.claimed_by_id is None:
            agent, why = assigner.pick(
                queue=queue,
                current_assignee_id=None,
                account_manager_id=org.account_manager_id if org and route.to_account_manager else None,
            )
            handoff.assigned_to = agent
            ticket.assignee = agent
        else:
            why = "claimed"
        package = dict(handoff.package or {})
        why_block = dict(package.get("why") or {})
        evidence = f"{share * 100:.0f}% of the SLA elapsed (due {handoff.sla_due_at.isoformat()})"
        why_block["triggers"] = [*(why_block.get("triggers") or []), _hit(rule, evidence)]
        package.update(
            why=why_block,
            priority=route.priority,
            routing={
                **(package.get("routing") or {}),
                "rule": route.rule or rule.name,
                "queue": queue.slug,
                "assigned_to": handoff.assigned_to.get_username() if handoff.assigned_to else None,
                "assignment": why,
            },
            next_step=rule.next_step or package.get("next_step", ""),
        )
        handoff.queue, handoff.priority, handoff.package = queue, route.priority, package
        handoff.soft_triggers = [*handoff.soft_triggers, rule.name]
        handoff.save(update_fields=["queue", "priority", "package", "soft_triggers", "assigned_to", "updated_at"])
        ticket.queue, ticket.priority = queue, route.priority
        ticket.save(update_fields=["queue", "priority", "assignee", "updated_at"])
        result.rerouted += 1


def _sla_percent_unescalated(now: datetime, rules: list[TriggerRule], book: SLABook, result: SweepResult) -> None:
    """Open tickets nobody has answered yet (AI drafts waiting, nothing sent) past X% of their first-response SLA
    are escalated as about to breach."""
    if not rules:
        return
    rule = min(rules, key=lambda r: float((r.params or {}).get("percent", 80)))
    percent = float((rule.params or {}).get("percent", 80))
    candidates = (
        _unescalated_tickets()
        .filter(first_response_at__isnull=True, first_response_due_at__isnull=False)
        .select_related("organization", "contact", "category__default_queue")
        .select_for_update(of=("self",), skip_locked=True)
    )
    items = []
    for ticket in _rows(candidates):
        org = ticket.organization
        hours = book.hours(book.policy(tier=org.tier if org else "", priority=ticket.priority))
        due = ticket.first_response_due_at
        share = sla_elapsed_share(started=ticket.created_at, due=due, now=now, hours=hours)
        if share * 100 >= percent:
            evidence = f"{share * 100:.0f}% of the first-response SLA elapsed (due {due.isoformat()})"
            item = _item(ticket, rule, evidence, "")
            item["about_to_breach"] = True
            item["queue_slug"] = item["queue_slug"] or None
            items.append(item)
    _escalate(items, result, rule.name, now)


def _unescalated_tickets():
    active = Handoff.objects.filter(ticket=OuterRef("pk"), status__in=ACTIVE)
    return Ticket.objects.filter(status__in=[TicketStatus.NEW, TicketStatus.OPEN]).exclude(Exists(active))


def _escalate(items: list[dict], result: SweepResult, name: str, now: datetime) -> None:
    from apps.escalation.services import handoffs_create_bulk

    if items:
        handoffs_create_bulk(items=items, now=now)
        result.escalated[name] = result.escalated.get(name, 0) + len(items)


def _item(ticket: Ticket, rule: TriggerRule, evidence: str, text: str) -> dict:
    category = ticket.category
    default_queue = category.default_queue.slug if category and category.default_queue_id else ""
    customer = {
        "name": ticket.contact.name if ticket.contact else "",
        "email": ticket.contact.email if ticket.contact else "",
        "language": (ticket.contact.language if ticket.contact else "") or ticket.language,
        "organization": ticket.organization.name if ticket.organization else "",
        "tier": ticket.organization.tier if ticket.organization else "",
        "plan": ticket.organization.plan if ticket.organization else "",
    }
    return {
        "ticket": ticket,
        "soft_triggers": [rule.name],
        "queue_slug": rule.queue_slug or default_queue or None,
        "reason": f"soft trigger: {rule.name} ({evidence})",
        "priority": _higher(ticket.priority, rule.priority),
        "package": {
            "customer": customer,
            "understood": {
                "category": category.slug if category else None,
                "category_name": category.name if category else None,
                "confidence": ticket.confidence,
                "customer_text": text[:2000],
                "fields": {},
            },
            "tried": {
                "steps": [f"the AI replied {ticket.ai_turns} time(s)"],
                "nodes": [],
                "lookups": [],
                "draft": None,
            },
            "why": {
                "reason": f"soft trigger: {rule.name}",
                "kind": "soft_trigger",
                "triggers": [_hit(rule, evidence)],
            },
            "next_step": rule.next_step,
        },
    }


def _ai_turns(rules: list[TriggerRule], result: SweepResult, now: datetime) -> None:
    if not rules:
        return
    rule = min(rules, key=lambda r: int((r.params or {}).get("turns", 3)))
    turns = int((rule.params or {}).get("turns", 3))
    tickets = (
        _unescalated_tickets()
        .filter(ai_turns__gte=turns)
        .select_related("organization", "contact", "category__default_queue")
        .select_for_update(of=("self",), skip_locked=True)
    )
    items = [_item(t, rule, f"{t.ai_turns} AI replies without resolution", "") for t in _rows(tickets)]
    _escalate(items, result, rule.name, now)


def _no_progress(rules: list[TriggerRule], result: SweepResult, now: datetime) -> None:
    if not rules:
        return
    from apps.integrations.embeddings import get_embeddings
    from apps.workflows.engine.text import text_now

    rule = rules[0]
    threshold = float((rule.params or {}).get("similarity", 0.9))
    visible = Message.objects.filter(is_internal=False).order_by("created_at", "id")
    tickets = list(
        _unescalated_tickets()
        .filter(ai_turns__gte=1, updated_at__gte=now - timedelta(days=1))
        .select_related("organization", "contact", "category__default_queue")
        .prefetch_related(Prefetch("messages", queryset=visible, to_attr="visible"))
        .select_for_update(of=("self",), skip_locked=True)[:BATCH]
    )
    pairs = []  # (ticket, latest text, earlier texts)
    for ticket in tickets:
        messages = ticket.visible
        if not messages or messages[-1].author_kind != AuthorKind.CUSTOMER:
            continue
        last_ai = max((i for i, m in enumerate(messages) if m.author_kind == AuthorKind.AI), default=-1)
        earlier = [text_now(m.body) for m in messages[:last_ai] if m.author_kind == AuthorKind.CUSTOMER]
        earlier = [t for t in earlier if t.strip()]
        latest = text_now(messages[-1].body)
        if last_ai >= 0 and earlier and latest.strip():
            pairs.append((ticket, latest, earlier))
    if not pairs:
        return
    texts = [t for _, latest, earlier in pairs for t in (latest, *earlier)]
    vectors = np.asarray(get_embeddings().embed(texts))
    items, offset = [], 0
    for ticket, latest, earlier in pairs:
        block = vectors[offset : offset + 1 + len(earlier)]
        offset += 1 + len(earlier)
        scores = block[1:] @ block[0]
        best = int(np.argmax(scores))
        if float(scores[best]) >= threshold:
            evidence = f"asked again (similarity {float(scores[best]):.2f}): {earlier[best][:80]!r}"
            items.append(_item(ticket, rule, evidence, latest))
    _escalate(items, result, rule.name, now)


@transaction.atomic
def soft_triggers_sweep(*, now: datetime | None = None) -> SweepResult:
    """Run the sweep once at ``now`` (default: the current time); see the module docstring. Returns the counts."""
    now = now or timezone.now()
    result = SweepResult()
    rules = list(
        TriggerRule.objects.filter(
            enabled=True,
            kind__in=[k.value for k in (TriggerKind.AI_TURNS, TriggerKind.SLA_PERCENT, TriggerKind.NO_PROGRESS)],
        )
    )
    book = SLABook.load()
    _clocks(now, book, result)
    _due_times(now, book, result)
    _ai_turns([r for r in rules if r.kind == TriggerKind.AI_TURNS], result, now)
    _no_progress([r for r in rules if r.kind == TriggerKind.NO_PROGRESS], result, now)
    _sla_percent_unescalated(now, [r for r in rules if r.kind == TriggerKind.SLA_PERCENT], book, result)
    _sla_percent(now, [r for r in rules if r.kind == TriggerKind.SLA_PERCENT], book, result)
    return result
