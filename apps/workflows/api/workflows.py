"""Workflow versions over the API (leads and admins): list and read versions, publish a draft (sandbox regression
check, ``confirm_regressions`` to override), roll back to an earlier version, run the sandbox, backtest — the same
services as the studio screens (``apps.workflows.services.versions`` / ``sandbox`` / ``backtest``)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.permissions import IsLead
from apps.workflows.models import WorkflowVersion
from apps.workflows.services.backtest import BACKTEST_LIMIT_MAX, SWEEP, backtest_replay, version_overrides
from apps.workflows.services.sandbox import sandbox_compare
from apps.workflows.services.versions import workflow_version_publish, workflow_version_rollback

TAG = ["workflows"]
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


class WorkflowVersionSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(source="workflow.category", slug_field="slug", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    tree = serializers.JSONField(read_only=True)
    thresholds = serializers.JSONField(read_only=True)
    required_fields = serializers.JSONField(read_only=True)
    profiles = serializers.JSONField(read_only=True)

    class Meta:
        model = WorkflowVersion
        fields = [
            "id",
            "category",
            "number",
            "status",
            "tree",
            "thresholds",
            "required_fields",
            "guidelines",
            "profiles",
            "change_note",
            "created_by",
            "created_at",
            "published_by",
            "published_at",
        ]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    change_note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    confirm_regressions = serializers.BooleanField(
        required=False, default=False, help_text="Publish even though sandbox cases regress (a lead's decision)"
    )


class SandboxCaseResultSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="WorkflowTestCase id")
    name = serializers.CharField()
    passed = serializers.BooleanField()
    category = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    outcome = serializers.CharField()
    failures = serializers.ListField(child=serializers.CharField())
    published_passed = serializers.BooleanField(allow_null=True, help_text="null without a published version")
    change = serializers.ChoiceField(choices=["same", "regression", "fixed"])


class SandboxSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    passed = serializers.IntegerField()
    total = serializers.IntegerField()
    published_passed = serializers.IntegerField(allow_null=True)
    regressions = serializers.IntegerField()
    cases = SandboxCaseResultSerializer(many=True)


class BacktestRowSerializer(serializers.Serializer):
    auto_threshold = serializers.FloatField()
    draft_threshold = serializers.FloatField()
    routed = serializers.IntegerField()
    auto = serializers.IntegerField()
    draft = serializers.IntegerField()
    escalate = serializers.IntegerField()
    auto_rate = serializers.FloatField(allow_null=True)
    draft_rate = serializers.FloatField(allow_null=True)
    escalate_rate = serializers.FloatField(allow_null=True)
    auto_wrong = serializers.IntegerField()
    auto_precision = serializers.FloatField(allow_null=True)
    category_agreement = serializers.FloatField(allow_null=True)
    agreement = serializers.FloatField(allow_null=True)
    labelled = serializers.IntegerField()
    missed = serializers.IntegerField()


class BacktestSerializer(serializers.Serializer):
    tickets = serializers.IntegerField(help_text="Labelled tickets replayed (newest first)")
    seconds = serializers.FloatField()
    at_thresholds = BacktestRowSerializer(help_text="Figures at the version's thresholds")
    sweep = BacktestRowSerializer(many=True, help_text="Figures per auto threshold")


class BacktestQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=BACKTEST_LIMIT_MAX, default=500, required=False)


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="workflow_versions_list",
        summary="Workflow versions (newest first; ?category=slug)",
        parameters=[OpenApiParameter("category", str, description="Category slug")],
        responses={200: WorkflowVersionSerializer(many=True), **error_responses(401, 403)},
    ),
    retrieve=extend_schema(
        tags=TAG,
        operation_id="workflow_versions_retrieve",
        responses={200: WorkflowVersionSerializer, **error_responses(401, 403, 404)},
    ),
)
class WorkflowVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Versions of the category workflows, with who created and published them and when. Leads and admins."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]
    serializer_class = WorkflowVersionSerializer

    def get_queryset(self) -> QuerySet[WorkflowVersion]:
        queryset = WorkflowVersion.objects.select_related("workflow__category", "created_by", "published_by")
        slug = self.request.query_params.get("category")
        if slug:
            queryset = queryset.filter(workflow__category__slug=slug)
        return queryset.order_by("workflow__category__slug", "-number")

    def _done(self, version: WorkflowVersion) -> Response:
        return Response(WorkflowVersionSerializer(self.get_queryset().get(pk=version.pk)).data)

    @extend_schema(
        tags=TAG,
        operation_id="workflow_versions_publish",
        summary="Publish a draft (refused over sandbox regressions unless confirmed)",
        request=PublishSerializer,
        responses={200: WorkflowVersionSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._done(
            workflow_version_publish(
                version=version,
                user=request.user,
                change_note=data.validated_data["change_note"],
                confirm_regressions=data.validated_data["confirm_regressions"],
            )
        )

    @extend_schema(
        tags=TAG,
        operation_id="workflow_versions_rollback",
        summary="Publish a new version with this (earlier published) version's content",
        request=None,
        responses={200: WorkflowVersionSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rollback(self, request: Request, pk: str) -> Response:
        return self._done(workflow_version_rollback(version=self.get_object(), user=request.user))

    @extend_schema(
        tags=TAG,
        operation_id="workflow_versions_sandbox",
        summary="Run the version on its workflow's test set beside the published version",
        request=None,
        responses={200: SandboxSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def sandbox(self, request: Request, pk: str) -> Response:
        comparison = sandbox_compare(version=self.get_object())
        cases = [
            {
                "case": row["case"].pk,
                "name": row["case"].name,
                "passed": row["draft"].passed,
                "category": row["draft"].category,
                "confidence": row["draft"].confidence,
                "outcome": row["draft"].outcome,
                "failures": row["draft"].failures,
                "published_passed": row["published"].passed if row["published"] else None,
                "change": row["change"],
            }
            for row in comparison.rows
        ]
        body = {
            "version": comparison.draft.version.number,
            "passed": comparison.draft.passed,
            "total": comparison.draft.total,
            "published_passed": comparison.published.passed if comparison.published else None,
            "regressions": len(comparison.regressions),
            "cases": cases,
        }
        return Response(SandboxSerializer(body).data)

    @extend_schema(
        tags=TAG,
        operation_id="workflow_versions_backtest",
        summary="Replay the last N labelled tickets through this version (nothing written)",
        parameters=[BacktestQuerySerializer],
        responses={200: BacktestSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def backtest(self, request: Request, pk: str) -> Response:
        version = self.get_object()
        query = BacktestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slug = version.workflow.category.slug
        replay = backtest_replay(
            limit=query.validated_data["limit"], overrides=version_overrides(category_slug=slug, number=version.number)
        )
        t = replay.thresholds[slug]
        body = {
            "tickets": len(replay.rows),
            "seconds": round(replay.seconds, 3),
            "at_thresholds": replay.figures(slug, auto=t["auto"], draft=t["draft"]),
            "sweep": replay.sweep(slug, draft=t["draft"], thresholds=SWEEP),
        }
        return Response(BacktestSerializer(body).data)
