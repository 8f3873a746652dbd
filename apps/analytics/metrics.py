"""Per-category metrics for a period against the category's baseline before its rollout, with significance.

Figures per category (tickets created in the period, optionally one channel and one customer tier):

- *AI resolution rate*: tickets with a Decision ``resolve`` that was sent and not escalated;
- *escalation rate*: tickets with a handoff (or status ``escalated``);
- *draft approval rate*: reviewed drafts sent as written (approved / approved + edited + rejected), and the
  *edit size* of edited drafts (``1 - difflib ratio`` of ``Draft.body`` vs ``sent_body``, 0–1, kept on the
  ``draft_edit`` training examples and summed into the daily figures);
- *CSAT* of AI-handled tickets (a reply the AI wrote was sent: Decision ``sent`` or draft approved / edited)
  vs human-handled ones, and of all rated tickets against the baseline;
- *median first response* (minutes) and *median resolution time* (hours), from histogram bins.

The **baseline** is the period of the same length ending at ``Category.rollout_started_at`` (the engine's
field; before it exists, or when empty, the category's first Decision); when the rollout started inside the
period, the current figures count from the rollout on. Rates are compared with a chi-square
test on the 2×2 table (the two-proportion z-test squared; ``scipy.stats.chi2_contingency``), times and CSAT with
``scipy.stats.mannwhitneyu`` (on up to 1,000 values drawn from the bins, seeded), edit sizes with Welch's t-test
from their counts, sums and sums of squares (``scipy.stats.ttest_ind_from_stats``); significant at ``ALPHA``.
The **control group** (``control.in_control_group``,
computed in SQL with the same hash) compares AI-eligible tickets with the held-out ones of the same category
and period.

Figures are read from the daily figures (``rollup.CategoryDayStats``, whole UTC days, refreshed on a
schedule) in a few small grouped queries for all categories at once, so the dashboard answers in
milliseconds at millions of tickets.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Min
from scipy.stats import chi2_contingency, mannwhitneyu, ttest_ind_from_stats

from apps.workflows.models import Category, Decision

from .rollup import (
    ARRAYS,
    FIRST_RESPONSE_EDGES,
    RESOLUTION_EDGES,
    SCALARS,
    StatsRow,
    csat_mean,
    csat_sample,
    hist_median,
    hist_sample,
    slice_where,
    stats_grouped,
)

ALPHA = 0.05


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
    edits: int = 0
    csat: float | None = None
    csat_n: int = 0
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

    @property
    def label(self) -> str:
        """The metric's name for people (``METRIC_LABELS``), e.g. ``"First response (min)"``."""
        return METRIC_LABELS.get(self.metric, self.metric.replace("_", " ").capitalize())


METRIC_LABELS = {
    "ai_resolution_rate": "AI resolution rate",
    "escalation_rate": "Escalation rate",
    "draft_approval_rate": "Drafts approved as is",
    "edit_size": "Edit size",
    "csat": "CSAT",
    "csat_ai_vs_human": "CSAT AI vs human",
    "csat_human": "CSAT human-handled",
    "first_response_minutes": "First response (min)",
    "resolution_hours": "Resolution (h)",
}


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
    # first UTC day counted as current (the period's first day, or the rollout day when it started inside it);
    # the baseline is ``[baseline_since, baseline_until)`` with ``baseline_until <= current_since``: no overlap
    current_since: date | None = None
    started_at: datetime | None = None  # the rollout start (or first AI decision) the baseline ends at

    @property
    def baseline_last_day(self) -> date | None:
        """The baseline's inclusive last day (``baseline_until`` is exclusive)."""
        return self.baseline_until - timedelta(days=1) if self.baseline_until else None

    @property
    def baseline_description(self) -> str:
        """The baseline in a sentence, e.g. "before the first AI decision on Dec 1, 2026"."""
        if self.baseline_source == "none" or self.started_at is None:
            return "no baseline: no rollout or AI decision yet"
        when = f"{self.started_at.astimezone(UTC):%b} {self.started_at.astimezone(UTC).day}, {self.started_at.year}"
        if self.baseline_source == "rollout":
            return f"before the rollout on {when}"
        return f"before the first AI decision on {when}"

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "name": self.name,
            "baseline_since": self.baseline_since,
            "baseline_until": self.baseline_until,
            "baseline_source": self.baseline_source,
            "current_since": self.current_since,
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


def mean_test(n1: int, sum1: float, sq1: float, n2: int, sum2: float, sq2: float) -> float | None:
    """Two-sided Welch t-test p-value that two samples' means differ, from each sample's size, sum and sum of
    squares (what the daily figures keep). ``None`` with fewer than two values on a side; 1.0 when neither
    varies and the means are equal; ``None`` when neither varies but the means differ (no variance to test)."""
    if n1 < 2 or n2 < 2:
        return None
    mean1, mean2 = sum1 / n1, sum2 / n2
    var1 = max(0.0, (sq1 - n1 * mean1 * mean1) / (n1 - 1))
    var2 = max(0.0, (sq2 - n2 * mean2 * mean2) / (n2 - 1))
    if var1 + var2 <= 1e-15:
        return 1.0 if math.isclose(mean1, mean2, abs_tol=1e-12) else None
    p = ttest_ind_from_stats(mean1, math.sqrt(var1), n1, mean2, math.sqrt(var2), n2, equal_var=False).pvalue
    return float(p) if math.isfinite(p) else None


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
    missing = [c for c in categories if not getattr(c, "rollout_started_at", None)]
    first = dict(
        Decision.objects.filter(category__in=missing)
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


def _day(value: datetime, *, ceil: bool = False) -> date:
    """The UTC date of ``value``; with ``ceil``, the next date unless ``value`` is midnight."""
    utc = value.astimezone(UTC)
    day = utc.date()
    if ceil and (utc.hour, utc.minute, utc.second, utc.microsecond) != (0, 0, 0, 0):
        day += timedelta(days=1)
    return day


def _filters(channel: str, tier: str) -> tuple[str, dict]:
    """The daily figures' slice for ``channel`` / ``tier`` (all of either when empty)."""
    return slice_where(channel=channel, tier=tier)


def _figures(row: StatsRow | None) -> Figures:
    if row is None:
        return Figures()
    csat_ai, n_ai = csat_mean(row.csat_ai)
    csat_human, n_human = csat_mean(row.csat_human)
    csat_all, n_all = csat_mean(_csat_all(row))
    return Figures(
        tickets=row.tickets,
        ai_resolved=row.ai_resolved,
        escalated=row.escalated,
        ai_handled=row.ai_handled,
        drafts_reviewed=row.drafts_reviewed,
        drafts_approved=row.drafts_approved,
        drafts_edited=row.drafts_edited,
        edit_size=row.edit_ratio_sum / row.edits if row.edits else None,
        edits=row.edits,
        csat=csat_all,
        csat_n=n_all,
        csat_ai=csat_ai,
        csat_ai_n=n_ai,
        csat_human=csat_human,
        csat_human_n=n_human,
        first_response_minutes=hist_median(row.first_response_hist, FIRST_RESPONSE_EDGES),
        resolution_hours=hist_median(row.resolution_hist, RESOLUTION_EDGES),
    )


def _csat_all(row: StatsRow) -> list[int]:
    """Ratings 1–5 of AI-handled and human-handled tickets together."""
    ai, human = row.csat_ai or [], row.csat_human or []
    return [
        (ai[i] if i < len(ai) else 0) + (human[i] if i < len(human) else 0) for i in range(max(len(ai), len(human)))
    ]


def _combine(rows: list[StatsRow]) -> StatsRow | None:
    rows = [r for r in rows if r is not None]
    if not rows:
        return None
    total = StatsRow()
    for row in rows:
        for f in SCALARS:
            setattr(total, f, getattr(total, f) + getattr(row, f))
        for f in ARRAYS:
            a, b = getattr(total, f) or [], getattr(row, f) or []
            size = max(len(a), len(b))
            setattr(total, f, [(a[i] if i < len(a) else 0) + (b[i] if i < len(b) else 0) for i in range(size)])
    return total


def category_metrics(
    *,
    since: datetime,
    until: datetime,
    channel: str = "",
    tier: str = "",
    slugs: list[str] | None = None,
    with_baseline: bool = True,
) -> list[CategoryMetrics]:
    """Metrics of every category (or those in ``slugs``) for tickets created in the UTC days covering
    ``[since, until)``, against each category's baseline window (the same number of days before its rollout
    day); ``channel`` / ``tier`` narrow the tickets. Reads the daily figures (``rollup.CategoryDayStats``:
    refresh them first) in three small queries plus one over edited drafts, whatever the number of tickets.
    Most tickets first. ``with_baseline=False``: the whole period counts as current and no baseline is read
    (monthly reviews)."""
    categories = list(Category.objects.all() if slugs is None else Category.objects.filter(slug__in=slugs))
    if not categories:
        return []
    first_day, end_day = _day(since), _day(until, ceil=True)
    length = end_day - first_day
    starts = rollout_starts(categories) if with_baseline else {c.pk: (None, "none") for c in categories}
    c_since, b_since, b_until = {}, {}, {}
    for c in categories:
        start, _ = starts[c.pk]
        start_day = _day(start) if start else None
        c_since[c.pk] = max(first_day, start_day) if start_day else first_day
        b_since[c.pk] = start_day - length if start_day else first_day
        b_until[c.pk] = start_day if start_day else first_day  # empty without a rollout
    filters, params = _filters(channel, tier)
    ids = [c.pk for c in categories]
    params.update(
        ids=ids,
        c_since=[c_since[i] for i in ids],
        b_since=[b_since[i] for i in ids],
        b_until=[b_until[i] for i in ids],
        until_day=end_day,
    )
    join = (
        "JOIN unnest(%(ids)s::bigint[], %(c_since)s::date[], %(b_since)s::date[], %(b_until)s::date[]) "
        "AS w(id, c_since, b_since, b_until) ON w.id = s.category_id"
    )
    where = "((s.day >= w.c_since AND s.day < %(until_day)s) OR (s.day >= w.b_since AND s.day < w.b_until))" + filters
    grp = "CASE WHEN s.day >= w.c_since AND s.day < %(until_day)s THEN 'current' ELSE 'baseline' END"
    rows = stats_grouped(where=where, params=params, keys=["s.category_id", grp, "s.in_control"], join=join)
    out = []
    for c in categories:
        current_rows = [rows.get((c.pk, "current", flag)) for flag in (False, True)]
        baseline_rows = [rows.get((c.pk, "baseline", flag)) for flag in (False, True)]
        cur_row, base_row = _combine(current_rows), _combine(baseline_rows)
        current, baseline = _figures(cur_row), _figures(base_row)
        start, source = starts[c.pk]
        item = CategoryMetrics(
            slug=c.slug,
            name=c.name,
            baseline_since=b_since[c.pk] if start else None,
            baseline_until=b_until[c.pk] if start else None,
            baseline_source=source,
            current_since=c_since[c.pk],
            started_at=start,
            current=current,
            baseline=baseline,
            control_share=float(getattr(c, "control_share", 0) or 0),
        )
        item.comparisons = _comparisons(current, baseline, cur_row or StatsRow(), base_row or StatsRow())
        if item.control_share > 0:
            ai_row, control_row = current_rows
            item.ai_group, item.control_group = _figures(ai_row), _figures(control_row)
            item.control_comparisons = [
                _rate("escalation_rate", item.ai_group, item.control_group, "escalated"),
                _compare(
                    "resolution_hours",
                    item.ai_group.resolution_hours,
                    item.control_group.resolution_hours,
                    _hist_test(ai_row, control_row, "resolution_hist", RESOLUTION_EDGES),
                    "Mann-Whitney U (binned)",
                ),
            ]
        out.append(item)
    out.sort(key=lambda m: (-m.current.tickets, m.name))
    return out


def _hist_test(a: StatsRow | None, b: StatsRow | None, field: str, edges: list[float]) -> float | None:
    if a is None or b is None:
        return None
    return rank_test(hist_sample(getattr(a, field), edges), hist_sample(getattr(b, field), edges))


def _rate(metric: str, a: Figures, b: Figures, count: str, total: str = "tickets") -> Comparison:
    x1, n1, x2, n2 = getattr(a, count), getattr(a, total), getattr(b, count), getattr(b, total)
    return _compare(metric, getattr(a, metric), getattr(b, metric), proportion_test(x1, n1, x2, n2), "chi2 2x2")


def _comparisons(current: Figures, baseline: Figures, cur: StatsRow, base: StatsRow) -> list[Comparison]:
    return [
        _rate("ai_resolution_rate", current, baseline, "ai_resolved"),
        _rate("escalation_rate", current, baseline, "escalated"),
        _rate("draft_approval_rate", current, baseline, "drafts_approved", "drafts_reviewed"),
        _compare(
            "edit_size",
            current.edit_size,
            baseline.edit_size,
            mean_test(
                cur.edits,
                cur.edit_ratio_sum,
                cur.edit_ratio_sq_sum,
                base.edits,
                base.edit_ratio_sum,
                base.edit_ratio_sq_sum,
            ),
            "Welch t-test",
        ),
        _compare(
            "csat",
            current.csat,
            baseline.csat,
            rank_test(csat_sample(_csat_all(cur)), csat_sample(_csat_all(base))),
            "Mann-Whitney U (all rated tickets)",
        ),
        _compare(
            "csat_ai_vs_human",
            current.csat_ai,
            current.csat_human,
            rank_test(csat_sample(cur.csat_ai), csat_sample(cur.csat_human)),
            "Mann-Whitney U (AI-handled vs human-handled, current period)",
        ),
        _compare(
            "csat_human",
            current.csat_human,
            baseline.csat_human,
            rank_test(csat_sample(cur.csat_human), csat_sample(base.csat_human)),
            "Mann-Whitney U",
        ),
        _compare(
            "first_response_minutes",
            current.first_response_minutes,
            baseline.first_response_minutes,
            rank_test(
                hist_sample(cur.first_response_hist, FIRST_RESPONSE_EDGES),
                hist_sample(base.first_response_hist, FIRST_RESPONSE_EDGES),
            ),
            "Mann-Whitney U (binned)",
        ),
        _compare(
            "resolution_hours",
            current.resolution_hours,
            baseline.resolution_hours,
            rank_test(
                hist_sample(cur.resolution_hist, RESOLUTION_EDGES), hist_sample(base.resolution_hist, RESOLUTION_EDGES)
            ),
            "Mann-Whitney U (binned)",
        ),
    ]


def _f(value) -> float | None:
    return None if value is None else float(value)


def metrics_over_time(
    *, since: datetime, until: datetime, channel: str = "", tier: str = "", bucket: str = "week"
) -> dict[str, list[dict]]:
    """Per category slug, one point per ``bucket`` (``day`` or ``week``): tickets, AI resolution and
    escalation rates, median first response (min). Reads the daily figures (two small queries)."""
    if bucket not in ("day", "week"):
        raise ValueError("bucket must be day or week")
    filters, params = _filters(channel, tier)
    params.update(since_day=_day(since), until_day=_day(until, ceil=True))
    join = f"JOIN {Category._meta.db_table} c ON c.id = s.category_id"
    rows = stats_grouped(
        where="s.day >= %(since_day)s AND s.day < %(until_day)s" + filters,
        params=params,
        keys=["c.slug", f"date_trunc('{bucket}', s.day)::date"],
        join=join,
    )
    series: dict[str, list[dict]] = {}
    for (slug, b), row in sorted(rows.items()):
        series.setdefault(slug, []).append(
            {
                "bucket": b.isoformat(),
                "tickets": row.tickets,
                "ai_resolution_rate": row.ai_resolved / row.tickets if row.tickets else None,
                "escalation_rate": row.escalated / row.tickets if row.tickets else None,
                "first_response_minutes": hist_median(row.first_response_hist, FIRST_RESPONSE_EDGES),
            }
        )
    return series


def period_bounds(days: int, *, now: datetime) -> tuple[datetime, datetime]:
    """The last ``days`` UTC days including today: ``[midnight - days + 1, tomorrow's midnight)``."""
    until = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return until - timedelta(days=days), until
