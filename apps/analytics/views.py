"""The overview dashboard: Decisions per category and outcome, tickets per day, resolution and escalation rates,
read from the daily figures (``selectors.overview_from_stats``). Charts are drawn by the vendored Chart.js from
data passed with ``json_script``."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.analytics.models import Anomaly
from apps.analytics.selectors import OUTCOMES, overview_from_stats
from apps.core.permissions import ALL_ROLES, role_required
from apps.workflows.choices import Outcome

PERIODS = {"7": 7, "30": 30, "90": 90}
DEFAULT_PERIOD = "30"


def _percent(rate: float | None) -> str:
    """``0.1234`` → ``"12.3%"``; ``None`` (nothing to divide by) → ``"—"``."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


@require_GET
@role_required(*ALL_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    """``/analytics/?days=7|30|90`` (default 30): figures for the last ``days`` UTC days including today, from the
    daily figures (refreshed every 10 minutes; the page says when), and the spikes (anomalies) seen in the period."""
    period = request.GET.get("days", DEFAULT_PERIOD)
    period = period if period in PERIODS else DEFAULT_PERIOD
    now = timezone.now()
    until = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    since = until - timedelta(days=PERIODS[period])
    overview = overview_from_stats(since=since, until=until)
    categories, days, rates = overview.categories, overview.days, overview.rates
    ticket_categories = overview.ticket_categories
    labels = dict(Outcome.choices)
    chart_data = {
        "categories": {
            "labels": [c.name for c in categories],
            "datasets": [
                {"key": o.value, "label": labels[o], "data": [c.counts.get(o.value, 0) for c in categories]}
                for o in OUTCOMES
            ],
        },
        "tickets": {"labels": [name for _, name, _ in ticket_categories], "data": [n for *_, n in ticket_categories]},
        "days": {
            "labels": [d.day.isoformat() for d in days],
            "created": [d.created for d in days],
            "resolved": [d.resolved for d in days],
        },
        "outcomes": {
            "labels": [labels[o] for o in OUTCOMES],
            "keys": [o.value for o in OUTCOMES],
            "data": [rates.by_outcome.get(o.value, 0) for o in OUTCOMES],
        },
    }
    context = {
        "period": period,
        "periods": list(PERIODS),
        "since": since,
        "until": until,
        "last_day": (until - timedelta(days=1)).date(),  # until is exclusive: the page shows the inclusive last day
        "categories": categories,
        "outcomes": OUTCOMES,
        "outcome_labels": labels,
        "rates": rates,
        "chart_data": chart_data,
        "ticket_categories": ticket_categories,
        "refreshed_at": overview.refreshed_at,
        "anomalies": list(Anomaly.objects.filter(last_seen_at__gte=since).order_by("-last_seen_at")[:10]),
        "percent": {
            "resolution": _percent(rates.resolution_rate),
            "escalation": _percent(rates.escalation_rate),
            "automation": _percent(rates.automation_rate),
            "approval": _percent(rates.draft_approval_rate),
        },
    }
    return render(request, "analytics/dashboard.html", context)
