"""Per-category metrics for a period against the category's baseline before its rollout, with significance.

Figures per category (tickets created in the period, optionally one channel and one customer tier):

- *AI resolution rate*: tickets with a Decision ``resolve`` that was sent and no handoff;
- *escalation rate*: tickets with a handoff;
- *draft approval rate*: reviewed drafts sent as written (approved / approved + edited + rejected), and the
  *edit size* of edited drafts (``1 - difflib ratio`` of ``Draft.body`` vs ``sent_body``, 0–1);
- *CSAT* of AI-handled tickets (a reply the AI wrote was sent: Decision ``sent`` or draft approved / edited)
  vs human-handled ones;
- *median first response* (minutes) and *median resolution time* (hours), ``percentile_cont``.

The **baseline** is the period of the same length ending at ``Category.rollout_started_at`` (the engine's
field; before it exists, or when empty, the category's first Decision); when the rollout started inside the
period, the current figures count from the rollout on. Rates are compared with a chi-square
test on the 2×2 table (the two-proportion z-test squared; ``scipy.stats.chi2_contingency``), times and CSAT with
``scipy.stats.mannwhitneyu``; significant at ``ALPHA``. The **control group** (``control.in_control_group``,
computed in SQL with the same hash) compares AI-eligible tickets with the held-out ones of the same category
and period.

Every figure comes from a few grouped queries over all categories at once (``tickets_ticket``,
``workflows_decision``, ``workflows_draft``, ``escalation_handoff``, ``tickets_organization``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from django.db import connection
from django.db.models import Min
from scipy.stats import chi2_contingency, mannwhitneyu

from apps.escalation.models import Handoff
from apps.tickets.models import Organization, Ticket
from apps.workflows.models import Category, Decision, Draft

from .control import CONTROL_BUCKET_SQL

ALPHA = 0.05
SAMPLE_PER_GROUP = 2000
EDIT_SAMPLE = 300


@dataclass
class Figures:
    """One category in one period (or group). Rates 0–1, ``None`` without a denominator."""

    tickets: int = 0
    ai_resolved: int = 0
    escalated: int = 0
    ai_handled: int = 0
    drafts_reviewed: int = 0
    drafts_approved: int = 0
    drafts_edited: int = 0
    edit_size: float | None = None
    csat_ai: float | None = None
    csat_ai_n: int = 0
    csat_human: float | None = None
    csat_human_n: int = 0
    first_response_minutes: float | None = None
    resolution_hours: float | None = None

    @property
    def ai_resolution_rate(self) -> float | None:
        return self.ai_resolved / self.tickets if self.tickets else None

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.tickets if self.tickets else None

    @property
    def draft_approval_rate(self) -> float | None:
        return self.drafts_approved / self.drafts_reviewed if self.drafts_reviewed else None

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "ai_resolution_rate": self.ai_resolution_rate,
            "escalation_rate": self.escalation_rate,
            "draft_approval_rate": self.draft_approval_rate,
        }


@dataclass
class Comparison:
    """A metric now vs its baseline: ``difference`` = current − baseline; ``test`` names the scipy test."""

    metric: str
    current: float | None
    baseline: float | None
    difference: float | None
    p_value: float | None
    significant: bool
    test: str


@dataclass
class CategoryMetrics:
    slug: str
    name: str
    baseline_since: datetime | None
    baseline_until: datetime | None
    baseline_source: str  # rollout | first_decision | none
    current: Figures
    baseline: Figures
    comparisons: list[Comparison] = field(default_factory=list)
    control_share: float = 0.0
    ai_group: Figures | None = None
    control_group: Figures | None = None
    control_comparisons: list[Comparison] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "baseline_since": self.baseline_since,
            "baseline_until": self.baseline_until,
            "baseline_source": self.baseline_source,
            "current": self.current.as_dict(),
            "baseline": self.baseline.as_dict(),
            "comparisons": [asdict(c) for c in self.comparisons],
            "control_share": self.control_share,
            "ai_group": self.ai_group.as_dict() if self.ai_group else None,
            "control_group": self.control_group.as_dict() if self.control_group else None,
            "control_comparisons": [asdict(c) for c in self.control_comparisons],
        }


def proportion_test(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value that ``x1/n1`` and ``x2/n2`` differ (chi-square on the 2×2 table, no continuity
    correction: identical to the two-proportion z-test). ``None`` when a group is empty or nothing varies."""
    if not n1 or not n2:
        return None
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    if (x1 + x2) in (0, n1 + n2):
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)


def rank_test(a: list[float], b: list[float]) -> float | None:
    """Two-sided Mann–Whitney U p-value for samples ``a`` and ``b``; ``None`` when either is empty."""
    if not a or not b:
        return None
    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def _compare(metric: str, current, baseline, p_value: float | None, test: str) -> Comparison:
    difference = None if current is None or baseline is None else current - baseline
    return Comparison(
        metric=metric,
        current=current,
        baseline=baseline,
        difference=difference,
        p_value=p_value,
        significant=p_value is not None and p_value < ALPHA,
        test=test,
    )


def rollout_starts(categories: list[Category]) -> dict[int, tuple[datetime | None, str]]:
    """Per category id: ``(rollout start, source)`` — ``Category.rollout_started_at`` when set, else the first
    Decision of the category (one grouped query), else ``(None, "none")``."""
    first = dict(
        Decision.objects.filter(category__in=categories)
        .values("category_id")
        .annotate(first=Min("created_at"))
        .values_list("category_id", "first")
    )
    starts = {}
    for category in categories:
        started = getattr(category, "rollout_started_at", None)
        if started:
            starts[category.pk] = (started, "rollout")
        elif first.get(category.pk):
            starts[category.pk] = (first[category.pk], "first_decision")
        else:
            starts[category.pk] = (None, "none")
    return starts


def _filters(channel: str, tier: str) -> tuple[str, dict]:
    sql, params = "", {}
    if channel:
        sql += " AND t.channel = %(channel)s"
        params["channel"] = channel
    if tier:
        sql += f" AND t.organization_id IN (SELECT id FROM {Organization._meta.db_table} WHERE tier = %(tier)s)"
        params["tier"] = tier
    return sql, params


def _groups_sql(filters: str) -> str:
    """Tickets of the current period and of each category's baseline window, labelled with the group
    (``current`` / ``baseline``) and whether the ticket is in the control group."""
    bucket = CONTROL_BUCKET_SQL.format(slug="w.slug", ticket_id="t.id")
    return f"""
    SELECT t.*, w.slug AS slug,
           CASE WHEN t.created_at >= w.c_since AND t.created_at < %(until)s THEN 'current' ELSE 'baseline' END AS grp,
           (w.share > 0 AND {bucket} < w.share) AS in_control,
           EXISTS (SELECT 1 FROM {Handoff._meta.db_table} h WHERE h.ticket_id = t.id) AS escalated,
           EXISTS (SELECT 1 FROM {Decision._meta.db_table} d WHERE d.ticket_id = t.id AND d.outcome = 'resolve'
                   AND d.sent) AS ai_resolve_sent,
           (EXISTS (SELECT 1 FROM {Decision._meta.db_table} d WHERE d.ticket_id = t.id AND d.sent)
            OR EXISTS (SELECT 1 FROM {Draft._meta.db_table} r WHERE r.ticket_id = t.id
                       AND r.status IN ('approved', 'edited'))) AS ai_handled
      FROM {Ticket._meta.db_table} t
      JOIN unnest(%(ids)s::bigint[], %(slugs)s::text[], %(shares)s::float8[], %(c_since)s::timestamptz[],
                  %(b_since)s::timestamptz[], %(b_until)s::timestamptz[])
           AS w(id, slug, share, c_since, b_since, b_until) ON w.id = t.category_id
     WHERE ((t.created_at >= w.c_since AND t.created_at < %(until)s)
            OR (t.created_at >= w.b_since AND t.created_at < w.b_until)) {filters}
    """


def _figures_query(groups: str) -> str:
    return f"""
    WITH g AS ({groups})
    SELECT category_id, grp, in_control, count(*),
           count(*) FILTER (WHERE ai_resolve_sent AND NOT escalated),
           count(*) FILTER (WHERE escalated),
           count(*) FILTER (WHERE ai_handled),
           avg(csat) FILTER (WHERE ai_handled), count(csat) FILTER (WHERE ai_handled),
           avg(csat) FILTER (WHERE NOT ai_handled), count(csat) FILTER (WHERE NOT ai_handled),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - created_at)) / 60,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at)) / 3600
      FROM g GROUP BY GROUPING SETS ((category_id, grp), (category_id, grp, in_control))
    """


def _samples_query(groups: str) -> str:
    return f"""
    WITH g AS ({groups}), s AS (
        SELECT category_id, grp, ai_handled, csat,
               extract(epoch FROM first_response_at - created_at) / 60 AS fr,
               extract(epoch FROM resolved_at - created_at) / 3600 AS rs,
               row_number() OVER (PARTITION BY category_id, grp ORDER BY id DESC) AS n
          FROM g WHERE NOT in_control
    )
    SELECT category_id, grp, ai_handled, csat, fr, rs FROM s WHERE n <= %(sample)s
    """


def _drafts_query(filters: str) -> str:
    return f"""
    SELECT d.category_id,
           CASE WHEN r.created_at >= w.c_since AND r.created_at < %(until)s THEN 'current' ELSE 'baseline' END,
           r.status, r.body, r.sent_body
      FROM {Draft._meta.db_table} r
      JOIN {Decision._meta.db_table} d ON d.id = r.decision_id
      JOIN {Ticket._meta.db_table} t ON t.id = r.ticket_id
      JOIN unnest(%(ids)s::bigint[], %(c_since)s::timestamptz[], %(b_since)s::timestamptz[],
                  %(b_until)s::timestamptz[]) AS w(id, c_since, b_since, b_until) ON w.id = d.category_id
     WHERE r.status IN ('approved', 'edited', 'rejected')
       AND ((r.created_at >= w.c_since AND r.created_at < %(until)s)
            OR (r.created_at >= w.b_since AND r.created_at < w.b_until)) {filters}
    """


def category_metrics(
    *,
    since: datetime,
    until: datetime,
    channel: str = "",
    tier: str = "",
    slugs: list[str] | None = None,
    with_baseline: bool = True,
) -> list[CategoryMetrics]:
    """Metrics of every category (or those in ``slugs``) for tickets created in ``[since, until)``, against
    each category's baseline window ``[start - (until - since), start)``; ``channel`` / ``tier`` narrow the
    tickets. Four queries whatever the number of categories. Most tickets first. ``with_baseline=False``:
    the whole period counts as current and no baseline is read (monthly reviews)."""
    categories = list(Category.objects.all() if slugs is None else Category.objects.filter(slug__in=slugs))
    if not categories:
        return []
    length = until - since
    starts = rollout_starts(categories)
    windows, current_since = {}, {}
    for c in categories:
        start, _ = starts[c.pk] if with_baseline else (None, "none")
        # baseline: the same length before the rollout; current: the period, from the rollout on
        windows[c.pk] = (start - length, start) if start else (since, since)  # empty without a rollout
        current_since[c.pk] = max(since, start) if start else since
    filters, params = _filters(channel, tier)
    params.update(
        since=since,
        until=until,
        ids=[c.pk for c in categories],
        slugs=[c.slug for c in categories],
        shares=[float(getattr(c, "control_share", 0) or 0) for c in categories],
        c_since=[current_since[c.pk] for c in categories],
        b_since=[windows[c.pk][0] for c in categories],
        b_until=[windows[c.pk][1] for c in categories],
        sample=SAMPLE_PER_GROUP,
    )
    groups = _groups_sql(filters)
    figures: dict[tuple, Figures] = {}
    samples: dict[tuple, dict[str, list[float]]] = {}
    drafts: dict[tuple, list[tuple[str, str, str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_figures_query(groups), params)
        for row in cursor.fetchall():
            cat_id, grp, in_control, n, resolved, escalated, handled, csat_ai, n_ai, csat_h, n_h, fr, rs = row
            figures[(cat_id, grp, in_control)] = Figures(
                tickets=n,
                ai_resolved=resolved,
                escalated=escalated,
                ai_handled=handled,
                csat_ai=_f(csat_ai),
                csat_ai_n=n_ai,
                csat_human=_f(csat_h),
                csat_human_n=n_h,
                first_response_minutes=_f(fr),
                resolution_hours=_f(rs),
            )
        cursor.execute(_samples_query(groups), params)
        for cat_id, grp, handled, csat, fr, rs in cursor.fetchall():
            bucket = samples.setdefault((cat_id, grp), {"fr": [], "rs": [], "csat_ai": [], "csat_human": []})
            if fr is not None:
                bucket["fr"].append(float(fr))
            if rs is not None:
                bucket["rs"].append(float(rs))
            if csat is not None:
                bucket["csat_ai" if handled else "csat_human"].append(float(csat))
        cursor.execute(_drafts_query(filters), params)
        for cat_id, grp, status, body, sent_body in cursor.fetchall():
            drafts.setdefault((cat_id, grp), []).append((status, body, sent_body))
    for (cat_id, grp), rows in drafts.items():
        target = figures.setdefault((cat_id, grp, None), Figures())
        target.drafts_reviewed = len(rows)
        target.drafts_approved = sum(1 for s, *_ in rows if s == "approved")
        target.drafts_edited = sum(1 for s, *_ in rows if s == "edited")
        edits = [1 - SequenceMatcher(None, b, a, autojunk=False).ratio() for s, b, a in rows if s == "edited"]
        edits = edits[:EDIT_SAMPLE]
        target.edit_size = sum(edits) / len(edits) if edits else None
    out = []
    for c in categories:
        current = figures.get((c.pk, "current", None), Figures())
        baseline = figures.get((c.pk, "baseline", None), Figures())
        start, source = starts[c.pk] if with_baseline else (None, "none")
        item = CategoryMetrics(
            slug=c.slug,
            name=c.name,
            baseline_since=windows[c.pk][0] if start else None,
            baseline_until=windows[c.pk][1] if start else None,
            baseline_source=source,
            current=current,
            baseline=baseline,
            control_share=float(getattr(c, "control_share", 0) or 0),
        )
        cur_s = samples.get((c.pk, "current"), {})
        base_s = samples.get((c.pk, "baseline"), {})
        item.comparisons = _comparisons(current, baseline, cur_s, base_s)
        if item.control_share > 0:
            item.ai_group = figures.get((c.pk, "current", False), Figures())
            item.control_group = figures.get((c.pk, "current", True), Figures())
            item.control_comparisons = [
                _rate("escalation_rate", item.ai_group, item.control_group, "escalated"),
                _compare(
                    "resolution_hours",
                    item.ai_group.resolution_hours,
                    item.control_group.resolution_hours,
                    None,
                    "medians (no test on the control split)",
                ),
            ]
        out.append(item)
    out.sort(key=lambda m: (-m.current.tickets, m.name))
    return out


def _rate(metric: str, a: Figures, b: Figures, count: str, total: str = "tickets") -> Comparison:
    x1, n1, x2, n2 = getattr(a, count), getattr(a, total), getattr(b, count), getattr(b, total)
    return _compare(metric, getattr(a, metric), getattr(b, metric), proportion_test(x1, n1, x2, n2), "chi2 2x2")


def _comparisons(current: Figures, baseline: Figures, cur_s: dict, base_s: dict) -> list[Comparison]:
    return [
        _rate("ai_resolution_rate", current, baseline, "ai_resolved"),
        _rate("escalation_rate", current, baseline, "escalated"),
        _rate("draft_approval_rate", current, baseline, "drafts_approved", "drafts_reviewed"),
        _compare("edit_size", current.edit_size, baseline.edit_size, None, "mean (descriptive)"),
        _compare(
            "csat_ai_vs_human",
            current.csat_ai,
            current.csat_human,
            rank_test(cur_s.get("csat_ai", []), cur_s.get("csat_human", [])),
            "Mann-Whitney U (AI-handled vs human-handled, current period)",
        ),
        _compare(
            "csat_human",
            current.csat_human,
            baseline.csat_human,
            rank_test(cur_s.get("csat_human", []), base_s.get("csat_human", [])),
            "Mann-Whitney U",
        ),
        _compare(
            "first_response_minutes",
            current.first_response_minutes,
            baseline.first_response_minutes,
            rank_test(cur_s.get("fr", []), base_s.get("fr", [])),
            "Mann-Whitney U",
        ),
        _compare(
            "resolution_hours",
            current.resolution_hours,
            baseline.resolution_hours,
            rank_test(cur_s.get("rs", []), base_s.get("rs", [])),
            "Mann-Whitney U",
        ),
    ]


def _f(value) -> float | None:
    return None if value is None else float(value)


def metrics_over_time(
    *, since: datetime, until: datetime, channel: str = "", tier: str = "", bucket: str = "week"
) -> dict[str, list[dict]]:
    """Per category slug, one point per ``bucket`` (``day`` or ``week``): tickets, AI resolution and
    escalation rates, median first response (min). One grouped query."""
    if bucket not in ("day", "week"):
        raise ValueError("bucket must be day or week")
    filters, params = _filters(channel, tier)
    params.update(since=since, until=until)
    sql = f"""
    SELECT c.slug, date_trunc('{bucket}', t.created_at) AS b, count(*),
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {Decision._meta.db_table} d WHERE d.ticket_id = t.id
                                          AND d.outcome = 'resolve' AND d.sent)
                            AND NOT EXISTS (SELECT 1 FROM {Handoff._meta.db_table} h WHERE h.ticket_id = t.id)),
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {Handoff._meta.db_table} h WHERE h.ticket_id = t.id)),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.first_response_at - t.created_at)) / 60
      FROM {Ticket._meta.db_table} t JOIN {Category._meta.db_table} c ON c.id = t.category_id
     WHERE t.created_at >= %(since)s AND t.created_at < %(until)s {filters}
     GROUP BY c.slug, b ORDER BY c.slug, b
    """
    series: dict[str, list[dict]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for slug, b, n, resolved, escalated, fr in cursor.fetchall():
            series.setdefault(slug, []).append(
                {
                    "bucket": b.date().isoformat(),
                    "tickets": n,
                    "ai_resolution_rate": resolved / n,
                    "escalation_rate": escalated / n,
                    "first_response_minutes": _f(fr),
                }
            )
    return series


def period_bounds(days: int, *, now: datetime) -> tuple[datetime, datetime]:
    """The last ``days`` UTC days including today: ``[midnight - days + 1, tomorrow's midnight)``."""
    until = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return until - timedelta(days=days), until
