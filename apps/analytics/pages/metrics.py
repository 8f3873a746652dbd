"""The category dashboard: metrics per category over time against the rollout baseline, AI vs control group,
anomalies; filters by channel, customer tier and period."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core.permissions import LEADS, role_required
from apps.tickets.choices import Channel, Tier

from ..metrics import category_metrics, metrics_over_time, period_bounds
from ..models import Anomaly
from ..rollup import stats_refreshed_at

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def metrics_filters(params) -> dict:
    """Valid ``days`` (7/30/90), ``channel`` and ``tier`` from query parameters; unknown values are dropped."""
    try:
        days = int(params.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    channel = params.get("channel", "")
    tier = params.get("tier", "")
    return {
        "days": days if days in PERIODS else DEFAULT_PERIOD,
        "channel": channel if channel in Channel.values else "",
        "tier": tier if tier in Tier.values else "",
    }


@require_GET
@role_required(*LEADS)
def metrics_page(request: HttpRequest) -> HttpResponse:
    """``/analytics/metrics/?days=&channel=&tier=``: per-category figures vs baseline with significance,
    AI vs control group, weekly (daily for 7 days) series per category, recent anomalies."""
    filters = metrics_filters(request.GET)
    since, until = period_bounds(filters["days"], now=timezone.now())
    rows = category_metrics(since=since, until=until, channel=filters["channel"], tier=filters["tier"])
    bucket = "day" if filters["days"] <= 30 else "week"
    series = metrics_over_time(
        since=since, until=until, channel=filters["channel"], tier=filters["tier"], bucket=bucket
    )
    labels = sorted({p["bucket"] for points in series.values() for p in points})
    chart = {
        "labels": labels,
        "series": {
            slug: {
                key: [next((p[key] for p in points if p["bucket"] == b), None) for b in labels]
                for key in ("tickets", "ai_resolution_rate", "escalation_rate")
            }
            for slug, points in series.items()
        },
    }
    return render(
        request,
        "analytics/metrics.html",
        {
            "filters": filters,
            "periods": PERIODS,
            "channels": Channel.choices,
            "tiers": Tier.choices,
            "since": since,
            "until": until,
            "last_day": (until - timedelta(days=1)).date(),  # until is exclusive
            "rows": [r for r in rows if r.current.tickets or r.baseline.tickets],
            "chart": chart,
            "anomalies": Anomaly.objects.all()[:20],
            "refreshed_at": stats_refreshed_at(),
        },
    )
