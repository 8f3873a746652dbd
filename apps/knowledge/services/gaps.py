"""Knowledge gaps: questions retrieval could not answer well, grouped by meaning, counted, with example tickets."""

from __future__ import annotations

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.integrations.embeddings import get_embeddings
from apps.knowledge.choices import GapStatus
from apps.knowledge.grounding import grounding_threshold
from apps.knowledge.models import KnowledgeGap

DEFAULT_GAP_SIMILARITY = 0.62
MAX_EXAMPLES = 10
_LOCK_KEY = 0x6B6E6F67  # pg_advisory_xact_lock key serialising gap grouping


def gap_similarity() -> float:
    """Cosine similarity (0–1) from which a question joins an open gap (``settings.KNOWLEDGE_GAP_SIMILARITY``).

    0.62 with WordLlama: measured on the StackFAQ paraphrases, greedy centroid grouping at 0.62 keeps groups
    about 88% pure while merging most paraphrases of one question."""
    return float(getattr(settings, "KNOWLEDGE_GAP_SIMILARITY", DEFAULT_GAP_SIMILARITY))


def gap_record(
    question: str, best_score: float, ticket_id: int | None = None, *, threshold: float | None = None
) -> KnowledgeGap | None:
    """Record that ``question`` got no good passage (its best ``SearchHit.score`` was ``best_score``, 0–1).

    Only questions below ``threshold`` (default ``grounding_threshold()``) are recorded; others return ``None``.
    The question joins the most similar open gap when the cosine similarity of its embedding to the gap's
    centroid reaches ``gap_similarity()`` (the count grows, the question and ``ticket_id`` become examples, at
    most 10 each; a ticket already on the gap is not counted twice); otherwise it opens a new gap.
    Raises ``ValidationError`` for an empty question. Embeddings come from ``get_embeddings()``."""
    question = " ".join((question or "").split())
    if not question:
        raise ValidationError("A knowledge gap needs the customer's question.")
    threshold = grounding_threshold() if threshold is None else threshold
    if best_score >= threshold:
        return None
    provider = get_embeddings()
    vector = provider.embed([question[:2000]])[0]
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        gap = _nearest_open_gap(vector) if np.any(vector) else None
        if gap is None:
            gap = KnowledgeGap.objects.create(
                question=question,
                embedding=vector,
                embedding_model=provider.model_name,
                best_score=best_score,
                example_questions=[question],
                last_seen_at=now,
            )
        else:
            already = ticket_id is not None and gap.example_tickets.filter(pk=ticket_id).exists()
            if not already:
                centroid = np.asarray(gap.embedding, dtype=np.float32) * gap.count + vector
                gap.embedding = centroid / (np.linalg.norm(centroid) or 1.0)
                gap.count += 1
                gap.best_score = max(gap.best_score, best_score)
                if question not in gap.example_questions and len(gap.example_questions) < MAX_EXAMPLES:
                    gap.example_questions = [*gap.example_questions, question]
            gap.last_seen_at = now
            gap.save()
        if ticket_id is not None and gap.example_tickets.count() < MAX_EXAMPLES:
            from apps.tickets.models import Ticket

            if not Ticket.objects.filter(pk=ticket_id).exists():
                raise ValidationError(f"Ticket {ticket_id} does not exist.")
            gap.example_tickets.add(ticket_id)
    return gap


def _nearest_open_gap(vector: np.ndarray) -> KnowledgeGap | None:
    from pgvector.django import CosineDistance

    nearest = (
        KnowledgeGap.objects.filter(status=GapStatus.OPEN)
        .annotate(distance=CosineDistance("embedding", vector))
        .order_by("distance")
        .first()
    )
    if nearest is not None and 1.0 - nearest.distance >= gap_similarity():
        return nearest
    return None


def gap_status_set(*, gap: KnowledgeGap, status: str) -> KnowledgeGap:
    """Mark a gap open, article-drafted, resolved or dismissed. Raises ``ValidationError`` for another status."""
    if status not in GapStatus.values:
        raise ValidationError(f"Unknown gap status '{status}'; use one of {', '.join(GapStatus.values)}.")
    gap.status = status
    gap.save(update_fields=["status", "updated_at"])
    return gap
