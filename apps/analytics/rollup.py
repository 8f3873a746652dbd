"""Daily per-category figures (``CategoryDayStats``): computed from tickets in one grouped SQL pass, read back
by the dashboard so its pages answer in milliseconds whatever the number of tickets.

``category_stats_refresh`` recomputes whole UTC days (tickets by their creation day) and replaces their rows in
one transaction. Rows are written per grouping set, ``ALL`` (``"*"``) standing for "every value": per day,
category and control side in total, by channel, by tier, by channel and tier, and by segment — so every read
(``slice_where``) sums only the few rows of its own slice. The schedule refreshes the last 3 days every 10
minutes and the last 120 days nightly (late resolutions, ratings and handoffs land on the ticket's creation
day). Medians come from fixed histograms
(``*_EDGES``): exact to the bin, interpolated inside it. Definitions are the audit's and the metrics' (see
``metrics.py``): *escalated* = a handoff exists or the ticket's status is ``escalated``; *AI-resolved* = a
sent ``resolve`` Decision and not escalated; *AI-handled* = a reply the AI wrote was sent (Decision ``sent``
or a draft approved / edited); drafts and edit sizes (from the ``draft_edit`` training examples, built just
before each scheduled refresh) are counted on their ticket's creation day.

The same refresh writes ``CategoryDayActivity`` for those days: events counted on the day they happened
(Decisions per outcome and sent, drafts per status, tickets resolved) — the overview dashboard's source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from apps.escalation.models import Handoff
from apps.tickets.models import Message, Organization, Ticket
from apps.workflows.models import Category, Decision, Draft

from .control import CONTROL_BUCKET_SQL
from .models import CategoryDayActivity, CategoryDayStats, TrainingExample

FIRST_RESPONSE_EDGES = [
    0,
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    45,
    60,
    90,
    120,
    180,
    240,
    360,
    480,
    720,
    1080,
    1440,
    2160,
    2880,
    4320,
    7200,
    10080,
]  # minutes
RESOLUTION_EDGES = [
    0,
    0.25,
    0.5,
    1,
    1.5,
    2,
    3,
    4,
    6,
    8,
    12,
    16,
    24,
    36,
    48,
    72,
    96,
    120,
    168,
    240,
    336,
    504,
    720,
]  # hours
HANDLE_EDGES = FIRST_RESPONSE_EDGES
RECENT_DAYS = 3
ALL = "*"


def slice_where(*, channel: str = "", tier: str = "", segment: str = "") -> tuple[str, dict]:
    """SQL (alias ``s``) selecting the rows of one slice: a given channel / tier / segment, or all of them."""
    params = {"slice_channel": channel or ALL, "slice_tier": tier or ALL, "slice_segment": segment or ALL}
    return (
        " AND s.channel = %(slice_channel)s AND s.tier = %(slice_tier)s AND s.segment = %(slice_segment)s",
        params,
    )


NIGHTLY_DAYS = 120


def _bins(column: str, edges: list[float]) -> str:
    """``ARRAY[count per bin]`` of ``column`` over ``edges`` (last bin open-ended)."""
    parts = [f"count(*) FILTER (WHERE {column} = {i})" for i in range(1, len(edges) + 1)]
    return "ARRAY[" + ", ".join(parts) + "]::integer[]"


def _bucket(value: str, edges: str) -> str:
    """The histogram bin (1-based) of the SQL expression ``value`` over the SQL array ``edges``; values below the
    first edge fall in bin 1, and a NULL value (never answered, not resolved) in no bin at all (``greatest``
    alone would put NULLs in bin 1: PostgreSQL's ``greatest`` ignores NULL arguments)."""
    return f"CASE WHEN ({value}) IS NOT NULL THEN greatest(width_bucket({value}, {edges}), 1) END"


def _refresh_sql() -> str:
    control = (
        "(c.control_share > 0 AND "
        + CONTROL_BUCKET_SQL.format(slug="c.slug", ticket_id="t.id")
        + " < c.control_share)"
        if any(f.name == "control_share" for f in Category._meta.concrete_fields)
        else "false"
    )
    edges = {
        "fr": "ARRAY[" + ",".join(map(str, FIRST_RESPONSE_EDGES)) + "]::float8[]",
        "rs": "ARRAY[" + ",".join(map(str, RESOLUTION_EDGES)) + "]::float8[]",
        "hd": "ARRAY[" + ",".join(map(str, HANDLE_EDGES)) + "]::float8[]",
    }

    def csat(who: str) -> str:
        counts = ", ".join(f"count(*) FILTER (WHERE {who} AND csat = {v})" for v in range(1, 6))
        return f"ARRAY[{counts}]::integer[]"

    return f"""
    WITH t AS (
        SELECT t.id, t.category_id, t.channel, coalesce(o.tier, '') AS tier, coalesce(o.segment, '') AS segment,
               (t.created_at AT TIME ZONE 'UTC')::date AS day, t.created_at, t.first_response_at, t.resolved_at,
               t.status, t.priority, t.csat, coalesce({control}, false) AS in_control
          FROM {Ticket._meta.db_table} t
          LEFT JOIN {Organization._meta.db_table} o ON o.id = t.organization_id
          LEFT JOIN {Category._meta.db_table} c ON c.id = t.category_id
         WHERE t.created_at >= %(since)s AND t.created_at < %(until)s
    ), m AS (
        SELECT m.ticket_id,
               count(*) FILTER (WHERE m.author_kind = 'agent' AND NOT m.is_internal) AS replies,
               max(m.created_at) FILTER (WHERE m.author_kind = 'agent' AND NOT m.is_internal) AS last_reply,
               max(m.created_at) FILTER (WHERE m.author_kind = 'customer') AS last_customer
          FROM {Message._meta.db_table} m
         WHERE m.ticket_id IN (SELECT id FROM t)
         GROUP BY m.ticket_id
    ), h AS (
        SELECT DISTINCT ticket_id FROM {Handoff._meta.db_table} WHERE ticket_id IN (SELECT id FROM t)
    ), d AS (
        SELECT ticket_id, bool_or(outcome = 'resolve' AND sent) AS resolve_sent, bool_or(sent) AS sent
          FROM {Decision._meta.db_table} WHERE ticket_id IN (SELECT id FROM t) GROUP BY ticket_id
    ), r AS (
        SELECT ticket_id,
               count(*) FILTER (WHERE status IN ('approved', 'edited', 'rejected')) AS reviewed,
               count(*) FILTER (WHERE status = 'approved') AS approved,
               count(*) FILTER (WHERE status = 'edited') AS edited
          FROM {Draft._meta.db_table} WHERE ticket_id IN (SELECT id FROM t) GROUP BY ticket_id
    ), e AS (
        SELECT ticket_id, avg(edit_ratio) AS edit_ratio
          FROM {TrainingExample._meta.db_table}
         WHERE source = 'draft_edit' AND edit_ratio IS NOT NULL AND ticket_id IN (SELECT id FROM t)
         GROUP BY ticket_id
    ), x AS (
        SELECT t.*, coalesce(m.replies, 0) AS replies, e.edit_ratio,
               (h.ticket_id IS NOT NULL OR t.status = 'escalated') AS escalated,
               coalesce(d.resolve_sent, false) AS resolve_sent,
               (coalesce(d.sent, false) OR coalesce(r.approved, 0) + coalesce(r.edited, 0) > 0) AS ai_handled,
               (m.last_customer > t.resolved_at) AS reopened,
               coalesce(r.reviewed, 0) AS reviewed, coalesce(r.approved, 0) AS approved,
               coalesce(r.edited, 0) AS edited,
               {_bucket("extract(epoch FROM t.first_response_at - t.created_at) / 60", edges["fr"])} AS fr_b,
               {_bucket("extract(epoch FROM t.resolved_at - t.created_at) / 3600", edges["rs"])} AS rs_b,
               {_bucket("extract(epoch FROM m.last_reply - t.first_response_at) / 60", edges["hd"])} AS hd_b
          FROM t LEFT JOIN m ON m.ticket_id = t.id LEFT JOIN h ON h.ticket_id = t.id
          LEFT JOIN d ON d.ticket_id = t.id LEFT JOIN r ON r.ticket_id = t.id
          LEFT JOIN e ON e.ticket_id = t.id
    )
    INSERT INTO {CategoryDayStats._meta.db_table} (
        day, category_id, channel, tier, segment, in_control, tickets, resolved, ai_resolved, ai_handled, escalated,
        urgent, reopened, answered, replies_resolved, replies_answered, drafts_reviewed, drafts_approved,
        drafts_edited, edits, edit_ratio_sum, edit_ratio_sq_sum, first_responded, first_response_minutes_sum,
        csat_ai, csat_human,
        first_response_hist, resolution_hist, handle_hist, refreshed_at)
    SELECT day, category_id,
           CASE WHEN GROUPING(channel) = 1 THEN '*' ELSE channel END,
           CASE WHEN GROUPING(tier) = 1 THEN '*' ELSE tier END,
           CASE WHEN GROUPING(segment) = 1 THEN '*' ELSE segment END,
           in_control, count(*),
           count(*) FILTER (WHERE resolved_at IS NOT NULL),
           count(*) FILTER (WHERE resolve_sent AND NOT escalated),
           count(*) FILTER (WHERE ai_handled),
           count(*) FILTER (WHERE escalated),
           count(*) FILTER (WHERE priority IN ('high', 'urgent')),
           count(*) FILTER (WHERE reopened),
           count(*) FILTER (WHERE replies > 0),
           coalesce(sum(replies) FILTER (WHERE resolved_at IS NOT NULL), 0),
           coalesce(sum(replies) FILTER (WHERE replies > 0), 0),
           sum(reviewed), sum(approved), sum(edited),
           count(edit_ratio), coalesce(sum(edit_ratio), 0), coalesce(sum(edit_ratio * edit_ratio), 0),
           count(first_response_at), coalesce(sum(extract(epoch FROM first_response_at - created_at) / 60), 0),
           {csat("ai_handled")}, {csat("NOT ai_handled")},
           {_bins("fr_b", FIRST_RESPONSE_EDGES)}, {_bins("rs_b", RESOLUTION_EDGES)}, {_bins("hd_b", HANDLE_EDGES)},
           %(now)s
      FROM x GROUP BY GROUPING SETS (
          (day, category_id, in_control),
          (day, category_id, in_control, channel),
          (day, category_id, in_control, tier),
          (day, category_id, in_control, channel, tier),
          (day, category_id, in_control, segment))
    """


# A Decision's outcome for counting (alias ``d``): a shadow-mode Decision sends nothing and hands the ticket to
# humans, so it counts as escalated, never as resolved by the AI (selectors.effective_outcome: the same rule)
EFFECTIVE_OUTCOME_SQL = "(CASE WHEN d.rollout_state = 'shadow' THEN 'escalate' ELSE d.outcome END)"


def _activity_sql() -> str:
    """Decisions, drafts and resolutions of ``[since, until)`` per UTC day and category: one grouped pass over
    each table's ``created_at`` / ``resolved_at`` index, summed per day and category."""
    decision, draft, ticket = Decision._meta.db_table, Draft._meta.db_table, Ticket._meta.db_table
    outcomes = ", ".join(
        f"count(*) FILTER (WHERE {EFFECTIVE_OUTCOME_SQL} = '{o}')" for o in ("resolve", "draft", "escalate")
    )
    draft_statuses = ("pending", "approved", "edited", "rejected", "superseded")
    statuses = ", ".join(f"count(*) FILTER (WHERE x.status = '{s}')" for s in draft_statuses)
    columns = [
        "decisions_resolve",
        "decisions_draft",
        "decisions_escalate",
        "decisions_sent",
        "drafts_pending",
        "drafts_approved",
        "drafts_edited",
        "drafts_rejected",
        "drafts_superseded",
        "resolved",
    ]
    return f"""
    INSERT INTO {CategoryDayActivity._meta.db_table} (day, category_id, {", ".join(columns)}, refreshed_at)
    SELECT day, category_id, {", ".join(f"sum({c})" for c in columns)}, %(now)s
      FROM (
        SELECT (d.created_at AT TIME ZONE 'UTC')::date, d.category_id, {outcomes}, count(*) FILTER (WHERE d.sent),
               0, 0, 0, 0, 0, 0
          FROM {decision} d WHERE d.created_at >= %(since)s AND d.created_at < %(until)s
         GROUP BY 1, 2
        UNION ALL
        SELECT (x.created_at AT TIME ZONE 'UTC')::date, d.category_id, 0, 0, 0, 0, {statuses}, 0
          FROM {draft} x LEFT JOIN {decision} d ON d.id = x.decision_id
         WHERE x.created_at >= %(since)s AND x.created_at < %(until)s
         GROUP BY 1, 2
        UNION ALL
        SELECT (t.resolved_at AT TIME ZONE 'UTC')::date, t.category_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, count(*)
          FROM {ticket} t WHERE t.resolved_at >= %(since)s AND t.resolved_at < %(until)s
         GROUP BY 1, 2
      ) e(day, category_id, {", ".join(columns)})
     GROUP BY day, category_id
    """


@transaction.atomic
def category_stats_refresh(*, since: date, until: date) -> int:
    """Recompute the daily figures of the UTC days ``[since, until)`` and replace their rows:
    ``CategoryDayStats`` (tickets by creation day: one grouped query reading tickets, messages, organisations,
    handoffs, Decisions and drafts of those days) and ``CategoryDayActivity`` (Decisions, drafts and resolutions
    by the day they happened). Returns the number of ``CategoryDayStats`` rows written."""
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    end = datetime(until.year, until.month, until.day, tzinfo=UTC)
    params = {"since": start, "until": end, "now": timezone.now()}
    CategoryDayStats.objects.filter(day__gte=since, day__lt=until).delete()
    CategoryDayActivity.objects.filter(day__gte=since, day__lt=until).delete()
    with connection.cursor() as cursor:
        cursor.execute(_refresh_sql(), params)
        written = cursor.rowcount
        cursor.execute(_activity_sql(), params)
    return written


def category_stats_refresh_recent(*, days: int = RECENT_DAYS) -> int:
    """Refresh the last ``days`` UTC days up to and including today."""
    today = timezone.now().astimezone(UTC).date()
    return category_stats_refresh(since=today - timedelta(days=days - 1), until=today + timedelta(days=1))


def stats_refreshed_at() -> datetime | None:
    """When the newest daily figures were computed (``None`` before the first refresh)."""
    return CategoryDayStats.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first()


# --- reading histograms --------------------------------------------------------------------------------------


def hist_median(counts, edges: list[float]) -> float | None:
    """The median of values binned by ``edges`` (bin i = [edges[i], edges[i+1]), the last open-ended), linearly
    interpolated inside its bin; ``None`` for an empty histogram."""
    counts = [int(c or 0) for c in counts or []]
    total = sum(counts)
    if not total:
        return None
    half, seen = total / 2, 0
    for i, n in enumerate(counts):
        if n and seen + n >= half:
            low = edges[i]
            if i + 1 >= len(edges):
                return float(low)
            return float(low + (edges[i + 1] - low) * (half - seen) / n)
        seen += n
    return float(edges[len(counts) - 1])


def hist_sample(counts, edges: list[float], *, limit: int = 1000, seed: int = 0) -> list[float]:
    """Values standing for the histogram (each bin's midpoint, repeated by its count; the open last bin at its
    lower edge), subsampled to ``limit`` without replacement (seeded) for rank tests."""
    counts = np.asarray([int(c or 0) for c in counts or []], dtype=np.int64)
    if not counts.sum():
        return []
    mids = [(edges[i] + edges[i + 1]) / 2 if i + 1 < len(edges) else edges[i] for i in range(len(counts))]
    values = np.repeat(np.asarray(mids, dtype=float), counts)
    if len(values) > limit:
        values = np.random.default_rng(seed).choice(values, size=limit, replace=False)
    return values.tolist()


def csat_sample(counts, *, limit: int = 1000, seed: int = 0) -> list[float]:
    """Ratings 1–5 from their counts (index 0 = CSAT 1), subsampled like ``hist_sample``."""
    return hist_sample(counts, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], limit=limit, seed=seed)


def csat_mean(counts) -> tuple[float | None, int]:
    """``(mean rating, number of ratings)`` from counts per rating 1–5."""
    counts = [int(c or 0) for c in counts or []]
    n = sum(counts)
    return (sum((i + 1) * c for i, c in enumerate(counts)) / n if n else None), n


@dataclass
class StatsRow:
    """Summed figures of a group of ``CategoryDayStats`` rows (histograms summed bin by bin)."""

    tickets: int = 0
    resolved: int = 0
    ai_resolved: int = 0
    ai_handled: int = 0
    escalated: int = 0
    urgent: int = 0
    reopened: int = 0
    answered: int = 0
    replies_resolved: int = 0
    replies_answered: int = 0
    drafts_reviewed: int = 0
    drafts_approved: int = 0
    drafts_edited: int = 0
    edits: int = 0
    edit_ratio_sum: float = 0.0
    edit_ratio_sq_sum: float = 0.0
    first_responded: int = 0
    first_response_minutes_sum: float = 0.0
    csat_ai: list | None = None
    csat_human: list | None = None
    first_response_hist: list | None = None
    resolution_hist: list | None = None
    handle_hist: list | None = None


SCALARS = [f for f in StatsRow.__dataclass_fields__ if not f.endswith(("_hist", "csat_ai", "csat_human"))]
ARRAYS = ["csat_ai", "csat_human", "first_response_hist", "resolution_hist", "handle_hist"]


def _number(name: str, value) -> int | float:
    return float(value or 0) if name.endswith("_sum") else int(value or 0)


def stats_grouped(*, where: str, params: dict, keys: list[str], join: str = "") -> dict[tuple, StatsRow]:
    """Sum ``CategoryDayStats`` rows matching ``where`` (SQL over alias ``s``, plus ``join``) per ``keys`` (SQL
    expressions): scalars in one grouped query, arrays bin by bin (``unnest … WITH ORDINALITY``) in another."""
    table = CategoryDayStats._meta.db_table
    key_sql = ", ".join(keys)
    sums = ", ".join(f"sum(s.{f})" for f in SCALARS)
    out: dict[tuple, StatsRow] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key_sql}, {sums} FROM {table} s {join} WHERE {where} GROUP BY {key_sql}", params)
        for row in cursor.fetchall():
            key, values = tuple(row[: len(keys)]), row[len(keys) :]
            out[key] = StatsRow(**{f: _number(f, v) for f, v in zip(SCALARS, values, strict=True)})
        keys_as = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
        keys_out = ", ".join(f"f.k{i}" for i in range(len(keys)))
        arrays = ", ".join(f"s.{a}" for a in ARRAYS)
        # filter first (a materialised CTE), then unnest only the rows of the slice
        cursor.execute(
            f"""WITH f AS MATERIALIZED (SELECT {keys_as}, {arrays} FROM {table} s {join} WHERE {where})
                SELECT {keys_out}, u.idx, {", ".join(f"sum(u.{a})" for a in ARRAYS)}
                  FROM f CROSS JOIN LATERAL unnest({", ".join(f"f.{a}" for a in ARRAYS)})
                       WITH ORDINALITY AS u({", ".join(ARRAYS)}, idx)
                 GROUP BY {keys_out}, u.idx""",
            params,
        )
        for row in cursor.fetchall():
            key, idx, values = tuple(row[: len(keys)]), row[len(keys)], row[len(keys) + 1 :]
            item = out.setdefault(key, StatsRow())
            for name, value in zip(ARRAYS, values, strict=True):
                current = getattr(item, name) or []
                if value is not None:
                    current = current + [0] * (idx - len(current))
                    current[idx - 1] = int(value)
                setattr(item, name, current)
    return out
