"""Aggregates for the dashboard: Decisions per category and outcome, tickets per day, resolution and escalation
rates, draft review outcomes. Every function is one or two grouped SQL queries, whatever the number of
categories or days.

Two sources: the live functions read ``workflows.Decision`` / ``Draft``, ``tickets.Ticket`` and
``escalation.Handoff`` for any ``[since, until)`` (the ``/api/v1/metrics/`` endpoint); ``overview_from_stats``
reads the daily figures (``rollup.CategoryDayStats`` / ``CategoryDayActivity``) for whole UTC days, which the
overview page uses so it answers in milliseconds at millions of tickets. Days are UTC calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Avg, Case, CharField, Count, DurationField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import TruncDate

from apps.escalation.models import Handoff
from apps.tickets.models import Ticket
from apps.workflows.choices import DraftStatus, Outcome, RolloutState
from apps.workflows.models import Category, Decision, Draft

OUTCOMES = [Outcome.RESOLVE, Outcome.DRAFT, Outcome.ESCALATE]
# CategoryDayActivity's count columns, spelled out (SQL identifiers are constants, never built from values)
ACTIVITY_COLUMNS = (
    "decisions_resolve",
    "decisions_draft",
    "decisions_escalate",
    "drafts_pending",
    "drafts_approved",
    "drafts_edited",
    "drafts_rejected",
    "drafts_superseded",
)
assert list(ACTIVITY_COLUMNS) == [f"decisions_{o.value}" for o in OUTCOMES] + [
    f"drafts_{d.value}" for d in DraftStatus
]


@dataclass
class CategoryOutcomes:
    """Decisions of one category (``slug`` ``""`` = no category) counted per outcome."""

    slug: str
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def per_outcome(self) -> list[int]:
        """Counts in ``OUTCOMES`` order (resolve, draft, escalate)."""
        return [self.counts.get(o.value, 0) for o in OUTCOMES]


@dataclass
class DayCount:
    day: date
    created: int = 0
    resolved: int = 0


@dataclass
class Rates:
    """Counts and fractions (0–1, ``None`` without tickets/decisions) over a period.

    ``resolution_rate``: tickets created in the period that are resolved; ``escalation_rate``: tickets created
    in the period with at least one handoff; ``automation_rate``: Decisions that sent a reply without review;
    ``first_response_minutes``: mean minutes from creation to first response of those tickets.
    """

    tickets: int
    resolved: int
    escalated: int
    decisions: int
    by_outcome: dict[str, int]
    sent_by_ai: int
    drafts: dict[str, int]
    first_response_minutes: float | None

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def resolution_rate(self) -> float | None:
        return self._share(self.resolved, self.tickets)

    @property
    def escalation_rate(self) -> float | None:
        return self._share(self.escalated, self.tickets)

    @property
    def automation_rate(self) -> float | None:
        return self._share(self.sent_by_ai, self.decisions)

    @property
    def drafts_reviewed(self) -> int:
        return sum(self.drafts.get(s, 0) for s in (DraftStatus.APPROVED, DraftStatus.EDITED, DraftStatus.REJECTED))

    @property
    def draft_approval_rate(self) -> float | None:
        """Reviewed drafts sent as the AI wrote them."""
        return self._share(self.drafts.get(DraftStatus.APPROVED, 0), self.drafts_reviewed)


def effective_outcome() -> Case:
    """What a Decision did, for counting: its outcome, except that a shadow-mode Decision (it records what the AI
    would have done, sends nothing and hands the ticket to humans) counts as ``escalate``, never as resolved by
    the AI. The same rule as ``rollup.EFFECTIVE_OUTCOME_SQL`` (the daily figures)."""
    return Case(
        When(rollout_state=RolloutState.SHADOW, then=Value(Outcome.ESCALATE.value)),
        default=F("outcome"),
        output_field=CharField(),
    )


def decisions_by_category_outcome(*, since: datetime, until: datetime) -> list[CategoryOutcomes]:
    """Decisions made in ``[since, until)`` per category and (effective, see ``effective_outcome``) outcome, most
    decisions first (one query)."""
    rows = (
        Decision.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(outcome_counted=effective_outcome())
        .values("category__slug", "category__name", "outcome_counted")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_slug: dict[str, CategoryOutcomes] = {}
    for row in rows:
        slug = row["category__slug"] or ""
        item = by_slug.setdefault(slug, CategoryOutcomes(slug=slug, name=row["category__name"] or "No category"))
        item.counts[row["outcome_counted"]] = item.counts.get(row["outcome_counted"], 0) + row["n"]
    return sorted(by_slug.values(), key=lambda c: (-c.total, c.name))


def tickets_by_category(*, since: datetime, until: datetime) -> list[tuple[str, str, int]]:
    """``(slug, name, tickets)`` of tickets created in ``[since, until)`` per current category (``""`` = none),
    most first (one query). Covers imported history, which has no Decisions."""
    rows = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("category__slug", "category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")
    )
    return [(r["category__slug"] or "", r["category__name"] or "No category", r["n"]) for r in rows]


def tickets_per_day(*, since: datetime, until: datetime) -> list[DayCount]:
    """Tickets created and tickets resolved per UTC day in ``[since, until)``, every day present (two queries)."""
    created = dict(
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "n")
    )
    resolved = dict(
        Ticket.objects.filter(resolved_at__gte=since, resolved_at__lt=until)
        .annotate(day=TruncDate("resolved_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("day", "n")
    )
    first = since.astimezone(UTC).date()
    last = (until - timedelta(microseconds=1)).astimezone(UTC).date()
    days = []
    day = first
    while day <= last:
        days.append(DayCount(day=day, created=created.get(day, 0), resolved=resolved.get(day, 0)))
        day += timedelta(days=1)
    return days


def period_rates(*, since: datetime, until: datetime) -> Rates:
    """Ticket, Decision and Draft figures for tickets / decisions / drafts created in ``[since, until)``
    (three aggregate queries)."""
    # ``IN (SELECT ...)`` is one hashed subplan; ``EXISTS`` inside an aggregate FILTER runs once per ticket
    has_handoff = Q(pk__in=Handoff.objects.values("ticket_id"))
    tickets = Ticket.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        total=Count("id"),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        escalated=Count("id", filter=has_handoff),
        first_response=Avg(
            ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField()),
            filter=Q(first_response_at__isnull=False),
        ),
    )
    decisions = (
        Decision.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(outcome_counted=effective_outcome())
        .aggregate(
            total=Count("id"),
            sent=Count("id", filter=Q(sent=True)),
            **{o.value: Count("id", filter=Q(outcome_counted=o.value)) for o in OUTCOMES},
        )
    )
    drafts = Draft.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        **{s.value: Count("id", filter=Q(status=s)) for s in DraftStatus}
    )
    first_response = tickets["first_response"]
    return Rates(
        tickets=tickets["total"],
        resolved=tickets["resolved"],
        escalated=tickets["escalated"],
        decisions=decisions["total"],
        by_outcome={o.value: decisions[o.value] for o in OUTCOMES},
        sent_by_ai=decisions["sent"],
        drafts=drafts,
        first_response_minutes=first_response.total_seconds() / 60 if first_response is not None else None,
    )


# --- the overview from the daily figures ----------------------------------------------------------------------


@dataclass
class Overview:
    """The overview dashboard's figures over whole UTC days (see ``overview_from_stats``)."""

    since: date
    until: date
    categories: list[CategoryOutcomes]
    days: list[DayCount]
    rates: Rates
    ticket_categories: list[tuple[str, str, int]]
    refreshed_at: datetime | None


def _utc_day(value: date | datetime, *, ceil: bool = False) -> date:
    """A ``date`` as is; a ``datetime``'s UTC date (with ``ceil``, the next one unless it is midnight)."""
    if not isinstance(value, datetime):
        return value
    utc = value.astimezone(UTC)
    bump = ceil and (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0)
    return utc.date() + timedelta(days=1 if bump else 0)


def overview_from_stats(*, since: date | datetime, until: date | datetime) -> Overview:
    """The overview dashboard's figures for the UTC days covering ``[since, until)``, read from the daily figures
    (``rollup.category_stats_refresh``: the schedule refreshes the last 3 days every 10 minutes, 120 nightly):
    two grouped queries over a few rows per day and category, whatever the number of tickets.

    - tickets (created per day and per category), resolved and escalated of them (a handoff or status
      ``escalated``), mean first response: ``CategoryDayStats`` (tickets by creation day, all channels/tiers);
    - Decisions per category (the Decision's) and outcome, sent without review, drafts per status, tickets
      resolved per day: ``CategoryDayActivity`` (each counted on the day it happened).

    ``refreshed_at``: when the oldest figure read was computed (``None`` when nothing was read).
    """
    from .models import CategoryDayActivity, CategoryDayStats
    from .rollup import slice_where

    first, end = _utc_day(since), _utc_day(until, ceil=True)
    category_table = Category._meta.db_table
    where, params = slice_where()
    params.update(first=first, end=end)
    created: dict[date, int] = {}
    resolved_on: dict[date, int] = {}
    per_category: dict[int | None, list] = {}
    outcomes: dict[int | None, CategoryOutcomes] = {}
    totals = {"tickets": 0, "resolved": 0, "escalated": 0, "responded": 0, "minutes": 0.0, "sent": 0}
    drafts = {s.value: 0 for s in DraftStatus}
    by_outcome = {o.value: 0 for o in OUTCOMES}
    stamps = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.day, s.category_id, c.slug, c.name, sum(s.tickets), sum(s.resolved), sum(s.escalated),
                       sum(s.first_responded), sum(s.first_response_minutes_sum), min(s.refreshed_at)
                  FROM {CategoryDayStats._meta.db_table} s LEFT JOIN {category_table} c ON c.id = s.category_id
                 WHERE s.day >= %(first)s AND s.day < %(end)s {where}
                 GROUP BY s.day, s.category_id, c.slug, c.name""",
            params,
        )
        for day, cat_id, slug, name, n, resolved, escalated, responded, minutes, stamp in cursor.fetchall():
            created[day] = created.get(day, 0) + n
            entry = per_category.setdefault(cat_id, [slug or "", name or "No category", 0])
            entry[2] += n
            totals["tickets"] += n
            totals["resolved"] += resolved
            totals["escalated"] += escalated
            totals["responded"] += responded
            totals["minutes"] += minutes
            stamps.append(stamp)
        columns = ACTIVITY_COLUMNS
        cursor.execute(
            f"""SELECT a.day, a.category_id, c.slug, c.name, {", ".join(f"sum(a.{col})" for col in columns)},
                       sum(a.decisions_sent), sum(a.resolved), min(a.refreshed_at)
                  FROM {CategoryDayActivity._meta.db_table} a LEFT JOIN {category_table} c ON c.id = a.category_id
                 WHERE a.day >= %(first)s AND a.day < %(end)s
                 GROUP BY a.day, a.category_id, c.slug, c.name""",
            params,
        )
        for day, cat_id, slug, name, *values, sent, resolved, stamp in cursor.fetchall():
            counts = dict(zip(columns, values, strict=True))
            item = outcomes.setdefault(
                cat_id, CategoryOutcomes(slug=slug or "", name=name or "No category", counts={})
            )
            for o in OUTCOMES:
                n = counts[f"decisions_{o.value}"]
                if n:
                    item.counts[o.value] = item.counts.get(o.value, 0) + n
                    by_outcome[o.value] += n
            for s in DraftStatus:
                drafts[s.value] += counts[f"drafts_{s.value}"]
            totals["sent"] += sent
            resolved_on[day] = resolved_on.get(day, 0) + resolved
            stamps.append(stamp)
    days = []
    day = first
    while day < end:
        days.append(DayCount(day=day, created=created.get(day, 0), resolved=resolved_on.get(day, 0)))
        day += timedelta(days=1)
    rates = Rates(
        tickets=totals["tickets"],
        resolved=totals["resolved"],
        escalated=totals["escalated"],
        decisions=sum(by_outcome.values()),
        by_outcome=by_outcome,
        sent_by_ai=totals["sent"],
        drafts=drafts,
        first_response_minutes=totals["minutes"] / totals["responded"] if totals["responded"] else None,
    )
    categories = sorted((c for c in outcomes.values() if c.total), key=lambda c: (-c.total, c.name))
    ticket_categories = sorted(
        ((slug, name, n) for slug, name, n in per_category.values() if n), key=lambda r: (-r[2], r[1])
    )
    return Overview(
        since=first,
        until=end,
        categories=categories,
        days=days,
        rates=rates,
        ticket_categories=ticket_categories,
        refreshed_at=min(stamps) if stamps else None,
    )
