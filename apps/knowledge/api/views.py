"""Knowledge API: hybrid search for staff, uploads for leads, sources, documents and gaps."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.authentication import STAFF_AUTHENTICATION
from apps.core.api.errors import error_responses
from apps.core.api.pagination import CreatedCursorPagination
from apps.core.permissions import IsLead, IsStaffRole
from apps.knowledge import selectors
from apps.knowledge.filters import DocumentFilter, GapFilter
from apps.knowledge.models import IngestionRun
from apps.knowledge.services import ingestion_run_create, source_get_or_create

from . import serializers as s

TAG = ["knowledge"]


class SearchView(APIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]

    @extend_schema(
        tags=TAG,
        operation_id="knowledge_search",
        summary="Search the knowledge base as the AI does",
        description=(
            "Hybrid retrieval (pgvector cosine + PostgreSQL full text, reciprocal rank fusion). Pass "
            "`visibility=public` for anything a customer will read: internal chunks are then never returned. "
            "`grounded` tells whether the best `score` reaches the grounding threshold."
        ),
        parameters=[s.SearchQuerySerializer],
        responses={200: s.SearchResponseSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = s.SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = {key: data[key] for key in ("visibility", "source_kind", "product_area") if data.get(key)}
        result = selectors.search_detailed(data["q"], k=data["k"], filters=filters, method=data["method"])
        body = {
            "query": data["q"],
            "method": result.method,
            "strategy": result.strategy,
            "best_score": selectors.best_score(result.hits),
            "threshold": selectors.grounding_threshold(),
            "grounded": selectors.is_grounded(result.hits),
            "hits": result.hits,
        }
        return Response(s.SearchResponseSerializer(body).data)


class IngestionCreateView(APIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAG,
        operation_id="knowledge_ingestions_create",
        summary="Upload files for ingestion",
        description=(
            "Checks every file (type, size, content) first, stores them and queues the ingestion; poll "
            "the returned run. Unchanged documents are skipped; changed ones replace their chunks."
        ),
        request=s.IngestionCreateSerializer,
        responses={202: s.IngestionRunSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        fields = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        payload = s.IngestionCreateSerializer(data={**fields, "files": request.FILES.getlist("files")})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        source = (
            data.get("source")
            or source_get_or_create(
                name=data["source_name"],
                kind=data.get("kind"),
                visibility=data.get("visibility"),
                product_area=data.get("product_area"),
            )[0]
        )
        run = ingestion_run_create(source=source, files=data["files"], user=request.user, origin="api")
        return Response(s.IngestionRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=TAG,
    summary="An ingestion run's progress and result",
    responses={200: s.IngestionRunSerializer, **error_responses(401, 403, 404)},
)
class IngestionDetailView(generics.RetrieveAPIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]
    serializer_class = s.IngestionRunSerializer
    queryset = IngestionRun.objects.select_related("source")


@extend_schema(
    tags=TAG,
    summary="Knowledge sources",
    responses={200: s.SourceSerializer(many=True), **error_responses(400, 401, 403, 404)},
)
class SourceListView(generics.ListAPIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]
    serializer_class = s.SourceSerializer
    pagination_class = CreatedCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.source_list()


@extend_schema(
    tags=TAG,
    summary="Documents with ingestion status",
    responses={200: s.DocumentSerializer(many=True), **error_responses(400, 401, 403, 404)},
)
class DocumentListView(generics.ListAPIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsStaffRole]
    serializer_class = s.DocumentSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = DocumentFilter

    def get_queryset(self):
        return selectors.document_list()


@extend_schema(
    tags=TAG,
    summary="Knowledge gaps, most asked first",
    responses={200: s.GapSerializer(many=True), **error_responses(400, 401, 403, 404)},
)
class GapListView(generics.ListAPIView):
    authentication_classes = STAFF_AUTHENTICATION
    permission_classes = [IsLead]
    serializer_class = s.GapSerializer
    pagination_class = CreatedCursorPagination
    filterset_class = GapFilter

    def get_queryset(self):
        return selectors.gap_list(status=None)
