"""Embedding chunk drafts and writing chunks with PostgreSQL COPY."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from psycopg.types import TypeInfo
from psycopg.types.json import Jsonb

from apps.integrations.embeddings import EmbeddingsProvider, get_embeddings
from apps.knowledge.ingestion import ChunkDraft
from apps.knowledge.models import Chunk

_COPY_COLUMNS = (
    "document_id",
    "ordinal",
    "title",
    "heading",
    "text",
    "embedding",
    "embedding_model",
    "visibility",
    "source_kind",
    "product_area",
    "published_at",
    "flags",
)
_COPY_TYPES = [
    "int8",
    "int4",
    "text",
    "text",
    "text",
    "vector",
    "text",
    "text",
    "text",
    "text",
    "timestamptz",
    "jsonb",
]


def embed_pooled(
    titles: Sequence[str], bodies: Sequence[str], *, provider: EmbeddingsProvider | None = None
) -> np.ndarray:
    """Unit-length ``(n, dimensions)`` float32 vectors: the title and the body are embedded as separate fields
    and summed, so a question-shaped query matches the title and a detail matches the body. An empty title
    (the provider embeds it as zeros) leaves the body's vector. Raises ``ProviderError`` from the provider."""
    provider = provider or get_embeddings()
    if not len(bodies):
        return np.zeros((0, provider.dimensions), dtype=np.float32)
    pooled = provider.embed(list(titles)) + provider.embed(list(bodies))
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.divide(pooled, norms, out=np.zeros_like(pooled), where=norms > 0).astype(np.float32)


@dataclass(frozen=True)
class ChunkRow:
    """A chunk ready to write (what ``chunks_copy`` sends for each row)."""

    document_id: int
    ordinal: int
    draft: ChunkDraft
    embedding: np.ndarray
    embedding_model: str
    visibility: str
    source_kind: str
    product_area: str
    flags: list[str]


def chunks_copy(rows: Sequence[ChunkRow]) -> int:
    """Insert ``rows`` into ``knowledge_chunk`` with one binary ``COPY`` (the database fills ``search_vector``).

    Runs on Django's connection, inside the caller's transaction. Returns the number of rows written."""
    if not rows:
        return 0
    from pgvector.psycopg.vector import register_vector_info

    connection.ensure_connection()
    raw = connection.connection
    table = Chunk._meta.db_table
    with raw.cursor() as cursor:
        register_vector_info(cursor, TypeInfo.fetch(raw, "vector"))  # scoped to this cursor only
        with cursor.copy(f"COPY {table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_COPY_TYPES)
            for row in rows:
                draft = row.draft
                copy.write_row(
                    (
                        row.document_id,
                        row.ordinal,
                        draft.title,
                        draft.heading,
                        draft.text,
                        row.embedding,
                        row.embedding_model,
                        row.visibility,
                        row.source_kind,
                        row.product_area,
                        draft.published_at,
                        Jsonb(row.flags),
                    )
                )
    return len(rows)
