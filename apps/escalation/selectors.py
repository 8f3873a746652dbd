"""Reads for the handoff inbox: handoffs per queue sorted by SLA due time, counts per queue, one handoff.

Data source: ``escalation.Handoff`` / ``Queue`` with ``tickets.Ticket`` / ``Organization`` / ``Contact``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.http import QueryDict

from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff, Queue

ACTIVE = (HandoffStatus.OPEN, HandoffStatus.CLAIMED)
LIST_LIMIT = 200
# status filter value -> label
STATUS_FILTERS = {
    "active": "Open and claimed",
    "open": "Waiting",
    "mine": "Mine (claimed or assigned)",
    "resolved": "Resolved",
}


@dataclass(frozen=True)
class HandoffFilters:
    """``queue``: a queue slug (empty = all queues); ``status``: one of ``STATUS_FILTERS`` (default active)."""

    queue: str = ""
    status: str = "active"

    @classmethod
    def from_query(cls, query) -> HandoffFilters:
        status = (query.get("status") or "active").strip()
        return cls(
            queue=(query.get("queue") or "").strip()[:100], status=status if status in STATUS_FILTERS else "active"
        )

    def querystring(self, **changes: str) -> str:
        """URL query string of these filters with ``changes`` applied (defaults left out)."""
        values = {"queue": self.queue, "status": self.status, **changes}
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value and not (key == "status" and value == "active"):
                query[key] = value
        return query.urlencode()


def _status_q(status: str, user) -> Q:
    if status == "open":
        return Q(status=HandoffStatus.OPEN)
    if status == "mine":
        return Q(status=HandoffStatus.CLAIMED, claimed_by=user) | Q(status=HandoffStatus.OPEN, assigned_to=user)
    if status == "resolved":
        return Q(status=HandoffStatus.RESOLVED)
    return Q(status__in=ACTIVE)


def handoff_list(*, filters: HandoffFilters, user) -> QuerySet[Handoff]:
    """Handoffs matching ``filters`` (``mine`` means claimed by ``user``), soonest SLA due first, handoffs
    without a due time last, then oldest; resolved ones most recent first. Ticket, customer, queue and claimer
    are selected: one query for any number of rows."""
    queryset = Handoff.objects.filter(_status_q(filters.status, user)).select_related(
        "ticket__organization", "ticket__contact", "queue", "claimed_by", "assigned_to"
    )
    if filters.queue:
        queryset = queryset.filter(queue__slug=filters.queue)
    if filters.status == "resolved":
        return queryset.order_by("-resolved_at", "-id")
    return queryset.order_by(F("sla_due_at").asc(nulls_last=True), "created_at", "id")


def handoff_queue_counts(*, user) -> list[Queue]:
    """Every queue with ``n_open``, ``n_claimed`` and ``n_mine`` (claimed by ``user``) annotated; one query."""
    return list(
        Queue.objects.annotate(
            n_open=Count("handoffs", filter=Q(handoffs__status=HandoffStatus.OPEN)),
            n_claimed=Count("handoffs", filter=Q(handoffs__status=HandoffStatus.CLAIMED)),
            n_mine=Count(
                "handoffs",
                filter=Q(handoffs__status=HandoffStatus.CLAIMED, handoffs__claimed_by=user)
                | Q(handoffs__status=HandoffStatus.OPEN, handoffs__assigned_to=user),
            ),
        ).order_by("name")
    )


def handoff_detail(*, handoff_id: int) -> Handoff | None:
    """Handoff ``handoff_id`` with ticket, customer, queue, claimer and decision (category) selected."""
    return (
        Handoff.objects.select_related(
            "ticket__organization", "ticket__contact", "queue", "claimed_by", "assigned_to", "decision__category"
        )
        .filter(pk=handoff_id)
        .first()
    )


def queue_choices() -> list[tuple[str, str]]:
    """``(slug, name)`` of every queue, for the reassign form."""
    return list(Queue.objects.order_by("name").values_list("slug", "name"))
