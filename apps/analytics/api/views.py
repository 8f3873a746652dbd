"""``GET /api/v1/metrics/``: the dashboard's figures for systems (leads and admins)."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.analytics.audit import COVERAGE_SAMPLE, audit_run
from apps.analytics.audit import DEFAULT_DAYS as AUDIT_DAYS
from apps.analytics.metrics import category_metrics, period_bounds
from apps.analytics.selectors import OUTCOMES, decisions_by_category_outcome, period_rates, tickets_per_day
from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.permissions import IsLead

from .serializers import (
    AuditQuerySerializer,
    CategoryMetricsQuerySerializer,
    MetricsQuerySerializer,
    MetricsSerializer,
)

DEFAULT_DAYS = 30


def _midnight(day, *, next_day: bool = False) -> datetime:
    """00:00 UTC of ``day`` (of the next day with ``next_day``: an inclusive last day)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1 if next_day else 0)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class MetricsView(APIView):
    """Per-category decision counts and outcome rates, period totals and rates, tickets per day."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]

    @extend_schema(
        tags=["metrics"],
        operation_id="metrics_retrieve",
        summary="Metrics for a period",
        parameters=[MetricsQuerySerializer],
        responses={200: MetricsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "since" in params:
            since, until = params["since"], params["until"]
        else:  # the last N UTC days including today, as on the dashboard
            now = timezone.now()
            until = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
            since = until - timedelta(days=params.get("days", DEFAULT_DAYS))
        rates = period_rates(since=since, until=until)
        categories = [
            {
                "slug": c.slug,
                "name": c.name,
                "decisions": c.total,
                "counts": {o.value: c.counts.get(o.value, 0) for o in OUTCOMES},
                "rates": {o.value: _share(c.counts.get(o.value, 0), c.total) for o in OUTCOMES},
            }
            for c in decisions_by_category_outcome(since=since, until=until)
        ]
        totals = {
            "tickets": rates.tickets,
            "resolved": rates.resolved,
            "escalated": rates.escalated,
            "decisions": rates.decisions,
            "sent_by_ai": rates.sent_by_ai,
            "by_outcome": {o.value: rates.by_outcome.get(o.value, 0) for o in OUTCOMES},
            "drafts": rates.drafts,
            "drafts_reviewed": rates.drafts_reviewed,
            "first_response_minutes": rates.first_response_minutes,
            "resolution_rate": rates.resolution_rate,
            "escalation_rate": rates.escalation_rate,
            "automation_rate": rates.automation_rate,
            "draft_approval_rate": rates.draft_approval_rate,
        }
        days = [
            {"day": d.day, "created": d.created, "resolved": d.resolved}
            for d in tickets_per_day(since=since, until=until)
        ]
        body = {"since": since, "until": until, "totals": totals, "categories": categories, "days": days}
        return Response(MetricsSerializer(body).data)


class AuditView(APIView):
    """The audit of history: categories ranked by automation potential, best first, with reasons."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]

    @extend_schema(
        tags=["metrics"],
        operation_id="audit_retrieve",
        summary="Audit of history (ranked categories)",
        parameters=[AuditQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        days = params.get("days", AUDIT_DAYS)
        until = _midnight(params["until"], next_day=True) if params.get("until") else None
        since = _midnight(params["since"]) if params.get("since") else None
        if until is not None and since is None:
            since = until - timedelta(days=days)
        report = audit_run(
            days=days,
            since=since,
            until=until,
            coverage_sample=params.get("coverage_sample", COVERAGE_SAMPLE),
            source=params.get("source", "stats"),
        )
        return Response(report.as_dict())


class CategoryMetricsView(APIView):
    """Per-category metrics for the last N days against each category's rollout baseline, with significance."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]

    @extend_schema(
        tags=["metrics"],
        operation_id="category_metrics_list",
        summary="Category metrics vs baseline",
        parameters=[CategoryMetricsQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = CategoryMetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        since, until = period_bounds(params.get("days", DEFAULT_DAYS), now=timezone.now())
        rows = category_metrics(
            since=since, until=until, channel=params.get("channel", ""), tier=params.get("tier", "")
        )
        return Response({"since": since, "until": until, "categories": [r.as_dict() for r in rows]})
