"""Aggregates for the dashboard: Decisions per category and outcome, tickets per day, resolution and escalation
rates, draft review outcomes. Every function is one or two grouped SQL queries, whatever the number of
categories or days.

Data source: ``workflows.Decision`` / ``Draft``, ``tickets.Ticket``, ``escalation.Handoff``. Periods are
``[since, until)`` in UTC; days are UTC calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate

from apps.escalation.models import Handoff
from apps.tickets.models import Ticket
from apps.workflows.choices import DraftStatus, Outcome
from apps.workflows.models import Decision, Draft

OUTCOMES = [Outcome.RESOLVE, Outcome.DRAFT, Outcome.ESCALATE]


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


def decisions_by_category_outcome(*, since: datetime, until: datetime) -> list[CategoryOutcomes]:
    """Decisions made in ``[since, until)`` per category and outcome, most decisions first (one query)."""
    rows = (
        Decision.objects.filter(created_at__gte=since, created_at__lt=until)
        .values("category__slug", "category__name", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_slug: dict[str, CategoryOutcomes] = {}
    for row in rows:
        slug = row["category__slug"] or ""
        item = by_slug.setdefault(slug, CategoryOutcomes(slug=slug, name=row["category__name"] or "No category"))
        item.counts[row["outcome"]] = item.counts.get(row["outcome"], 0) + row["n"]
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
    decisions = Decision.objects.filter(created_at__gte=since, created_at__lt=until).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(sent=True)),
        **{o.value: Count("id", filter=Q(outcome=o)) for o in OUTCOMES},
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
