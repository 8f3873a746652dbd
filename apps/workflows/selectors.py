"""Reads for the review queue: pending drafts with their SLA due time, filters with counts, and one draft's
full context (conversation, decision, trace).

Data source: ``workflows.Draft`` / ``Decision`` / ``Category`` and ``tickets.Ticket`` / ``Organization`` /
``Contact`` / ``Message``. All lists are built with a fixed number of queries whatever the queue length.
"""

from __future__ import annotations

import difflib
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from django.http import QueryDict
from django.utils import timezone

from apps.tickets.choices import AuthorKind, Channel, Priority, Tier
from apps.tickets.models import Message
from apps.workflows.choices import DraftStatus
from apps.workflows.models import Category, Draft

# First-response targets (minutes) by customer tier; urgent and high priority halve them. The review queue sorts
# by the due time these give until SLA policies (business hours, holidays) store due times on tickets.
FIRST_RESPONSE_TARGET_MINUTES = {Tier.ENTERPRISE: 60, Tier.BUSINESS: 120, Tier.PRO: 240, Tier.FREE: 1440}
DEFAULT_TARGET_MINUTES = 480
URGENT_PRIORITIES = (Priority.URGENT, Priority.HIGH)

# Age buckets (waiting time) for the age filter: (value, label, lower bound, upper bound).
AGE_BUCKETS = [
    ("lt1h", "< 1 hour", timedelta(0), timedelta(hours=1)),
    ("1-4h", "1–4 hours", timedelta(hours=1), timedelta(hours=4)),
    ("4-24h", "4–24 hours", timedelta(hours=4), timedelta(hours=24)),
    ("gt1d", "> 1 day", timedelta(hours=24), None),
]
NO_VALUE = "none"
LIST_LIMIT = 50


@dataclass(frozen=True)
class ReviewFilters:
    """The review queue's filters (each a single value; empty = any). ``age`` is one of ``AGE_BUCKETS``."""

    queue: str = ""
    category: str = ""
    channel: str = ""
    tier: str = ""
    language: str = ""
    age: str = ""

    FIELDS = ("queue", "category", "channel", "tier", "language", "age")

    @classmethod
    def from_query(cls, query: QueryDict) -> ReviewFilters:
        """Filters from a request's GET (or POST) parameters; unknown parameters are ignored."""
        return cls(**{name: (query.get(name) or "").strip()[:100] for name in cls.FIELDS})

    def active(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.FIELDS if getattr(self, name)}

    def querystring(self, **changes: str) -> str:
        """URL query string of these filters with ``changes`` applied (empty value removes a filter)."""
        values = {**self.active(), **changes}
        query = QueryDict(mutable=True)
        for name in self.FIELDS:
            if values.get(name):
                query[name] = values[name]
        return query.urlencode()


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    querystring: str


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)
    clear_querystring: str = ""


@dataclass
class ReviewCounts:
    """Counts of pending drafts: ``total`` (no filter), ``matching`` (all filters) and one facet per filter."""

    total: int
    matching: int
    facets: list[Facet]


def _target_interval() -> Case:
    whens = [
        When(
            ticket__organization__tier=tier,
            ticket__priority__in=URGENT_PRIORITIES,
            then=Value(timedelta(minutes=minutes / 2)),
        )
        for tier, minutes in FIRST_RESPONSE_TARGET_MINUTES.items()
    ]
    whens += [
        When(ticket__organization__tier=tier, then=Value(timedelta(minutes=minutes)))
        for tier, minutes in FIRST_RESPONSE_TARGET_MINUTES.items()
    ]
    return Case(*whens, default=Value(timedelta(minutes=DEFAULT_TARGET_MINUTES)), output_field=DurationField())


def _age_bucket(now: datetime) -> Case:
    whens = []
    for value, _, _low, high in AGE_BUCKETS:
        if high is None:
            continue
        whens.append(When(waiting_since__gt=now - high, then=Value(value)))
    return Case(*whens, default=Value(AGE_BUCKETS[-1][0]), output_field=CharField())


def pending_drafts(*, now: datetime | None = None) -> QuerySet[Draft]:
    """Pending drafts annotated for the queue (see ``drafts_annotated``), no filter, no order. Drafts snoozed
    until after ``now`` are left out until the time passes."""
    now = now or timezone.now()
    pending = Draft.objects.filter(status=DraftStatus.PENDING).filter(
        Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now)
    )
    return drafts_annotated(pending, now=now)


def drafts_annotated(queryset: QuerySet[Draft], *, now: datetime | None = None) -> QuerySet[Draft]:
    """``queryset`` of drafts with the review queue's annotations.

    Annotations: ``waiting_since`` (ticket creation before the first response, else when the draft was made),
    ``due_at`` (``waiting_since`` + the tier's first-response target), ``queue_slug`` / ``queue_name`` (the
    ticket's queue, else the category's default queue, else ``none``), ``language_code``, ``age_bucket`` and
    ``is_stale`` (the customer wrote after the draft was prepared).
    """
    now = now or timezone.now()
    newer_customer_message = Message.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        author_kind=AuthorKind.CUSTOMER,
        is_internal=False,
        created_at__gt=OuterRef("created_at"),
    )
    return queryset.annotate(
        waiting_since=Case(
            When(ticket__first_response_at__isnull=True, then=F("ticket__created_at")),
            default=F("created_at"),
            output_field=DateTimeField(),
        )
    ).annotate(
        due_at=ExpressionWrapper(F("waiting_since") + _target_interval(), output_field=DateTimeField()),
        queue_slug=Coalesce(F("ticket__queue__slug"), F("decision__category__default_queue__slug"), Value(NO_VALUE)),
        queue_name=Coalesce(F("ticket__queue__name"), F("decision__category__default_queue__name"), Value("No queue")),
        language_code=Coalesce(
            NullIf(F("ticket__language"), Value("")),
            NullIf(F("ticket__contact__language"), Value("")),
            Value(NO_VALUE),
        ),
        age_bucket=_age_bucket(now),
        is_stale=Exists(newer_customer_message),
    )


def _filter_q(filters: ReviewFilters) -> Q:
    q = Q()
    if filters.queue:
        q &= Q(queue_slug=filters.queue)
    if filters.category:
        q &= (
            Q(decision__category__isnull=True)
            if filters.category == NO_VALUE
            else Q(decision__category__slug=filters.category)
        )
    if filters.channel:
        q &= Q(ticket__channel=filters.channel)
    if filters.tier:
        q &= (
            Q(ticket__organization__isnull=True)
            if filters.tier == NO_VALUE
            else Q(ticket__organization__tier=filters.tier)
        )
    if filters.language:
        q &= Q(language_code=filters.language)
    if filters.age:
        q &= Q(age_bucket=filters.age)
    return q


def review_queue_list(*, filters: ReviewFilters, now: datetime | None = None) -> QuerySet[Draft]:
    """Pending drafts matching ``filters``, soonest SLA due first (then oldest), with ticket, customer and
    decision selected: one query for any number of rows. See ``pending_drafts`` for the annotations."""
    return (
        pending_drafts(now=now)
        .filter(_filter_q(filters))
        .select_related("ticket__organization", "ticket__contact", "decision__category", "ticket__queue")
        .order_by("due_at", "id")
    )


def review_queue_counts(*, filters: ReviewFilters, now: datetime | None = None) -> ReviewCounts:
    """Counts per filter value, each counted with the *other* active filters applied (so a choice shows what
    it would give). One grouped query over all pending drafts."""
    dims = {
        "queue": ("queue_slug", "queue_name"),
        "category": ("decision__category__slug", "decision__category__name"),
        "channel": ("ticket__channel", None),
        "tier": ("ticket__organization__tier", None),
        "language": ("language_code", None),
        "age": ("age_bucket", None),
    }
    columns = [c for pair in dims.values() for c in pair if c]
    rows = list(pending_drafts(now=now).values(*columns).annotate(n=Count("id")).order_by())
    labels = {
        "channel": dict(Channel.choices),
        "tier": dict(Tier.choices),
        "age": {value: label for value, label, *_ in AGE_BUCKETS},
    }
    active = filters.active()

    def value_of(row: dict, name: str) -> str:
        return row[dims[name][0]] or NO_VALUE

    def matches(row: dict, skip: str | None) -> bool:
        return all(value_of(row, name) == wanted for name, wanted in active.items() if name != skip)

    facets = []
    for name, (_column, label_column) in dims.items():
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for row in rows:
            if matches(row, name):
                value = value_of(row, name)
                counts[value] += row["n"]
                if label_column:
                    names[value] = row[label_column] or "None"
        selected = getattr(filters, name)
        if selected and selected not in counts:
            counts[selected] = 0
        if name == "age":
            values = [v for v, *_ in AGE_BUCKETS if v in counts]
        else:
            values = sorted(counts, key=lambda v: (-counts[v], v))
        facet = Facet(
            name=name,
            label={"age": "Waiting", "tier": "Tier"}.get(name, name.title()),
            clear_querystring=filters.querystring(**{name: ""}),
        )
        for value in values:
            label = names.get(value) or labels.get(name, {}).get(value) or (value if value != NO_VALUE else "None")
            facet.options.append(
                FacetOption(
                    value=value,
                    label=label,
                    count=counts[value],
                    selected=value == selected,
                    querystring=filters.querystring(**{name: "" if value == selected else value}),
                )
            )
        facets.append(facet)
    return ReviewCounts(
        total=sum(r["n"] for r in rows),
        matching=sum(r["n"] for r in rows if matches(r, None)),
        facets=facets,
    )


def draft_detail(*, draft_id: int, now: datetime | None = None) -> Draft | None:
    """Draft ``draft_id`` (any status) with everything the draft view shows: ticket, customer, queue, decision
    and category, reviewer, and ``ticket.visible_messages`` (oldest first, internal notes excluded). Annotated
    like ``pending_drafts``. Three queries; ``None`` when it doesn't exist."""
    visible = Message.objects.filter(is_internal=False).select_related("author_user").order_by("created_at", "id")
    return (
        drafts_annotated(Draft.objects.filter(pk=draft_id), now=now)
        .select_related(
            "ticket__organization", "ticket__contact", "ticket__queue", "decision__category", "reviewed_by"
        )
        .prefetch_related(Prefetch("ticket__messages", queryset=visible, to_attr="visible_messages"))
        .first()
    )


def review_queue_next(*, after: Draft, filters: ReviewFilters, now: datetime | None = None) -> Draft | None:
    """The pending draft that follows ``after`` in the queue order (due time, id) under ``filters``; the first
    one when none follows. ``after`` needs ``due_at`` (as annotated by ``draft_detail``)."""
    queue = review_queue_list(filters=filters, now=now).exclude(pk=after.pk)
    due = getattr(after, "due_at", None)
    if due is not None:
        following = queue.filter(Q(due_at__gt=due) | Q(due_at=due, id__gt=after.pk)).first()
        if following is not None:
            return following
    return queue.first()


SNOOZED_LIMIT = 20


def snoozed_drafts(*, now: datetime | None = None, limit: int = SNOOZED_LIMIT) -> list[Draft]:
    """Pending drafts snoozed until after ``now`` (hidden from the queue), the soonest back first, with their
    ticket: at most ``limit`` of them, one query."""
    now = now or timezone.now()
    return list(
        Draft.objects.filter(status=DraftStatus.PENDING, snoozed_until__gt=now)
        .select_related("ticket")
        .only("id", "version", "snoozed_until", "ticket__id", "ticket__subject")
        .order_by("snoozed_until", "id")[:limit]
    )


def category_choices() -> list[tuple[str, str]]:
    """``(slug, name)`` of every category, by name (one query)."""
    return list(Category.objects.order_by("name").values_list("slug", "name"))


# --- Workflow studio (apps/workflows/views/workflows.py) ---------------------------------------------------------


@dataclass
class CategoryFigures:
    """One category's figures over the last ``days`` days: ``tickets`` (currently in the category, created in the
    period), ``decisions`` and how many resolved by the AI / drafted / escalated (Decisions created in the period)."""

    tickets: int = 0
    decisions: int = 0
    resolved: int = 0
    drafted: int = 0
    escalated: int = 0

    def _share(self, n: int) -> float | None:
        return n / self.decisions if self.decisions else None

    @property
    def resolution_rate(self) -> float | None:
        return self._share(self.resolved)

    @property
    def escalation_rate(self) -> float | None:
        return self._share(self.escalated)


def category_figures(*, days: int = 30, now: datetime | None = None) -> dict[int, CategoryFigures]:
    """``{category id: CategoryFigures}`` for the last ``days`` days, in two grouped queries (tickets by current
    category; Decisions by category and outcome). Data source: ``tickets.Ticket``, ``workflows.Decision``."""
    from apps.tickets.models import Ticket
    from apps.workflows.choices import Outcome
    from apps.workflows.models import Decision

    since = (now or timezone.now()) - timedelta(days=days)
    figures: dict[int, CategoryFigures] = {}
    tickets = (
        Ticket.objects.filter(created_at__gte=since, category__isnull=False)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in tickets:
        figures.setdefault(row["category_id"], CategoryFigures()).tickets = row["n"]
    decisions = (
        Decision.objects.filter(created_at__gte=since, category__isnull=False)
        .values("category_id")
        .annotate(
            n=Count("id"),
            resolved=Count("id", filter=Q(outcome=Outcome.RESOLVE)),
            drafted=Count("id", filter=Q(outcome=Outcome.DRAFT)),
            escalated=Count("id", filter=Q(outcome=Outcome.ESCALATE)),
        )
        .order_by()
    )
    for row in decisions:
        f = figures.setdefault(row["category_id"], CategoryFigures())
        f.decisions, f.resolved, f.drafted, f.escalated = row["n"], row["resolved"], row["drafted"], row["escalated"]
    return figures


REVIEWED_STATUSES = (DraftStatus.APPROVED, DraftStatus.EDITED, DraftStatus.REJECTED)


def edit_size(before: str, after: str) -> tuple[int, float]:
    """How much an agent changed a draft: ``(characters, share)``. ``characters`` is the number of characters
    replaced, inserted or deleted according to ``difflib.SequenceMatcher`` opcodes (the longer side of each change);
    ``share`` is ``1 - ratio()`` (0 = identical, 1 = nothing in common). Both texts are stripped first."""
    before, after = (before or "").strip(), (after or "").strip()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    chars = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
    return chars, 1.0 - matcher.ratio()


@dataclass
class ReviewFigures:
    """Review figures of one agent or one category. Times in seconds; rates are fractions (0–1) of ``count``;
    edit sizes are medians over edited drafts only (``None`` when none was edited)."""

    key: str
    label: str
    count: int = 0
    approved: int = 0
    edited: int = 0
    rejected: int = 0
    median_review_seconds: float | None = None
    median_edit_chars: float | None = None
    median_edit_share: float | None = None
    _seconds: list[float] = field(default_factory=list, repr=False)
    _edit_chars: list[int] = field(default_factory=list, repr=False)
    _edit_shares: list[float] = field(default_factory=list, repr=False)

    def _add(self, *, status: str, seconds: float, edit: tuple[int, float] | None) -> None:
        self.count += 1
        if status == DraftStatus.APPROVED:
            self.approved += 1
        elif status == DraftStatus.EDITED:
            self.edited += 1
        else:
            self.rejected += 1
        self._seconds.append(seconds)
        if edit is not None:
            self._edit_chars.append(edit[0])
            self._edit_shares.append(edit[1])

    def _finish(self) -> ReviewFigures:
        self.median_review_seconds = statistics.median(self._seconds) if self._seconds else None
        self.median_edit_chars = statistics.median(self._edit_chars) if self._edit_chars else None
        self.median_edit_share = statistics.median(self._edit_shares) if self._edit_shares else None
        return self

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.count if self.count else None

    @property
    def edit_rate(self) -> float | None:
        return self.edited / self.count if self.count else None

    @property
    def reject_rate(self) -> float | None:
        return self.rejected / self.count if self.count else None


@dataclass
class ReviewMetrics:
    """``review_metrics`` result: ``agents`` and ``categories`` (most reviews first) and ``overall``."""

    since: datetime
    overall: ReviewFigures
    agents: list[ReviewFigures]
    categories: list[ReviewFigures]


def review_metrics(*, since: datetime, until: datetime | None = None) -> ReviewMetrics:
    """Review figures per agent and per category for drafts reviewed (approved, edited or rejected) at or after
    ``since`` and before ``until`` (default: now).

    Time to review = ``reviewed_at - opened_at`` (when an agent first opened the draft), else ``reviewed_at -
    created_at`` (seconds, median). Rates are shares of reviewed drafts; edit size compares the AI's ``body`` with
    the ``sent_body`` of edited drafts (see ``edit_size``). Drafts reviewed by a deleted user count under
    ``(deleted user)``; drafts without a category under ``none``.

    Data source: ``workflows.Draft`` with its reviewer and its Decision's category; one query, the medians and edit
    sizes are computed in Python over the window's rows.
    """
    until = until or timezone.now()
    rows = (
        Draft.objects.filter(status__in=REVIEWED_STATUSES, reviewed_at__gte=since, reviewed_at__lt=until)
        .values_list(
            "status",
            "reviewed_at",
            "opened_at",
            "created_at",
            "body",
            "sent_body",
            "reviewed_by__username",
            "decision__category__slug",
            "decision__category__name",
        )
        .order_by()
    )
    overall = ReviewFigures(key="all", label="All reviews")
    agents: dict[str, ReviewFigures] = {}
    categories: dict[str, ReviewFigures] = {}
    for status, reviewed_at, opened_at, created_at, body, sent_body, username, slug, name in rows:
        start = opened_at if opened_at is not None and opened_at <= reviewed_at else created_at
        seconds = max(0.0, (reviewed_at - start).total_seconds())
        edit = edit_size(body, sent_body) if status == DraftStatus.EDITED else None
        agent_key = username or "(deleted user)"
        category_key = slug or NO_VALUE
        for figures in (
            overall,
            agents.setdefault(agent_key, ReviewFigures(key=agent_key, label=agent_key)),
            categories.setdefault(category_key, ReviewFigures(key=category_key, label=name or "No category")),
        ):
            figures._add(status=status, seconds=seconds, edit=edit)

    def ordered(groups: dict[str, ReviewFigures]) -> list[ReviewFigures]:
        return sorted((f._finish() for f in groups.values()), key=lambda f: (-f.count, f.key))

    return ReviewMetrics(
        since=since, overall=overall._finish(), agents=ordered(agents), categories=ordered(categories)
    )
