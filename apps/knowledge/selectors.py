"""Reads of the knowledge app: hybrid search (see ``retrieval``), lists for the screens and the API."""

from django.db.models import Count, Max, Prefetch, QuerySet

from .grounding import best_score, grounding_threshold, is_grounded, passages_for_reply
from .models import Document, IngestionRun, KnowledgeGap, Source
from .retrieval import SearchHit, SearchResult, search, search_detailed

__all__ = [
    "SearchHit",
    "SearchResult",
    "best_score",
    "document_list",
    "gap_list",
    "grounding_threshold",
    "ingestion_run_list",
    "is_grounded",
    "passages_for_reply",
    "search",
    "search_detailed",
    "source_list",
]


def source_list() -> QuerySet[Source]:
    """Sources with ``document_count``, ``failed_count``, ``chunk_total`` and ``last_ingested_at`` annotated."""
    from django.db.models import Q, Sum

    return Source.objects.annotate(
        document_count=Count("documents", distinct=True),
        failed_count=Count("documents", filter=Q(documents__status="failed"), distinct=True),
        chunk_total=Sum("documents__chunk_count"),
        last_ingested_at=Max("documents__updated_at"),
    ).order_by("name")


def document_list(*, source: Source | None = None, status: str | None = None) -> QuerySet[Document]:
    """Documents (newest change first) with their source; the large ``text`` column is deferred."""
    documents = Document.objects.select_related("source").defer("text").order_by("-updated_at", "id")
    if source is not None:
        documents = documents.filter(source=source)
    if status:
        documents = documents.filter(status=status)
    return documents


def ingestion_run_list(*, source: Source | None = None, limit: int = 20) -> QuerySet[IngestionRun]:
    """The latest ingestion runs with their source and starter."""
    runs = IngestionRun.objects.select_related("source", "started_by").order_by("-created_at")
    if source is not None:
        runs = runs.filter(source=source)
    return runs[:limit]


def gap_list(*, status: str | None = "open") -> QuerySet[KnowledgeGap]:
    """Knowledge gaps, most asked first, with their example tickets prefetched (``status=None`` for all)."""
    from apps.tickets.models import Ticket

    gaps = (
        KnowledgeGap.objects.defer("embedding")
        .prefetch_related(
            Prefetch("example_tickets", queryset=Ticket.objects.only("id", "subject", "created_at").order_by("-id"))
        )
        .order_by("-count", "-last_seen_at")
    )
    if status:
        gaps = gaps.filter(status=status)
    return gaps
