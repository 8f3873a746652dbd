"""Writes of the knowledge app (sources, ingestion, re-embedding, gaps). Import from here."""

from .articles import article_draft_publish, gap_article_draft
from .chunks import chunks_copy, embed_pooled
from .gaps import gap_record, gap_status_set
from .ingestion import IngestResult, collect_files, document_ingest, documents_ingest, path_ingest
from .reembed import chunks_reembed
from .sources import source_delete, source_get_or_create, source_update
from .uploads import ingestion_run_create, ingestion_run_execute

__all__ = [
    "IngestResult",
    "article_draft_publish",
    "gap_article_draft",
    "chunks_copy",
    "chunks_reembed",
    "collect_files",
    "document_ingest",
    "documents_ingest",
    "embed_pooled",
    "gap_record",
    "gap_status_set",
    "ingestion_run_create",
    "ingestion_run_execute",
    "path_ingest",
    "source_delete",
    "source_get_or_create",
    "source_update",
]
