"""SLA policies: which targets apply to a ticket (tier × priority), its due times in business time, how much
of its SLA has elapsed, and the clock pausing while the ticket waits on the customer.

Data source: ``SLAPolicy`` with its ``BusinessCalendar`` (loaded once per batch by ``SLABook.load``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from apps.escalation.business_time import Hours, business_add, business_between
from apps.escalation.models import SLAPolicy
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message


@dataclass(frozen=True)
class SLADue:
    """Due times of one ticket under ``policy`` (``None`` everywhere when no policy applies)."""

    policy: SLAPolicy | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None

    def as_dict(self) -> dict:
        policy = self.policy
        return {
            "policy": policy.name if policy else None,
            "calendar": policy.calendar.name if policy and policy.calendar else None,
            "first_response_minutes": policy.first_response_minutes if policy else None,
            "resolution_minutes": policy.resolution_minutes if policy else None,
            "first_response_due_at": self.first_response_due_at.isoformat() if self.first_response_due_at else None,
            "resolution_due_at": self.resolution_due_at.isoformat() if self.resolution_due_at else None,
        }


NO_SLA = SLADue(None, None, None)


class SLABook:
    """The enabled SLA policies, indexed for lookups; load once per batch (one query)."""

    def __init__(self, policies: list[SLAPolicy]):
        self._by_key = {(p.tier, p.priority): p for p in policies}
        self._hours: dict[int | None, Hours] = {}

    @classmethod
    def load(cls) -> SLABook:
        return cls(list(SLAPolicy.objects.filter(enabled=True).select_related("calendar")))

    def policy(self, *, tier: str, priority: str) -> SLAPolicy | None:
        """The most specific policy: tier and priority, then tier only, then priority only, then the default."""
        for key in ((tier, priority), (tier, ""), ("", priority), ("", "")):
            if key in self._by_key:
                return self._by_key[key]
        return None

    def hours(self, policy: SLAPolicy | None) -> Hours:
        """Opening hours of ``policy``'s calendar (around the clock without one). Raises ``ValidationError`` for a
        malformed calendar."""
        key = policy.calendar_id if policy else None
        if key not in self._hours:
            self._hours[key] = Hours.of(policy.calendar if policy else None)
        return self._hours[key]

    def due(
        self, *, tier: str, priority: str, start: datetime, pauses: Sequence[tuple[datetime, datetime]] = ()
    ) -> SLADue:
        """Due times for a ticket of ``tier`` with ``priority`` whose clock started at ``start`` (aware), moved by
        the ticket's finished ``pauses`` (``(started, ended)`` pairs, oldest first; see ``sla_due_after_pauses``)."""
        policy = self.policy(tier=tier, priority=priority)
        if policy is None:
            return NO_SLA
        hours = self.hours(policy)
        first = business_add(start=start, minutes=policy.first_response_minutes, hours=hours)
        resolution = business_add(start=start, minutes=policy.resolution_minutes, hours=hours)
        return SLADue(
            policy,
            sla_due_after_pauses(due=first, pauses=pauses, hours=hours),
            sla_due_after_pauses(due=resolution, pauses=pauses, hours=hours),
        )


def sla_elapsed_share(*, started: datetime, due: datetime, now: datetime, hours: Hours) -> float:
    """Share (0…, may exceed 1 when breached) of the business time from ``started`` to ``due`` that has passed
    at ``now``."""
    total = business_between(start=started, end=due, hours=hours).total_seconds()
    if total <= 0:
        return 1.0
    if now >= due:
        return 1.0 + business_between(start=due, end=now, hours=hours).total_seconds() / total
    return business_between(start=started, end=now, hours=hours).total_seconds() / total


def sla_resume_due(*, due: datetime, paused_at: datetime, now: datetime, hours: Hours) -> datetime:
    """The new due time after a pause from ``paused_at`` to ``now``: the business time that was left at the
    pause, counted from ``now`` (a clock paused past its due time stays breached: due = ``paused_at``'s due)."""
    left = business_between(start=paused_at, end=due, hours=hours)
    if left.total_seconds() <= 0:
        return due
    return business_add(start=now, minutes=left.total_seconds() / 60, hours=hours)


def sla_due_after_pauses(*, due: datetime, pauses: Sequence[tuple[datetime, datetime]], hours: Hours) -> datetime:
    """``due`` moved by each finished pause in turn (``(started, ended)`` pairs, oldest first), as the sweep moves a
    due time when a ticket stops waiting on the customer (``sla_resume_due``)."""
    for started, ended in pauses:
        due = sla_resume_due(due=due, paused_at=started, now=ended, hours=hours)
    return due


def sla_pause_replied_at() -> Subquery:
    """For an ``SLAPause`` row (the outer query): when the customer first wrote after the pause began, or NULL.
    A pause ends there, even when an AI reply has made the ticket pending again since."""
    replied = Message.objects.filter(
        ticket=OuterRef("ticket_id"), author_kind=AuthorKind.CUSTOMER, created_at__gt=OuterRef("started_at")
    ).order_by("created_at", "pk")
    return Subquery(replied.values("created_at")[:1])
