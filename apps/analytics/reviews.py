"""The monthly workflow review: per category, a report a lead reads and signs off (page and CSV).

``MonthlyReview.data`` holds:

- ``baseline``: the month against the category's **rollout baseline** — the same number of days before
  ``Category.rollout_started_at`` (or its first Decision; ``metrics.category_metrics``' definition):
  ``{"source", "since", "until", "current_since", "current", "baseline", "comparisons", "note"}`` where
  ``current`` counts from ``current_since`` (the month's first day, or the rollout day when the rollout started
  inside the month), ``comparisons`` are ``metrics.Comparison`` dicts (difference, p-value, significance, test)
  and ``note`` says why there is no comparison (no rollout yet, rolled out after the month);
- ``metrics``: the month's figures and the previous month's (``metrics.Figures.as_dict``) and ``changes``
  (``{"metric", "current", "previous", "difference", "p_value", "significant"}``);
- ``unhelpful``: the worst rated answers of the month (helpful = no or CSAT ≤ 2), lowest CSAT first, with the
  Decision id, outcome, reply excerpt and comment;
- ``gaps``: knowledge gaps first seen in the month whose example tickets are in the category;
- ``thresholds``: the backtest's suggestion (``apps.workflows.services.backtest``): the lowest auto threshold
  whose replayed auto-resolutions are at least ``TARGET_PRECISION`` right, next to the current one; or
  ``{"error": ...}`` when the backtest cannot run (no classifier, module missing).
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import asdict
from datetime import UTC, date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.workflows.models import Category

from .metrics import CategoryMetrics, Figures, category_metrics, proportion_test, rollout_starts
from .models import Feedback, MonthlyReview
from .rollup import category_stats_refresh

logger = logging.getLogger(__name__)
TARGET_PRECISION = 0.95
MIN_AUTO_ROWS = 5
WORST = 10
BACKTEST_LIMIT = 500
CHANGE_METRICS = (
    ("ai_resolution_rate", "ai_resolved", "tickets"),
    ("escalation_rate", "escalated", "tickets"),
    ("draft_approval_rate", "drafts_approved", "drafts_reviewed"),
)
PLAIN_METRICS = (
    "edit_size",
    "csat",
    "csat_ai",
    "csat_human",
    "first_response_minutes",
    "resolution_hours",
    "tickets",
)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """``[first day 00:00 UTC, first day of next month)`` of ``month``."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def previous_month(today: date | None = None) -> date:
    """The first day of the month before ``today`` (default: today, UTC)."""
    today = today or timezone.now().date()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


def _figures(since: datetime, until: datetime) -> dict[str, Figures]:
    """The month's figures of every category (no baseline needed: both months use the current group)."""
    return {m.slug: m.current for m in category_metrics(since=since, until=until, with_baseline=False)}


def _baseline_days(categories: list[Category], month: date) -> list[tuple[date, date]]:
    """The distinct baseline windows ``[since, until)`` (UTC days) of ``categories`` for a review of ``month``:
    as many days as the month has, up to each category's rollout day (when the rollout started by then)."""
    since, until = month_bounds(month)
    length = until.date() - since.date()
    windows = set()
    for start, _ in rollout_starts(categories).values():
        if start is not None and start < until:
            day = start.astimezone(UTC).date()
            windows.add((day - length, day))
    return sorted(windows)


def _baseline(item: CategoryMetrics | None, month: date) -> dict:
    """The ``baseline`` section of a review (see the module docstring)."""
    since, until = month_bounds(month)
    empty = {
        "source": "none",
        "since": None,
        "until": None,
        "current_since": None,
        "current": None,
        "baseline": None,
        "comparisons": [],
    }
    if item is None or item.baseline_source == "none":
        return {**empty, "note": "No rollout yet: nothing to compare with."}
    start = item.baseline_until
    window = {"source": item.baseline_source, "since": item.baseline_since.isoformat(), "until": start.isoformat()}
    if start >= until.date():
        return {**empty, **window, "note": f"Rolled out on {start.isoformat()}, after this month."}
    current_since = max(since.date(), start)
    return {
        **window,
        "current_since": current_since.isoformat(),
        "current": item.current.as_dict(),
        "baseline": item.baseline.as_dict(),
        "comparisons": [asdict(c) for c in item.comparisons],
        "note": "" if current_since == since.date() else f"This month counts from the rollout on {start.isoformat()}.",
    }


def _changes(current: Figures, previous: Figures) -> list[dict]:
    rows = []
    for metric, count, total in CHANGE_METRICS:
        cur, prev = getattr(current, metric), getattr(previous, metric)
        p = proportion_test(
            getattr(current, count), getattr(current, total), getattr(previous, count), getattr(previous, total)
        )
        rows.append(_change(metric, cur, prev, p))
    for metric in PLAIN_METRICS:
        rows.append(_change(metric, getattr(current, metric), getattr(previous, metric), None))
    return rows


def _change(metric: str, cur, prev, p) -> dict:
    return {
        "metric": metric,
        "current": cur,
        "previous": prev,
        "difference": None if cur is None or prev is None else cur - prev,
        "p_value": p,
        "significant": p is not None and p < 0.05,
    }


def _unhelpful(category: Category, since: datetime, until: datetime) -> list[dict]:
    rows = (
        Feedback.objects.filter(ticket__category=category, created_at__gte=since, created_at__lt=until)
        .filter(Q(helpful=False) | Q(csat__lte=2))
        .select_related("decision", "message")
        .order_by("csat", "-created_at")[:WORST]
    )
    return [
        {
            "feedback_id": f.pk,
            "ticket_id": f.ticket_id,
            "decision_id": f.decision_id,
            "outcome": f.decision.outcome if f.decision else "",
            "csat": f.csat,
            "helpful": f.helpful,
            "comment": f.comment[:300],
            "reply": (f.message.body if f.message else (f.decision.reply_text if f.decision else ""))[:300],
            "at": f.created_at.isoformat(),
        }
        for f in rows
    ]


def _gaps(category: Category, since: datetime, until: datetime) -> list[dict]:
    from apps.knowledge.models import KnowledgeGap

    gaps = (
        KnowledgeGap.objects.filter(created_at__gte=since, created_at__lt=until, example_tickets__category=category)
        .distinct()
        .order_by("-count")[:WORST]
    )
    return [{"id": g.pk, "question": g.question[:300], "count": g.count, "best_score": g.best_score} for g in gaps]


def threshold_suggestions(*, limit: int = BACKTEST_LIMIT, classifier=None) -> dict[str, dict]:
    """Per category slug, from one backtest replay of the last ``limit`` labelled tickets: ``{"current_auto",
    "suggested_auto", "auto_precision", "auto_rate", "routed"}`` — the lowest swept auto threshold with precision
    ≥ ``TARGET_PRECISION`` over at least ``MIN_AUTO_ROWS`` auto-resolutions (``None`` when none qualifies).
    ``classifier``: a model with ``predict`` to replay with instead of the active one. ``{"_error": message}``
    when the backtest is unavailable (no trained classifier, module missing)."""
    try:
        from apps.workflows.services.backtest import SWEEP, backtest_replay
    except ImportError as exc:
        return {"_error": f"backtest unavailable: {exc}"}
    try:
        replay = backtest_replay(limit=limit, classifier=classifier)
    except Exception as exc:  # no classifier, engine change: the review still goes out without suggestions
        logger.warning("backtest for the monthly review failed: %s", exc)
        return {"_error": f"backtest failed: {exc}"}
    out = {}
    for category in Category.objects.all():
        sweep = replay.sweep(category.slug, draft=category.draft_threshold, thresholds=SWEEP)
        good = [
            f
            for f in sweep
            if f["auto"] >= MIN_AUTO_ROWS
            and f["auto_precision"] is not None
            and f["auto_precision"] >= TARGET_PRECISION
        ]
        best = min(good, key=lambda f: f["auto_threshold"]) if good else None
        out[category.slug] = {
            "current_auto": category.auto_threshold,
            "suggested_auto": best["auto_threshold"] if best else None,
            "auto_precision": best["auto_precision"] if best else None,
            "auto_rate": best["auto_rate"] if best else None,
            "routed": sweep[0]["routed"] if sweep else 0,
        }
    return out


def monthly_reviews_build(*, month: date | None = None, backtest: bool = True, classifier=None) -> list[MonthlyReview]:
    """Build (or rebuild, unless signed off) the review of every category for ``month`` (default: last month).

    ``backtest``: replay labelled history for threshold suggestions (with ``classifier`` instead of the active
    model when given). Refreshes the daily figures of the month, the month before and each rollout baseline
    window first. Signed-off reviews are left unchanged. Returns the reviews written.
    """
    month = (month or previous_month()).replace(day=1)
    since, until = month_bounds(month)
    prev_since, _ = month_bounds(previous_month(month))
    categories = list(Category.objects.all())
    category_stats_refresh(since=prev_since.date(), until=until.date())
    for first, end in _baseline_days(categories, month):
        if first < prev_since.date() or end > until.date():
            category_stats_refresh(since=first, until=end)
    current, previous = _figures(since, until), _figures(prev_since, since)
    against_baseline = {m.slug: m for m in category_metrics(since=since, until=until)}
    thresholds = threshold_suggestions(classifier=classifier) if backtest else {"_error": "backtest skipped"}
    written = []
    for category in categories:
        cur, prev = current.get(category.slug, Figures()), previous.get(category.slug, Figures())
        data = {
            "month": month.isoformat(),
            "baseline": _baseline(against_baseline.get(category.slug), month),
            "metrics": {"current": cur.as_dict(), "previous": prev.as_dict()},
            "changes": _changes(cur, prev),
            "unhelpful": _unhelpful(category, since, until),
            "gaps": _gaps(category, since, until),
            "thresholds": thresholds.get(category.slug) or {"error": thresholds.get("_error", "not replayed")},
        }
        with transaction.atomic():
            review, made = MonthlyReview.objects.select_for_update().get_or_create(
                category=category, month=month, defaults={"data": data}
            )
            if not made and review.signed_off_at is None:
                review.data = data
                review.save(update_fields=["data"])
        written.append(review)
    return written


@transaction.atomic
def monthly_review_sign_off(*, review_id: int, user) -> MonthlyReview:
    """A lead signs the review off. Raises ``ValidationError`` for an unknown id, ``ConflictError`` when signed."""
    review = MonthlyReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise ValidationError(f"No monthly review {review_id}.")
    if review.signed_off_at is not None:
        raise ConflictError(f"Signed off already by {review.signed_off_by} on {review.signed_off_at:%Y-%m-%d}.")
    review.signed_off_by = user
    review.signed_off_at = timezone.now()
    review.save(update_fields=["signed_off_by", "signed_off_at"])
    return review


def monthly_review_csv(review: MonthlyReview) -> str:
    """The review as CSV rows ``section,item,current,reference,difference,p_value,significant,detail``:
    ``reference`` is the rollout baseline's value in ``baseline`` rows (``detail``: the window and the test) and
    the previous month's in ``metric`` rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "current", "reference", "difference", "p_value", "significant", "detail"])
    data = review.data
    base = data.get("baseline") or {}
    if base.get("comparisons"):
        window = (
            f"baseline {base['since']} to {base['until']} ({base['source']}), current from {base['current_since']}"
        )
        for c in base["comparisons"]:
            row = [c["current"], c["baseline"], c["difference"], c["p_value"], c["significant"]]
            writer.writerow(["baseline", c["metric"], *row, f"{window}; {c['test']}"])
    elif base:
        writer.writerow(["baseline", "", "", "", "", "", "", base.get("note", "")])
    for c in data.get("changes", []):
        writer.writerow(
            ["metric", c["metric"], c["current"], c["previous"], c["difference"], c["p_value"], c["significant"], ""]
        )
    for u in data.get("unhelpful", []):
        detail = f"ticket #{u['ticket_id']} decision {u['decision_id']}: {u['comment'] or u['reply']}"
        writer.writerow(["unhelpful", u["feedback_id"], u["csat"], "", "", "", "", detail])
    for g in data.get("gaps", []):
        writer.writerow(["gap", g["id"], g["count"], "", "", "", "", g["question"]])
    t = data.get("thresholds", {})
    if "error" in t:
        writer.writerow(["threshold", "auto", "", "", "", "", "", t["error"]])
    else:
        diff = None if t.get("suggested_auto") is None else t["suggested_auto"] - t["current_auto"]
        detail = f"precision {t.get('auto_precision')}, auto rate {t.get('auto_rate')}, routed {t.get('routed')}"
        writer.writerow(["threshold", "auto", t.get("suggested_auto"), t.get("current_auto"), diff, "", "", detail])
    signed = f"{review.signed_off_by} {review.signed_off_at:%Y-%m-%d %H:%M}" if review.signed_off_at else "not signed"
    writer.writerow(["sign_off", "", "", "", "", "", "", signed])
    return out.getvalue()
