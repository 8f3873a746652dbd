"""Re-embedding chunks and gaps with the configured provider (after a model change)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from django.db import connection, transaction

from apps.core.errors import ValidationError
from apps.integrations.embeddings import EmbeddingsProvider, get_embeddings
from apps.knowledge.models import EMBEDDING_DIMENSIONS, Chunk, KnowledgeGap

from .chunks import embed_pooled


def vector_literal(vector: np.ndarray) -> str:
    """pgvector's text form, ``[0.1,0.2,…]``."""
    return "[" + ",".join(map(repr, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def chunks_reembed(
    *,
    everything: bool = False,
    batch_size: int = 1000,
    provider: EmbeddingsProvider | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute embeddings of chunks (and open gaps) made by another model than the configured provider's
    (all of them with ``everything``), ``batch_size`` chunks per transaction. ``on_progress(done, total)``
    follows each batch. Returns the number of chunks re-embedded.

    Raises ``ValidationError`` when the provider's vectors do not have the column's 256 dimensions."""
    provider = provider or get_embeddings()
    if provider.dimensions != EMBEDDING_DIMENSIONS:
        raise ValidationError(
            f"The embeddings provider makes {provider.dimensions}-d vectors; chunks store {EMBEDDING_DIMENSIONS}. "
            "Configure the provider for 256 dimensions (OpenAI text-embedding-3 models accept `dimensions`)."
        )
    chunks = Chunk.objects.all() if everything else Chunk.objects.exclude(embedding_model=provider.model_name)
    ids = list(chunks.order_by("id").values_list("id", flat=True))
    table = Chunk._meta.db_table
    for start in range(0, len(ids), batch_size):
        rows = list(Chunk.objects.filter(id__in=ids[start : start + batch_size]).values_list("id", "title", "text"))
        vectors = embed_pooled([r[1] for r in rows], [r[2] for r in rows], provider=provider)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET embedding = v.e::vector, embedding_model = %s "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, e) WHERE c.id = v.id",
                [provider.model_name, [r[0] for r in rows], [vector_literal(v) for v in vectors]],
            )
        if on_progress:
            on_progress(min(start + batch_size, len(ids)), len(ids))
    gaps = (
        KnowledgeGap.objects.all() if everything else KnowledgeGap.objects.exclude(embedding_model=provider.model_name)
    )
    for gap in gaps:
        gap.embedding = provider.embed([gap.question])[0]
        gap.embedding_model = provider.model_name
        gap.save(update_fields=["embedding", "embedding_model", "updated_at"])
    return len(ids)
