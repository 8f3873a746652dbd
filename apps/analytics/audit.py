"""The audit of history (rollout step 1): which categories to automate first, and why.

Per category over tickets created in ``[since, until)``: volume and share, channel / tier / segment mix,
complexity (agent replies per resolved ticket, median first-response, handle and resolution time, reopen and
escalation rate), sensitivity, CSAT and knowledge coverage, folded into an **automation potential** score
(0–100) with the reasons shown. Two grouped SQL queries compute the figures whatever the number of tickets
(percentiles with ``percentile_cont``, counts with ``FILTER``, mixes with ``GROUPING SETS``), or the daily
figures do (``source="stats"``, binned medians, milliseconds); coverage
searches the knowledge base with a few sample tickets per category.

Definitions (data source ``tickets_ticket`` / ``tickets_message`` / ``tickets_organization`` /
``escalation_handoff`` / ``workflows_category``):

- *agent replies to resolve*: non-internal agent messages per resolved ticket (per answered ticket when history
  has no resolution times, e.g. an import without ``resolved_at``);
- *handle time*: first response to the last agent reply (how long agents were on the ticket), minutes;
- *resolution time*: creation to ``resolved_at``, hours; *first response*: creation to ``first_response_at``;
- *reopened*: a customer message after ``resolved_at``;
- *escalated*: a handoff exists or the ticket's status is ``escalated``;
- *sensitive*: ``Category.is_sensitive`` (human-only topic); *urgent share*: priority high or urgent.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils import timezone

from apps.escalation.models import Handoff
from apps.tickets.models import Message, Organization, Ticket
from apps.workflows.models import Category

DEFAULT_DAYS = 90
COVERAGE_SAMPLE = 6
SUGGESTED_BUILD_ORDER = 8
WEIGHTS = {"volume": 0.35, "simplicity": 0.25, "containment": 0.15, "coverage": 0.25}
SENSITIVE_FACTOR = 0.2


@dataclass
class CategoryAudit:
    """One category's audit figures. Rates and shares are fractions 0–1; ``None`` where nothing was measured."""

    slug: str
    name: str
    tickets: int
    share: float = 0.0
    resolved: int = 0
    agent_replies: float | None = None
    first_response_minutes: float | None = None
    handle_minutes: float | None = None
    resolution_hours: float | None = None
    reopen_rate: float = 0.0
    escalation_rate: float = 0.0
    urgent_share: float = 0.0
    csat: float | None = None
    sensitive: bool = False
    channels: dict[str, int] = field(default_factory=dict)
    tiers: dict[str, int] = field(default_factory=dict)
    segments: dict[str, int] = field(default_factory=dict)
    coverage: float | None = None
    coverage_grounded: float | None = None
    components: dict[str, float | None] = field(default_factory=dict)
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    rank: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class AuditReport:
    """The ranked categories (best first), the uncategorised count, and how long each part took (ms)."""

    since: datetime
    until: datetime
    tickets: int
    categories: list[CategoryAudit]
    uncategorised: int
    timings_ms: dict[str, float] = field(default_factory=dict)
    source: str = "live"

    @property
    def build_order(self) -> list[CategoryAudit]:
        """The suggested build order: the top categories that are not human-only."""
        return [c for c in self.categories if not c.sensitive][:SUGGESTED_BUILD_ORDER]

    def as_dict(self) -> dict:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "tickets": self.tickets,
            "uncategorised": self.uncategorised,
            "source": self.source,
            "build_order": [c.slug for c in self.build_order],
            "categories": [c.as_dict() for c in self.categories],
            "timings_ms": self.timings_ms,
        }


def _tables() -> dict[str, str]:
    return {
        "ticket": Ticket._meta.db_table,
        "message": Message._meta.db_table,
        "org": Organization._meta.db_table,
        "handoff": Handoff._meta.db_table,
    }


# One pass: tickets merge-joined with their messages in ticket-id order (the messages' ``ticket_id`` index, its
# scan bounded by the period's lowest and highest ticket id) and grouped per ticket into a narrow row of float
# seconds (``date_part``: float8, not ``extract``'s numeric), then per category with ``percentile_cont``; the
# handoff check is one hashed subplan, not a probe per ticket.
CORE_SQL = """
WITH x AS (
    SELECT t.id, t.category_id, t.csat, t.resolved_at IS NOT NULL AS is_resolved,
           t.status = 'escalated' AS escalated, t.priority IN ('high', 'urgent') AS urgent,
           date_part('epoch', t.first_response_at - t.created_at) AS first_response_s,
           date_part('epoch', max(m.created_at) FILTER (WHERE m.author_kind = 'agent' AND NOT m.is_internal)
                              - t.first_response_at) AS handle_s,
           date_part('epoch', t.resolved_at - t.created_at) AS resolution_s,
           count(m.id) FILTER (WHERE m.author_kind = 'agent' AND NOT m.is_internal) AS agent_replies,
           max(m.created_at) FILTER (WHERE m.author_kind = 'customer') > t.resolved_at AS reopened
      FROM {ticket} t
      LEFT JOIN {message} m ON m.ticket_id = t.id AND m.ticket_id BETWEEN %(first_id)s AND %(last_id)s
     WHERE t.created_at >= %(since)s AND t.created_at < %(until)s
     GROUP BY t.id
)
SELECT x.category_id,
       count(*) AS tickets,
       count(*) FILTER (WHERE x.is_resolved) AS resolved,
       coalesce(avg(x.agent_replies) FILTER (WHERE x.is_resolved),
                avg(x.agent_replies) FILTER (WHERE x.agent_replies > 0)) AS agent_replies,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.first_response_s) / 60,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.handle_s) / 60,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY x.resolution_s) / 3600,
       count(*) FILTER (WHERE x.reopened) AS reopened,
       count(*) FILTER (WHERE x.escalated OR x.id IN (SELECT h.ticket_id FROM {handoff} h)) AS escalated,
       count(*) FILTER (WHERE x.urgent) AS urgent,
       avg(x.csat) AS csat
  FROM x
 GROUP BY x.category_id
"""

ID_RANGE_SQL = "SELECT min(id), max(id) FROM {ticket} WHERE created_at >= %(since)s AND created_at < %(until)s"

MIX_SQL = """
SELECT t.category_id, t.channel, o.tier, coalesce(nullif(o.segment, ''), 'unknown') AS segment,
       GROUPING(t.channel) AS g_channel, GROUPING(o.tier) AS g_tier, count(*)
  FROM {ticket} t LEFT JOIN {org} o ON o.id = t.organization_id
 WHERE t.created_at >= %(since)s AND t.created_at < %(until)s
 GROUP BY GROUPING SETS ((t.category_id, t.channel), (t.category_id, o.tier),
                         (t.category_id, coalesce(nullif(o.segment, ''), 'unknown')))
"""


def audit_figures(*, since: datetime, until: datetime) -> tuple[dict[int | None, CategoryAudit], int]:
    """The per-category figures (no coverage, no score) of tickets created in ``[since, until)``, exact
    (``percentile_cont`` medians): the period's ticket-id range, one pass over tickets and messages, one over
    tickets and organisations for the mixes.

    Returns ``({category_id or None: CategoryAudit}, total tickets)``.
    """
    params = {"since": since, "until": until}
    names = {c.pk: c for c in Category.objects.only("id", "slug", "name", "is_sensitive")}
    found: dict[int | None, CategoryAudit] = {}
    with connection.cursor() as cursor:
        cursor.execute(ID_RANGE_SQL.format(**_tables()), params)
        params["first_id"], params["last_id"] = cursor.fetchone()
        if params["first_id"] is None:
            return found, 0
        cursor.execute(CORE_SQL.format(**_tables()), params)
        for row in cursor.fetchall():
            (cat_id, n, resolved, replies, first_min, handle_min, resolve_h, reopened, escalated, urgent, csat) = row
            category = names.get(cat_id)
            found[cat_id] = CategoryAudit(
                slug=category.slug if category else "",
                name=category.name if category else "No category",
                tickets=n,
                resolved=resolved,
                agent_replies=_float(replies),
                first_response_minutes=_float(first_min),
                handle_minutes=_float(handle_min),
                resolution_hours=_float(resolve_h),
                reopen_rate=reopened / resolved if resolved else 0.0,
                escalation_rate=escalated / n,
                urgent_share=urgent / n,
                csat=_float(csat),
                sensitive=bool(category and category.is_sensitive),
            )
        cursor.execute(MIX_SQL.format(**_tables()), params)
        for cat_id, channel, tier, segment, g_channel, g_tier, n in cursor.fetchall():
            item = found.get(cat_id)
            if item is None:
                continue
            if not g_channel:
                item.channels[channel] = n
            elif not g_tier:
                item.tiers[tier or "unknown"] = n
            else:
                item.segments[segment] = n
    total = sum(c.tickets for c in found.values())
    for item in found.values():
        item.share = item.tickets / total if total else 0.0
    return found, total


def _float(value) -> float | None:
    return None if value is None else float(value)


def knowledge_coverage(*, since: datetime, until: datetime, sample: int = COVERAGE_SAMPLE) -> dict[int, tuple]:
    """Per category id: ``(mean best retrieval score, share of samples at or above the grounding threshold)``.

    Up to ``sample`` recent tickets per category (subject + first customer message) are searched in the public
    knowledge base through ``apps.knowledge.selectors.search``. Returns ``{}`` when no knowledge is indexed.
    """
    from apps.knowledge.models import Chunk
    from apps.knowledge.selectors import best_score, grounding_threshold, search

    if sample <= 0 or not Chunk.objects.exists():
        return {}
    sql = """
    SELECT category_id, text FROM (
        SELECT t.category_id,
               left(concat_ws(E'\\n', t.subject, (SELECT m.body FROM {message} m
                                                  WHERE m.ticket_id = t.id AND m.author_kind = 'customer'
                                                  ORDER BY m.created_at, m.id LIMIT 1)), 600) AS text,
               row_number() OVER (PARTITION BY t.category_id ORDER BY t.created_at DESC, t.id DESC) AS n
          FROM {ticket} t
         WHERE t.created_at >= %(since)s AND t.created_at < %(until)s AND t.category_id IS NOT NULL
    ) s WHERE n <= %(sample)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_tables()), {"since": since, "until": until, "sample": sample})
        rows = cursor.fetchall()
    threshold = grounding_threshold()
    scores: dict[int, list[float]] = {}
    for cat_id, text in rows:
        if text and text.strip():
            hits = search(text, k=3, filters={"visibility": "public"})
            scores.setdefault(cat_id, []).append(best_score(hits))
    return {
        cat_id: (sum(values) / len(values), sum(v >= threshold for v in values) / len(values))
        for cat_id, values in scores.items()
    }


def automation_score(item: CategoryAudit, *, largest: int, typical_resolution_h: float | None) -> None:
    """Fill ``item.components``, ``item.score`` (0–100) and ``item.reasons`` from its figures.

    Components (0–1): *volume* √(tickets / largest category); *simplicity* from agent replies per resolved
    ticket (1 reply = 1.0), resolution time against the typical (median) category and reopen rate;
    *containment* 1 − escalation rate − half the urgent share; *coverage* mean best retrieval score over the
    grounding threshold (left out, weights renormalised, when no knowledge is indexed). Human-only
    (sensitive) categories are multiplied by 0.2.
    """
    volume = math.sqrt(item.tickets / largest) if largest else 0.0
    replies_score = 1.0 / max(item.agent_replies, 1.0) if item.agent_replies is not None else 0.5
    if item.resolution_hours is not None and typical_resolution_h:
        speed = min(1.0, typical_resolution_h / max(item.resolution_hours, 1e-6))
    else:
        speed = 0.5
    simplicity = 0.5 * replies_score + 0.25 * speed + 0.25 * (1 - item.reopen_rate)
    containment = max(0.0, 1 - item.escalation_rate - 0.5 * item.urgent_share)
    coverage = None
    if item.coverage is not None:
        from apps.knowledge.selectors import grounding_threshold

        coverage = min(1.0, item.coverage / max(grounding_threshold(), 1e-6))
    parts = {"volume": volume, "simplicity": simplicity, "containment": containment, "coverage": coverage}
    used = {k: v for k, v in parts.items() if v is not None}
    weight = sum(WEIGHTS[k] for k in used)
    score = 100 * sum(WEIGHTS[k] * v for k, v in used.items()) / weight
    if item.sensitive:
        score *= SENSITIVE_FACTOR
    item.components = {k: None if v is None else round(v, 3) for k, v in parts.items()}
    item.score = round(score, 1)
    item.reasons = _reasons(item, volume=volume, speed=speed, coverage=coverage)


def _reasons(item: CategoryAudit, *, volume: float, speed: float, coverage: float | None) -> list[str]:
    reasons = []
    pct = f"{item.share * 100:.1f}%"
    if item.sensitive:
        reasons.append("human-only topic (sensitive): keep with people")
    if volume >= 0.7:
        reasons.append(f"high volume: {item.tickets} tickets ({pct})")
    elif volume < 0.35:
        reasons.append(f"low volume: {item.tickets} tickets ({pct})")
    else:
        reasons.append(f"medium volume: {item.tickets} tickets ({pct})")
    if item.agent_replies is not None:
        if item.agent_replies <= 1.3:
            reasons.append(f"simple: {item.agent_replies:.1f} agent replies to resolve")
        elif item.agent_replies >= 2:
            reasons.append(f"back-and-forth: {item.agent_replies:.1f} agent replies to resolve")
    if item.resolution_hours is not None and speed < 0.5:
        reasons.append(f"slow to resolve: median {item.resolution_hours:.1f} h")
    elif item.resolution_hours is not None and speed >= 1.0:
        reasons.append(f"quick to resolve: median {item.resolution_hours:.1f} h")
    if item.reopen_rate >= 0.1:
        reasons.append(f"reopened often: {item.reopen_rate * 100:.0f}%")
    if item.escalation_rate >= 0.2:
        reasons.append(f"escalated often: {item.escalation_rate * 100:.0f}%")
    elif item.escalation_rate < 0.05:
        reasons.append(f"rarely escalated: {item.escalation_rate * 100:.0f}%")
    if item.urgent_share >= 0.4:
        reasons.append(f"often urgent: {item.urgent_share * 100:.0f}% high/urgent priority")
    if coverage is None:
        reasons.append("knowledge coverage unknown (no knowledge indexed)")
    elif coverage >= 0.9:
        reasons.append(f"good knowledge coverage: best match {item.coverage:.2f}")
    elif coverage < 0.6:
        reasons.append(f"weak knowledge coverage: best match {item.coverage:.2f}")
    return reasons


def audit_figures_from_stats(*, since: datetime, until: datetime) -> tuple[dict[int | None, CategoryAudit], int]:
    """``audit_figures`` read from the daily figures (``rollup.CategoryDayStats``) of the UTC days covering
    ``[since, until)``: the same definitions, medians from histogram bins. Four small queries whatever the
    number of tickets; the figures are as fresh as the last ``category_stats_refresh``."""
    from .models import CategoryDayStats
    from .rollup import (
        ALL,
        FIRST_RESPONSE_EDGES,
        HANDLE_EDGES,
        RESOLUTION_EDGES,
        csat_mean,
        hist_median,
        slice_where,
        stats_grouped,
    )

    first_day = since.astimezone(UTC).date()
    end = until.astimezone(UTC)
    end_day = end.date() + timedelta(days=0 if end.time() == datetime.min.time() else 1)
    params = {"since_day": first_day, "until_day": end_day, "all": ALL}
    where = "s.day >= %(since_day)s AND s.day < %(until_day)s"
    total_slice, slice_params = slice_where()
    names = {c.pk: c for c in Category.objects.only("id", "slug", "name", "is_sensitive")}
    found: dict[int | None, CategoryAudit] = {}
    totals = stats_grouped(where=where + total_slice, params={**params, **slice_params}, keys=["s.category_id"])
    for (cat_id,), row in totals.items():
        category = names.get(cat_id)
        replies = row.replies_resolved / row.resolved if row.resolved else None
        if replies is None and row.answered:
            replies = row.replies_answered / row.answered
        found[cat_id] = CategoryAudit(
            slug=category.slug if category else "",
            name=category.name if category else "No category",
            tickets=row.tickets,
            resolved=row.resolved,
            agent_replies=replies,
            first_response_minutes=hist_median(row.first_response_hist, FIRST_RESPONSE_EDGES),
            handle_minutes=hist_median(row.handle_hist, HANDLE_EDGES),
            resolution_hours=hist_median(row.resolution_hist, RESOLUTION_EDGES),
            reopen_rate=row.reopened / row.resolved if row.resolved else 0.0,
            escalation_rate=row.escalated / row.tickets if row.tickets else 0.0,
            urgent_share=row.urgent / row.tickets if row.tickets else 0.0,
            csat=_csat_all(row, csat_mean),
            sensitive=bool(category and category.is_sensitive),
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.category_id, s.channel, s.tier, s.segment, sum(s.tickets)
                  FROM {CategoryDayStats._meta.db_table} s
                 WHERE {where}
                   AND (s.channel = %(all)s)::int + (s.tier = %(all)s)::int + (s.segment = %(all)s)::int = 2
                 GROUP BY 1, 2, 3, 4""",
            params,
        )
        for cat_id, channel, tier, segment, n in cursor.fetchall():
            item = found.get(cat_id)
            if item is None:
                continue
            if channel != ALL:
                item.channels[channel] = int(n)
            elif tier != ALL:
                item.tiers[tier or "unknown"] = int(n)
            else:
                item.segments[segment or "unknown"] = int(n)
    total = sum(c.tickets for c in found.values())
    for item in found.values():
        item.share = item.tickets / total if total else 0.0
    return found, total


def _csat_all(row, csat_mean) -> float | None:
    counts = [a + b for a, b in zip(row.csat_ai or [0] * 5, row.csat_human or [0] * 5, strict=False)]
    return csat_mean(counts)[0]


def audit_run(
    *,
    days: int = DEFAULT_DAYS,
    since: datetime | None = None,
    until: datetime | None = None,
    coverage_sample: int = COVERAGE_SAMPLE,
    source: str = "live",
) -> AuditReport:
    """Audit tickets created in ``[since, until)`` — by default the ``days`` days up to ``until`` (default now);
    any range when ``since`` is given: ranked categories, best first.

    Uncategorised tickets are counted in ``uncategorised`` (cluster them with ``clustering.suggestions_build``).
    ``coverage_sample``: tickets per category searched in the knowledge base (0 skips coverage). ``source``:
    ``live`` reads tickets and messages (exact medians, ``percentile_cont``); ``stats`` reads the daily
    figures (whole UTC days, binned medians; milliseconds at any size; refreshed by the schedule).
    Raises ``ValueError`` for another source or an empty range (``since`` not before ``until``); nothing for an
    empty history (an empty ranking).
    """
    import time

    if source not in ("live", "stats"):
        raise ValueError("source must be live or stats")
    until = until or timezone.now()
    since = since or until - timedelta(days=days)
    if since >= until:
        raise ValueError(f"the audit range is empty: {since:%Y-%m-%d %H:%M} is not before {until:%Y-%m-%d %H:%M}")
    started = time.perf_counter()
    reader = audit_figures if source == "live" else audit_figures_from_stats
    found, total = reader(since=since, until=until)
    timings = {"figures": (time.perf_counter() - started) * 1000}
    started = time.perf_counter()
    coverage = knowledge_coverage(since=since, until=until, sample=coverage_sample)
    timings["coverage"] = (time.perf_counter() - started) * 1000
    uncategorised = found.pop(None).tickets if None in found else 0
    for cat_id, (mean, grounded) in coverage.items():
        if cat_id in found:
            found[cat_id].coverage = round(mean, 3)
            found[cat_id].coverage_grounded = round(grounded, 3)
    items = list(found.values())
    largest = max((c.tickets for c in items), default=0)
    resolution = sorted(c.resolution_hours for c in items if c.resolution_hours is not None)
    typical = resolution[len(resolution) // 2] if resolution else None
    for item in items:
        automation_score(item, largest=largest, typical_resolution_h=typical)
    items.sort(key=lambda c: (-c.score, -c.tickets, c.slug))
    for rank, item in enumerate(items, start=1):
        item.rank = rank
    return AuditReport(
        since=since,
        until=until,
        tickets=total,
        categories=items,
        uncategorised=uncategorised,
        timings_ms=timings,
        source=source,
    )
