"""Suggested categories for history without categories: embeddings clustered with k-means (scikit-learn).

Each cluster becomes a ``SuggestedCategory`` with its top TF-IDF terms and the tickets nearest its centre as
examples; a lead names it, merges near-duplicates and accepts it, which creates the ``Category`` and files the
cluster's uncategorised tickets under it (as their human label too).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import numpy as np
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.text import slugify
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score

from apps.core.errors import ConflictError, ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.workflows.models import Category

from .choices import SuggestionStatus
from .models import SuggestedCategory

MAX_TICKETS = 5000
EXAMPLES = 5
TOP_TERMS = 8
GERMAN_STOP = {
    "der",
    "die",
    "das",
    "und",
    "ist",
    "nicht",
    "ich",
    "wir",
    "sie",
    "es",
    "ein",
    "eine",
    "einen",
    "mit",
    "für",
    "auf",
    "zu",
    "von",
    "den",
    "dem",
    "im",
    "in",
    "bei",
    "bitte",
    "haben",
    "hat",
    "sind",
    "wie",
    "kann",
    "können",
    "unsere",
    "unser",
    "ihre",
    "ihr",
    "sehr",
    "geehrte",
    "geehrtes",
    "team",
    "vielen",
    "dank",
    "könnten",
    "möchte",
    "mich",
    "zur",
    "uns",
    "ihnen",
    "dass",
    "diese",
    "dieser",
    "einer",
    "sowie",
    "auch",
    "oder",
    "aber",
    "werden",
    "wurde",
    "hallo",
    "nich",
    "gerne",
}


def uncategorised_texts(*, since: datetime, until: datetime, limit: int = MAX_TICKETS) -> tuple[list[int], list[str]]:
    """Ids and texts (subject + first customer message) of tickets without a category created in
    ``[since, until)``, newest first, at most ``limit`` (one query)."""
    first_body = (
        Message.objects.filter(ticket=OuterRef("pk"), author_kind=AuthorKind.CUSTOMER, is_internal=False)
        .order_by("created_at", "id")
        .values("body")[:1]
    )
    rows = (
        Ticket.objects.filter(category__isnull=True, created_at__gte=since, created_at__lt=until)
        .annotate(first_body=Subquery(first_body))
        .order_by("-created_at", "-id")
        .values_list("id", "subject", "first_body")[:limit]
    )
    ids, texts = [], []
    for pk, subject, body in rows:
        text = "\n".join(p for p in (subject, body) if p).strip()
        if text:
            ids.append(pk)
            texts.append(text[:2000])
    return ids, texts


def _choose_k(vectors: np.ndarray, *, seed: int, k_min: int, k_max: int) -> int:
    """The k in k_min..k_max with the best silhouette (on up to 2,000 rows)."""
    best_k, best = k_min, -1.0
    for k in range(k_min, k_max + 1):
        labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(vectors)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(vectors, labels, sample_size=min(2000, len(vectors)), random_state=seed)
        if score > best:
            best_k, best = k, score
    return best_k


def suggestions_build(
    *, since: datetime, until: datetime, k: int | None = None, seed: int = 0, limit: int = MAX_TICKETS
) -> list[SuggestedCategory]:
    """Cluster the uncategorised tickets of ``[since, until)`` and store one ``SuggestedCategory`` per cluster.

    ``k``: number of clusters (default: the best silhouette between 4 and 12; from 2 under 40 tickets).
    Embeddings come from ``apps.integrations.embeddings.get_embeddings()``.
    Raises ``ValidationError`` with fewer than 6 tickets.
    """
    from apps.integrations.embeddings import get_embeddings

    ids, texts = uncategorised_texts(since=since, until=until, limit=limit)
    if len(texts) < 6:
        raise ValidationError(f"Need at least 6 uncategorised tickets to cluster; found {len(texts)}.")
    vectors = np.asarray(get_embeddings().embed(texts), dtype=np.float32)
    if k is None:
        # at least 4 clusters from 40 tickets on: two would only split languages or "question vs problem";
        # a lead merges what belongs together
        k_max = max(2, min(12, len(texts) // 5))
        k = _choose_k(vectors, seed=seed, k_min=min(4, k_max) if len(texts) >= 40 else 2, k_max=k_max)
    k = max(2, min(k, len(texts) - 1))
    model = KMeans(n_clusters=k, n_init=8, random_state=seed).fit(vectors)
    labels = model.labels_
    tfidf = TfidfVectorizer(
        max_features=20000, stop_words=list(_stop_words()), token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True
    )
    matrix = tfidf.fit_transform(texts)
    vocabulary = np.asarray(tfidf.get_feature_names_out())
    run = uuid.uuid4().hex[:12]
    made = []
    for cluster in range(k):
        members = np.flatnonzero(labels == cluster)
        if not len(members):
            continue
        weights = np.asarray(matrix[members].mean(axis=0)).ravel()
        terms = [str(vocabulary[i]) for i in np.argsort(-weights)[:TOP_TERMS] if weights[i] > 0]
        distance = np.linalg.norm(vectors[members] - model.cluster_centers_[cluster], axis=1)
        examples = [ids[i] for i in members[np.argsort(distance)[:EXAMPLES]]]
        made.append(
            SuggestedCategory(
                run=run,
                size=len(members),
                top_terms=terms,
                example_ticket_ids=examples,
                ticket_ids=[ids[i] for i in members],
            )
        )
    return SuggestedCategory.objects.bulk_create(sorted(made, key=lambda s: -s.size))


def _stop_words() -> set[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return set(ENGLISH_STOP_WORDS) | set(GERMAN_STOP)


def _open(suggestion_id: int) -> SuggestedCategory:
    suggestion = SuggestedCategory.objects.select_for_update().get(pk=suggestion_id)
    if suggestion.status != SuggestionStatus.PROPOSED:
        raise ConflictError(f"This suggestion is already {suggestion.get_status_display().lower()}.")
    return suggestion


@transaction.atomic
def suggestion_rename(*, suggestion_id: int, name: str, user=None) -> SuggestedCategory:
    """Give a proposed suggestion a name (1–200 chars). Raises ``ValidationError`` / ``ConflictError``."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError("Give the category a name of 1–200 characters.")
    suggestion = _open(suggestion_id)
    suggestion.name = name
    suggestion.decided_by = user
    suggestion.save(update_fields=["name", "decided_by", "updated_at"])
    return suggestion


@transaction.atomic
def suggestion_merge(*, target_id: int, source_ids: list[int], user=None) -> SuggestedCategory:
    """Merge proposed suggestions ``source_ids`` into ``target_id``: tickets, examples and terms move over.

    Raises ``ValidationError`` when merging a suggestion into itself, ``ConflictError`` for decided ones.
    """
    if not source_ids or target_id in source_ids:
        raise ValidationError("Pick one or more other suggestions to merge into this one.")
    target = _open(target_id)
    for source_id in source_ids:
        source = _open(source_id)
        target.ticket_ids = [*target.ticket_ids, *[t for t in source.ticket_ids if t not in target.ticket_ids]]
        target.example_ticket_ids = [*target.example_ticket_ids, *source.example_ticket_ids][: EXAMPLES * 2]
        target.top_terms = [*target.top_terms, *[t for t in source.top_terms if t not in target.top_terms]][
            : TOP_TERMS * 2
        ]
        source.status = SuggestionStatus.MERGED
        source.merged_into = target
        source.decided_by = user
        source.save(update_fields=["status", "merged_into", "decided_by", "updated_at"])
    target.size = len(target.ticket_ids)
    target.save(update_fields=["ticket_ids", "example_ticket_ids", "top_terms", "size", "updated_at"])
    return target


@transaction.atomic
def suggestion_accept(*, suggestion_id: int, user=None, slug: str = "") -> SuggestedCategory:
    """Create the ``Category`` for a named suggestion and file its still-uncategorised tickets under it
    (``category`` and ``labelled_category``). ``slug`` defaults to the slugified name.

    Raises ``ValidationError`` without a name or when the slug exists, ``ConflictError`` when decided already.
    """
    suggestion = _open(suggestion_id)
    if not suggestion.name:
        raise ValidationError("Name the suggestion before accepting it.")
    slug = slugify(slug or suggestion.name)[:100]
    if not slug:
        raise ValidationError("The name must contain letters or digits.")
    if Category.objects.filter(slug=slug).exists():
        raise ValidationError(f"A category with slug '{slug}' exists already: merge or rename.", extra={"slug": slug})
    category = Category.objects.create(slug=slug, name=suggestion.name, description="From a clustering suggestion")
    Ticket.objects.filter(pk__in=suggestion.ticket_ids, category__isnull=True).update(
        category=category, labelled_category=category
    )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.category = category
    suggestion.decided_by = user
    suggestion.save(update_fields=["status", "category", "decided_by", "updated_at"])
    return suggestion


@transaction.atomic
def suggestion_dismiss(*, suggestion_id: int, user=None) -> SuggestedCategory:
    """Drop a proposed suggestion. Raises ``ConflictError`` when decided already."""
    suggestion = _open(suggestion_id)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.decided_by = user
    suggestion.save(update_fields=["status", "decided_by", "updated_at"])
    return suggestion
