"""Per-ticket signals the hard triggers need beyond the text, loaded for a whole batch of contexts in one query.

``ctx.signals`` (``TicketContext.signals``) gets:
- ``related``: the customer's other unresolved tickets opened within the longest window of the enabled
  repeat-contact rules (at most ``HORIZON_DAYS`` days) — same contact
  email (so a chat and an e-mail from one person are one customer) or same organization — as dicts
  ``{id, channel, status, category, created_at, same_contact}``;
- ``ticket_category``: the ticket's own category slug before this turn (``category`` is set by the pipeline to
  the category it predicts now, and wins);
- ``now``: when the signals were read.

Data source: ``tickets.Ticket`` with ``Contact`` and ``Category``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.escalation.choices import TriggerKind
from apps.escalation.models import TriggerRule
from apps.tickets.choices import TicketStatus
from apps.tickets.models import Contact, Ticket

HORIZON_DAYS = 30  # the longest repeat-contact window a rule may use
DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def repeat_contact_horizon_days() -> float:
    """How far back ``related`` must reach: the longest window (``params["days"]``, 7 by default) of the enabled
    repeat-contact rules, at most ``HORIZON_DAYS``; 0 when no such rule is enabled (one query)."""
    params = TriggerRule.objects.filter(enabled=True, kind=TriggerKind.REPEAT_CONTACT).values_list("params", flat=True)
    days = [float((p or {}).get("days", 7)) for p in params]
    return min(max(days), HORIZON_DAYS) if days else 0.0


def contexts_signals_fill(contexts: Sequence, *, now=None, days: float | None = None) -> None:
    """Fill ``ctx.signals`` of every context (see the module docstring) with one query for the batch (two when
    ``days`` is not given: the window then comes from the enabled repeat-contact rules).

    ``contexts``: ``TicketContext`` objects whose ``ticket`` has ``contact`` and ``organization`` loaded;
    ``days``: how far back ``related`` reaches (``repeat_contact_horizon_days()`` by default; 0: no ``related``).
    """
    if not contexts:
        return
    now = now or timezone.now()
    days = repeat_contact_horizon_days() if days is None else min(days, HORIZON_DAYS)
    ids = [ctx.ticket.pk for ctx in contexts]
    emails = {(ctx.ticket.contact.email or "").lower() for ctx in contexts if ctx.ticket.contact_id} - {""}
    orgs = {ctx.ticket.organization_id for ctx in contexts if ctx.ticket.organization_id}
    # the same person by e-mail (any of their contacts) or the same organization: both through indexed foreign
    # keys, so PostgreSQL doesn't join every recent ticket to its contact to compare e-mails
    people = Contact.objects.annotate(email_l=Lower("email")).filter(email_l__in=emails).values("pk")
    customer = Q(contact_id__in=people) | Q(organization_id__in=orgs)
    scope = Q(pk__in=ids)
    if days > 0:
        scope |= customer & Q(created_at__gte=now - timedelta(days=days))
    rows = list(
        Ticket.objects.annotate(email_l=Lower("contact__email"))
        .filter(scope)
        .exclude(~Q(pk__in=ids) & Q(status__in=DONE))
        .values("id", "channel", "status", "created_at", "email_l", "organization_id", "category__slug")
        .order_by("-created_at")
    )
    id_set = set(ids)
    own = {row["id"]: row for row in rows if row["id"] in id_set}
    # index the open rows by customer so each context scans only its own customer's tickets (newest first)
    by_email: dict[str, list[dict]] = {}
    by_org: dict[int, list[dict]] = {}
    for position, row in enumerate(rows):
        if row["status"] in DONE:
            continue
        row["_position"] = position
        row["_related"] = {
            "id": row["id"],
            "channel": row["channel"],
            "status": row["status"],
            "category": row["category__slug"] or "",
            "created_at": row["created_at"],
        }
        if row["email_l"]:
            by_email.setdefault(row["email_l"], []).append(row)
        if row["organization_id"]:
            by_org.setdefault(row["organization_id"], []).append(row)
    for ctx in contexts:
        ticket = ctx.ticket
        email = (ticket.contact.email or "").lower() if ticket.contact_id else ""
        candidates = {row["id"]: row for row in by_email.get(email, []) if email}
        if ticket.organization_id:
            candidates.update((row["id"], row) for row in by_org.get(ticket.organization_id, []))
        related = [
            {**row["_related"], "same_contact": bool(email) and row["email_l"] == email}
            for row in sorted(candidates.values(), key=lambda r: r["_position"])
            if row["id"] != ticket.pk and days > 0
        ]
        signals = getattr(ctx, "signals", None)
        if signals is None:
            signals = {}
            ctx.signals = signals
        signals.update(
            related=related, ticket_category=(own.get(ticket.pk) or {}).get("category__slug") or "", now=now
        )
