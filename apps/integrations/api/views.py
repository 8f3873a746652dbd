"""Connections (read-only, leads and admins), their call log, and lookups for a ticket (allow-listed facts)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.permissions import IsLead, IsStaffRole
from apps.integrations.lookups import LOOKUP_NAMES, lookup_run
from apps.integrations.models import CallLog, Connection
from apps.tickets.models import Ticket

from .serializers import CallLogSerializer, ConnectionSerializer, LookupQuerySerializer, LookupResultSerializer

TAG = ["integrations"]


@extend_schema_view(
    list=extend_schema(
        tags=TAG,
        operation_id="connections_list",
        summary="Connections with health",
        responses={200: ConnectionSerializer(many=True), **error_responses(401, 403)},
    ),
    retrieve=extend_schema(
        tags=TAG,
        operation_id="connections_retrieve",
        summary="A connection (masked)",
        responses={200: ConnectionSerializer, **error_responses(401, 403, 404)},
    ),
)
class ConnectionViewSet(viewsets.ReadOnlyModelViewSet):
    """External systems and local backends. Credentials are masked; editing is on the admin screens."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]
    serializer_class = ConnectionSerializer
    queryset = Connection.objects.order_by("service", "name")

    @extend_schema(
        tags=TAG,
        operation_id="connections_calls",
        summary="The connection's latest 100 calls",
        responses={200: CallLogSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["get"])
    def calls(self, request: Request, pk: str) -> Response:
        rows = CallLog.objects.filter(connection=self.get_object()).order_by("-created_at", "-pk")[:100]
        return Response(CallLogSerializer(rows, many=True).data)


class LookupView(APIView):
    """Run one lookup for a ticket; the answer holds allow-listed facts only (or ok=false and the error)."""

    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]

    @extend_schema(
        tags=TAG,
        operation_id="lookups_run",
        summary="Billing or CRM facts for a ticket (allow-listed)",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(LOOKUP_NAMES)),
            LookupQuerySerializer,
        ],
        responses={200: LookupResultSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, name: str) -> Response:
        query = LookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if name not in LOOKUP_NAMES:
            from rest_framework.exceptions import NotFound

            raise NotFound(f"Unknown lookup {name!r}.")
        ticket = get_object_or_404(
            Ticket.objects.select_related("organization", "contact"), pk=query.validated_data["ticket"]
        )
        result = lookup_run(name=name, ticket=ticket, category_slug=query.validated_data["category"])
        return Response(LookupResultSerializer(result.as_dict()).data)
