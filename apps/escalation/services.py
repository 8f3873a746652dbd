"""Escalation writes: handing a ticket to a human queue with its handoff package; claim, resolve, reassign."""

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff, Queue, SLAPause
from apps.escalation.package import conversations_load, package_complete, trigger_names
from apps.escalation.routing import Assigner, RouteInput, Router
from apps.escalation.sla import SLABook, sla_pause_replied_at
from apps.escalation.webhooks import webhooks_enqueue
from apps.tickets.choices import TicketStatus
from apps.tickets.models import Ticket
from apps.workflows.choices import DraftStatus
from apps.workflows.models import Draft

DEFAULT_QUEUE = "support"


def queue_get_or_default(slug: str | None) -> Queue:
    """The queue with ``slug``; falls back to (and creates if needed) the ``support`` (General) queue."""
    if slug:
        queue = Queue.objects.filter(slug=slug).first()
        if queue:
            return queue
    queue, _ = Queue.objects.get_or_create(slug=DEFAULT_QUEUE, defaults={"name": "General"})
    return queue


@transaction.atomic
def handoff_create(
    *,
    ticket: Ticket,
    queue_slug: str | None,
    reason: str,
    priority: str | None = None,
    package: dict | None = None,
    decision=None,
    sla_due_at=None,
) -> Handoff:
    """Escalate ``ticket`` to the queue ``queue_slug`` (support when unknown) with a handoff ``package``.

    An open handoff of the same ticket is updated instead of doubled. Sets the ticket's queue and status.
    """
    item = {
        "ticket": ticket,
        "queue_slug": queue_slug,
        "reason": reason,
        "priority": priority,
        "package": package,
        "decision": decision,
        "sla_due_at": sla_due_at,
    }
    return handoffs_create_bulk(items=[item])[0]


def _locked_handoff(handoff_id: int) -> Handoff:
    handoff = (
        Handoff.objects.select_for_update(of=("self",))
        .select_related("ticket", "claimed_by")
        .filter(pk=handoff_id)
        .first()
    )
    if handoff is None:
        raise ValidationError(f"Handoff {handoff_id} does not exist.", extra={"handoff_id": handoff_id})
    if handoff.status == HandoffStatus.RESOLVED:
        raise ConflictError(f"Handoff {handoff_id} is already resolved.", extra={"handoff_id": handoff_id})
    return handoff


@transaction.atomic
def handoff_claim(*, handoff_id: int, user) -> Handoff:
    """``user`` takes handoff ``handoff_id``: status ``claimed``, the ticket assigned to them.

    Claiming your own claimed handoff again changes nothing. Raises ``ValidationError`` (unknown handoff) and
    ``ConflictError`` when it is resolved or claimed by someone else (row lock: two agents claiming at once get
    one winner).
    """
    handoff = _locked_handoff(handoff_id)
    if handoff.status == HandoffStatus.CLAIMED:
        if handoff.claimed_by_id == user.pk:
            return handoff
        who = handoff.claimed_by.get_username() if handoff.claimed_by else "someone else"
        raise ConflictError(f"Handoff {handoff_id} was already claimed by {who}.", extra={"handoff_id": handoff_id})
    handoff.status = HandoffStatus.CLAIMED
    handoff.claimed_by = user
    handoff.claimed_at = timezone.now()
    handoff.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    ticket = handoff.ticket
    ticket.assignee = user
    ticket.save(update_fields=["assignee", "updated_at"])
    _notify(handoff)
    return handoff


@transaction.atomic
def handoff_resolve(*, handoff_id: int, user) -> Handoff:
    """Mark handoff ``handoff_id`` resolved by ``user`` (claiming it first when it is still open) and resolve its
    ticket. Raises ``ValidationError`` (unknown handoff) and ``ConflictError`` (already resolved, or claimed by
    someone else)."""
    handoff = _locked_handoff(handoff_id)
    if handoff.status == HandoffStatus.CLAIMED and handoff.claimed_by_id not in (None, user.pk):
        who = handoff.claimed_by.get_username() if handoff.claimed_by else "someone else"
        raise ConflictError(f"Handoff {handoff_id} is claimed by {who}: only they can resolve it.")
    now = timezone.now()
    if handoff.claimed_by_id is None:
        handoff.claimed_by, handoff.claimed_at = user, now
    handoff.status = HandoffStatus.RESOLVED
    handoff.resolved_at = now
    handoff.save(update_fields=["status", "claimed_by", "claimed_at", "resolved_at", "updated_at"])
    ticket = handoff.ticket
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = ticket.resolved_at or now
    ticket.assignee = ticket.assignee or user
    ticket.save(update_fields=["status", "resolved_at", "assignee", "updated_at"])
    _notify(handoff)
    return handoff


@transaction.atomic
def handoff_reassign(*, handoff_id: int, queue_slug: str, user) -> Handoff:
    """Move handoff ``handoff_id`` to the queue ``queue_slug``; it becomes open (unclaimed) there.

    Raises ``ValidationError`` for an unknown handoff or queue and ``ConflictError`` when it is resolved.
    """
    queue = Queue.objects.filter(slug=queue_slug).first()
    if queue is None:
        raise ValidationError(f"Queue {queue_slug!r} does not exist.", extra={"queue": queue_slug})
    handoff = _locked_handoff(handoff_id)
    agent, why = Assigner.load_for(queues=[queue]).pick(queue=queue, current_assignee_id=None, account_manager_id=None)
    handoff.queue = queue
    handoff.status = HandoffStatus.OPEN
    handoff.claimed_by = None
    handoff.claimed_at = None
    handoff.assigned_to = agent
    handoff.package = {
        **handoff.package,
        "routing": {
            **(handoff.package.get("routing") or {}),
            "queue": queue.slug,
            "rule": f"reassigned by {user.get_username()}",
            "assigned_to": agent.get_username() if agent else None,
            "assignment": why,
        },
    }
    handoff.save(update_fields=["queue", "status", "claimed_by", "claimed_at", "assigned_to", "package", "updated_at"])
    ticket = handoff.ticket
    ticket.queue = queue
    ticket.assignee = agent
    ticket.save(update_fields=["queue", "assignee", "updated_at"])
    _notify(handoff)
    return handoff


def _notify(handoff: Handoff) -> None:
    transaction.on_commit(lambda: webhooks_enqueue(events=[("handoff.updated", handoff.pk)]))


@transaction.atomic
def handoffs_create_bulk(*, items: list[dict], now=None) -> list[Handoff]:
    """``handoff_create`` for many tickets in a few queries (bulk triage). Unknown queues fall back to
    ``support``, an open or claimed handoff of a ticket is updated instead of doubled.

    For each item: routing rules (``RoutingRule``, first match) may change the proposed queue and priority;
    the SLA policy for the organization's tier × the final priority gives the due times (business time of its
    calendar, clock started when the ticket was opened; ``sla_due_at`` in the item overrides); the agent is
    picked among online members (``Assigner``: account manager when a rule asks, the agent who already has a
    returning conversation, else least-loaded); the package is completed (``package_complete``); the ticket
    gets queue, priority, escalated status, assignee and due times, and its pending AI drafts are superseded.
    Due times add the ticket's SLA pauses
    (``SLAPause``: time spent waiting on the customer); an open pause ends now, as the ticket waits on us again.
    Subscribed webhooks are notified after commit.

    ``items``: dicts with the keyword arguments of ``handoff_create`` (``ticket``, ``queue_slug``, ``reason``, and
    optionally ``priority``, ``package``, ``decision``, ``sla_due_at``, ``about_to_breach``, ``soft_triggers``:
    names recorded on the handoff so the sweep applies them once), at most one per
    ticket. Returns the handoffs in the order of ``items``. Raises ``ValidationError`` when a ticket appears twice.
    """
    tickets = [item["ticket"] for item in items]
    if len({t.pk for t in tickets}) != len(tickets):
        raise ValidationError("handoffs_create_bulk takes at most one handoff per ticket.")
    if not items:
        return []
    now = now or timezone.now()
    router, book = Router.load(), SLABook.load()
    orgs = {t.pk: t.organization if t.organization_id else None for t in tickets}
    routes = []
    for item in items:
        ticket, package = item["ticket"], item.get("package") or {}
        org = orgs[ticket.pk]
        understood = package.get("understood") if isinstance(package.get("understood"), dict) else {}
        customer = package.get("customer") if isinstance(package.get("customer"), dict) else {}
        data = RouteInput(
            tier=org.tier if org else "",
            category=understood.get("category") or "",
            priority=item.get("priority") or ticket.priority,
            language=customer.get("language") or ticket.language,
            triggers=trigger_names(package),
            about_to_breach=bool(item.get("about_to_breach")),
        )
        routes.append(
            router.route(
                data, queue_slug=item.get("queue_slug") or "", priority=item.get("priority") or ticket.priority
            )
        )
    slugs = {r.queue_slug for r in routes if r.queue_slug}
    queues = {queue.slug: queue for queue in Queue.objects.filter(slug__in=slugs)}
    fallback: list[Queue] = []
    current = {
        h.ticket_id: h
        for h in Handoff.objects.select_for_update().filter(ticket__in=tickets, status__in=["open", "claimed"])
    }
    chosen_queues = []
    for route in routes:
        queue = queues.get(route.queue_slug)
        if queue is None:
            fallback = fallback or [queue_get_or_default(None)]
            queue = fallback[0]
        chosen_queues.append(queue)
    managers = [org.account_manager_id for org in orgs.values() if org and org.account_manager_id]
    assigner = Assigner.load_for(
        queues=set(chosen_queues), extra_user_ids=[*managers, *(t.assignee_id for t in tickets if t.assignee_id)]
    )
    pauses = _pauses_for_escalation(tickets, now)
    missing_conversation = [item["ticket"] for item in items if not (item.get("package") or {}).get("conversation")]
    conversations = conversations_load(missing_conversation) if missing_conversation else {}
    handoffs, new = [], []
    for item, route, queue in zip(items, routes, chosen_queues, strict=True):
        ticket = item["ticket"]
        org = orgs[ticket.pk]
        existing = current.get(ticket.pk)
        due = book.due(
            tier=org.tier if org else "",
            priority=route.priority,
            start=ticket.created_at,
            pauses=pauses.get(ticket.pk, ()),
        )
        handoff_due = item.get("sla_due_at") or (
            due.first_response_due_at if ticket.first_response_at is None else due.resolution_due_at
        )
        if existing is not None and existing.claimed_by_id:
            agent, why = existing.claimed_by, "claimed"
        else:
            agent, why = assigner.pick(
                queue=queue,
                current_assignee_id=ticket.assignee_id,
                account_manager_id=org.account_manager_id if org and route.to_account_manager else None,
            )
        sla = {**due.as_dict(), "handoff_due_at": handoff_due.isoformat() if handoff_due else None}
        routing = {
            "rule": route.rule,
            "queue": queue.slug,
            "proposed_queue": item.get("queue_slug") or "",
            "assigned_to": agent.get_username() if agent else None,
            "assignment": why,
        }
        package = package_complete(
            item.get("package"),
            ticket=ticket,
            reason=item["reason"],
            priority=route.priority,
            sla=sla,
            routing=routing,
            conversation=conversations.get(ticket.pk),
        )
        values = {
            "queue": queue,
            "reason": item["reason"][:500],
            "priority": route.priority,
            "package": package,
            "sla_due_at": handoff_due,
            "sla_started_at": ticket.created_at,
            "sla_paused_at": None,
            "assigned_to": agent,
        }
        if item.get("soft_triggers"):
            values["soft_triggers"] = sorted({*(existing.soft_triggers if existing else []), *item["soft_triggers"]})
        if item.get("decision") is not None:
            values["decision"] = item["decision"]
        if existing is None:
            handoff = Handoff(ticket=ticket, **values)
            new.append(handoff)
        else:
            handoff = existing
            for key, value in values.items():
                setattr(handoff, key, value)
            handoff.save()
        handoffs.append(handoff)
        ticket.queue, ticket.status, ticket.priority = queue, TicketStatus.ESCALATED, route.priority
        ticket.assignee = agent
        ticket.first_response_due_at = due.first_response_due_at
        ticket.resolution_due_at = due.resolution_due_at
        ticket.updated_at = now
    Handoff.objects.bulk_create(new)
    _tickets_escalated_update(tickets, now)
    _drafts_supersede(tickets, now)
    created_ids = {h.pk for h in new}
    events = [("handoff.created" if h.pk in created_ids else "handoff.updated", h.pk) for h in handoffs]
    transaction.on_commit(lambda: webhooks_enqueue(events=events))
    return handoffs


def _drafts_supersede(tickets: list[Ticket], now) -> None:
    """A person has these tickets now: their pending AI drafts are superseded (version bumped), so nobody approves
    an AI answer over the person's head; ``draft_approve`` then answers 409 naming the handoff (one UPDATE)."""
    Draft.objects.filter(ticket__in=tickets, status=DraftStatus.PENDING).update(
        status=DraftStatus.SUPERSEDED, version=F("version") + 1, updated_at=now
    )


def _pauses_for_escalation(tickets: list[Ticket], now) -> dict[int, list[tuple]]:
    """End the open SLA pauses of ``tickets`` (at the customer's first message since the pause began, else at
    ``now``) and return every pause per ticket id, oldest first, as ``(started, ended)`` pairs (one query when no
    pause is open, three otherwise)."""
    ids = [t.pk for t in tickets]
    rows = SLAPause.objects.filter(ticket_id__in=ids).order_by("ticket_id", "started_at")
    found = list(rows.values_list("ticket_id", "started_at", "ended_at"))
    if any(ended is None for *_, ended in found):
        SLAPause.objects.filter(ticket_id__in=ids, ended_at__isnull=True).update(
            ended_at=Least(Coalesce(sla_pause_replied_at(), Value(now)), Value(now)), updated_at=now
        )
        found = list(rows.values_list("ticket_id", "started_at", "ended_at"))
    pauses: dict[int, list[tuple]] = {}
    for ticket_id, started, ended in found:
        if ended > started:
            pauses.setdefault(ticket_id, []).append((started, ended))
    return pauses


def _tickets_escalated_update(tickets: list[Ticket], now) -> None:
    """Write each ticket's queue, escalated status, priority, assignee and SLA due times (set on the instances) in
    one statement; ``bulk_update`` would build a CASE per row and field, which costs more than the update itself."""
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET queue_id = v.queue_id, status = v.status, priority = v.priority, "
            "assignee_id = v.assignee_id, first_response_due_at = v.first_due, resolution_due_at = v.resolution_due, "
            "updated_at = %s "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::timestamptz[], "
            "%s::timestamptz[]) AS v(id, queue_id, status, priority, assignee_id, first_due, resolution_due) "
            "WHERE t.id = v.id",
            [
                now,
                [t.pk for t in tickets],
                [t.queue_id for t in tickets],
                [t.status for t in tickets],
                [t.priority for t in tickets],
                [t.assignee_id for t in tickets],
                [t.first_response_due_at for t in tickets],
                [t.resolution_due_at for t in tickets],
            ],
        )
