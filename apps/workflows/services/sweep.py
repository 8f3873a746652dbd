"""The triage sweep: every received ticket ends in a Decision, even when its triage task was lost.

A triage task can be lost when the django-q2 cluster is killed in the middle of a batch, when the database drops
the worker's connection or when a task fails more often than ``Q_CLUSTER["max_attempts"]``. The sweep (a django-q2
schedule, ``apps/workflows/schedules.py``) finds the tickets whose latest customer turn is still waiting for a
Decision and enqueues their triage again. Triage is idempotent per ticket and turn (``Decision`` is unique per
ticket + turn and ``ticket_triage`` / ``tickets_triage_bulk`` lock the ticket and skip a decided turn), so a ticket
swept while its original task still runs gets exactly one Decision and at most one reply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import AuthorKind, TicketSource, TicketStatus
from apps.tickets.models import Message, Ticket
from apps.workflows.choices import Outcome
from apps.workflows.models import Decision

log = logging.getLogger(__name__)

TRIAGE_BATCH_TASK = "apps.workflows.tasks.triage_batch"
SWEEP_BATCH = 200  # ids per enqueued triage_batch task
# Tickets from live intake: their triage is always enqueued on receipt. Imports and the demo seeder choose
# whether to triage (``triage=False`` keeps history untriaged), so the sweep leaves them alone.
LIVE_SOURCES = (
    TicketSource.API,
    TicketSource.CHAT,
    TicketSource.EMAIL,
    TicketSource.ZENDESK,
    TicketSource.FRESHDESK,
    TicketSource.INTERCOM,
)
# Statuses a ticket has while its latest customer turn waits for triage: new, reopened by a customer message,
# or with a person (a follow-up on an escalated ticket still gets a Decision, the engine keeps it with the person).
WAITING_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.ESCALATED)


@dataclass
class SweepResult:
    """What one sweep did: ``ticket_ids`` found without a Decision for their latest turn (oldest first),
    ``tasks`` the triage_batch task ids enqueued (empty with ``enqueue=False``)."""

    ticket_ids: list[int] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"found": len(self.ticket_ids), "tasks": len(self.tasks), "ticket_ids": self.ticket_ids[:50]}


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def tickets_untriaged(
    *, older_than_minutes: float | None = None, lookback_hours: float | None = None, limit: int = 1000
) -> list[int]:
    """Ids of live-intake tickets whose latest customer turn has no Decision (oldest waiting message first).

    A ticket qualifies when its status is new / open / escalated, its source is a live intake (``LIVE_SOURCES``),
    its latest visible message is from the customer (nobody answered it yet), that message arrived between
    ``lookback_hours`` and ``older_than_minutes`` ago, and no Decision exists for the turn (the number of visible
    customer messages, as ``engine.ticket_turn`` counts it). Defaults come from the settings
    ``TRIAGE_SWEEP_AFTER_MINUTES`` (10) and ``TRIAGE_SWEEP_LOOKBACK_HOURS`` (24). ``limit``: at most this many ids.
    Raises ``ValidationError`` for negative windows or a lookback shorter than the grace time.
    Data source: Ticket, Message and Decision rows.
    """
    after = _setting("TRIAGE_SWEEP_AFTER_MINUTES", 10) if older_than_minutes is None else float(older_than_minutes)
    lookback = _setting("TRIAGE_SWEEP_LOOKBACK_HOURS", 24) if lookback_hours is None else float(lookback_hours)
    if after < 0 or lookback <= 0 or lookback * 60 < after:
        raise ValidationError(
            f"The sweep needs 0 ≤ older_than_minutes ({after:g}) ≤ lookback_hours × 60 ({lookback:g} h).",
            extra={"older_than_minutes": after, "lookback_hours": lookback},
        )
    now = timezone.now()
    visible = Message.objects.filter(ticket=OuterRef("pk"), is_internal=False)
    latest = visible.order_by("-created_at", "-id")
    customer_count = (
        visible.filter(author_kind=AuthorKind.CUSTOMER)
        .order_by()
        .values("ticket")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    rows = (
        Ticket.objects.filter(status__in=WAITING_STATUSES, source__in=LIVE_SOURCES)
        .annotate(
            last_author=Subquery(latest.values("author_kind")[:1]),
            last_at=Subquery(latest.values("created_at")[:1]),
            turn=Coalesce(Subquery(customer_count), 1),
        )
        .filter(
            last_author=AuthorKind.CUSTOMER,
            last_at__lte=now - timedelta(minutes=after),
            last_at__gte=now - timedelta(hours=lookback),
        )
        .annotate(decided=Exists(Decision.objects.filter(ticket=OuterRef("pk"), turn=OuterRef("turn"))))
        .filter(~Q(decided=True))
        .order_by("last_at", "pk")
        .values_list("pk", flat=True)[: max(0, int(limit))]
    )
    return list(rows)


def triage_sweep(
    *,
    older_than_minutes: float | None = None,
    lookback_hours: float | None = None,
    limit: int = 1000,
    enqueue: bool = True,
) -> SweepResult:
    """Find the tickets ``tickets_untriaged`` returns and enqueue ``apps.workflows.tasks.triage_batch`` for them
    (``SWEEP_BATCH`` ids per task, group ``triage-sweep``). Safe to run at any time and as often as wanted: a
    ticket that is decided meanwhile is skipped by triage itself, so sweeping twice never doubles a reply.

    Arguments as for ``tickets_untriaged``; ``enqueue=False`` only reports. Returns a ``SweepResult``.
    Raises ``ValidationError`` for bad windows.
    """
    ids = tickets_untriaged(older_than_minutes=older_than_minutes, lookback_hours=lookback_hours, limit=limit)
    result = SweepResult(ticket_ids=ids)
    if not enqueue or not ids:
        return result
    from django_q.tasks import async_task

    for start in range(0, len(ids), SWEEP_BATCH):
        result.tasks.append(async_task(TRIAGE_BATCH_TASK, ids[start : start + SWEEP_BATCH], group="triage-sweep"))
    return result


def triage_failure_escalate(*, ticket_id: int, error: str) -> Decision | None:
    """Record that triage of ``ticket_id`` crashed (a bug, not a provider failure — those the engine already
    escalates): an ``escalate`` Decision for the current turn with ``error`` as the reason, and a handoff to the
    first-line ``support`` queue, so a person answers instead of the ticket waiting for a fix. Nothing is sent.

    Idempotent: when the turn already has a Decision (another run got there first) that one is returned
    unchanged. Returns None when the ticket does not exist. Atomic; the ticket row is locked. Database errors
    propagate (the caller retries). Data source: Ticket, Message and Decision rows.
    """
    from apps.escalation.services import handoff_create
    from apps.workflows.engine import ticket_turn

    with transaction.atomic():
        visible = Message.objects.filter(is_internal=False).order_by("created_at", "id")
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .prefetch_related(Prefetch("messages", queryset=visible, to_attr="visible_messages"))
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return None
        turn = ticket_turn(ticket.visible_messages)
        existing = Decision.objects.filter(ticket=ticket, turn=turn).first()
        if existing is not None:
            return existing
        reason = f"triage failed: {error}"[:500]
        decision = Decision.objects.create(
            ticket=ticket,
            turn=turn,
            outcome=Outcome.ESCALATE,
            sent=False,
            reason=reason,
            trace={
                "steps": [{"step": "triage", "ms": 0.0, "error": error[:2000]}],
                "effect": "handoff",
                "why": "triage_error",
            },
        )
        package = {
            "why": {"reason": reason, "kind": "triage_error"},
            "next_step": "Triage crashed on this ticket: read the conversation and answer the customer yourself.",
        }
        handoff_create(ticket=ticket, queue_slug=None, reason=reason, decision=decision, package=package)
    log.error("triage of ticket %s failed; escalated to a person: %s", ticket_id, error[:300])
    return decision
