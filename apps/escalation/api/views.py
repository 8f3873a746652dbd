"""The handoff inbox over the API: list, read (with the package), claim, resolve, reassign."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.api.pagination import OldestFirstCursorPagination
from apps.core.permissions import IsStaffRole
from apps.escalation.models import Handoff
from apps.escalation.services import handoff_claim, handoff_reassign, handoff_resolve

from .filters import HandoffFilter
from .serializers import HandoffDetailSerializer, HandoffReassignSerializer, HandoffSerializer

TAG = ["handoffs"]
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="handoffs_list",
        summary="Handoffs (oldest first, cursor pages)",
        responses={200: HandoffSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        tags=TAG,
        operation_id="handoffs_retrieve",
        summary="A handoff with its package",
        responses={200: HandoffDetailSerializer, **error_responses(401, 403, 404)},
    ),
)
class HandoffViewSet(viewsets.ReadOnlyModelViewSet):
    """Escalations waiting for a person, and their history. Agents, leads and admins."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]
    pagination_class = OldestFirstCursorPagination
    filterset_class = HandoffFilter

    def get_queryset(self) -> QuerySet[Handoff]:
        queryset = Handoff.objects.select_related("ticket", "queue", "claimed_by", "assigned_to")
        return queryset if self.action == "retrieve" else queryset.defer("package")

    def get_serializer_class(self):
        return HandoffSerializer if self.action == "list" else HandoffDetailSerializer

    def _done(self, handoff: Handoff) -> Response:
        return Response(
            HandoffDetailSerializer(
                Handoff.objects.select_related("ticket", "queue", "claimed_by", "assigned_to").get(pk=handoff.pk)
            ).data
        )

    @extend_schema(
        tags=TAG,
        operation_id="handoffs_claim",
        summary="Take the handoff (assigns the ticket to you)",
        request=None,
        responses={200: HandoffDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        return self._done(handoff_claim(handoff_id=self.get_object().pk, user=request.user))

    @extend_schema(
        tags=TAG,
        operation_id="handoffs_resolve",
        summary="Resolve the handoff and its ticket",
        request=None,
        responses={200: HandoffDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        return self._done(handoff_resolve(handoff_id=self.get_object().pk, user=request.user))

    @extend_schema(
        tags=TAG,
        operation_id="handoffs_reassign",
        summary="Move the handoff to another queue (unclaimed)",
        request=HandoffReassignSerializer,
        responses={200: HandoffDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        handoff = self.get_object()
        serializer = HandoffReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._done(
            handoff_reassign(handoff_id=handoff.pk, queue_slug=serializer.validated_data["queue"], user=request.user)
        )
