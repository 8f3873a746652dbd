"""Hybrid retrieval over knowledge chunks: pgvector cosine search + PostgreSQL full text, fused with reciprocal
rank fusion (RRF), filtered by visibility, source kind, product area and source, recency-weighted for changelog
and pricing entries.

Filtered vector search and pgvector 0.6: an HNSW index scan returns its ``hnsw.ef_search`` nearest rows *before*
the WHERE clause, so a selective filter leaves fewer than k rows. We count the filtered rows (bounded); when
there are at most ``EXACT_SEARCH_MAX_ROWS`` we run an exact scan over them (the ORDER BY expression is written
so the planner cannot pick the HNSW index); otherwise we raise ``hnsw.ef_search`` in proportion to the filter's
selectivity, and fall back to the exact scan if the index still returns too few rows.

Scores on each ``SearchHit``:
- ``dense_score``: cosine similarity of the question and the chunk's pooled embedding, −1…1.
- ``text_score``: ``ts_rank(search_vector, query, 1)`` (title words weigh A, body B; length-normalised), ≥ 0.
  The query is the OR of its lexemes, minus those in more than 30% of chunks (PostgreSQL's own column
  statistics; a BM25 IDF is about zero there), which keeps the OR query from matching most of a large table.
- ``fused_score``: RRF ``Σ weight / (RRF_K + rank)`` over the two rankings, times the recency weight.
- ``score``: the grounding score, 0–1 — ``dense_score`` clipped at 0 plus ``TEXT_SCORE_WEIGHT`` ×
  ``text_score / (text_score + 0.1)``, capped at 1. Ranking uses ``fused_score``; ``score`` answers "is this
  passage good enough" (see ``apps.knowledge.grounding``).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.integrations.embeddings import get_embeddings

from .choices import RECENCY_WEIGHTED_KINDS, SourceKind, Visibility
from .models import FTS_CONFIG, Chunk, Document

RRF_K = 5
DENSE_WEIGHT = 1.5
TEXT_WEIGHT = 1.0
MIN_CANDIDATES = 50
DEFAULT_EF_SEARCH = 400
PGVECTOR_DEFAULT_EF_SEARCH = "40"
MAX_EF_SEARCH = 1000
EXACT_SEARCH_MAX_ROWS = 5_000
RECENCY_HALF_LIFE_DAYS = 180.0
TEXT_SCORE_WEIGHT = 0.1
COMMON_LEXEME_SHARE = 0.3
COMMON_LEXEME_CACHE_S = 60.0
METHODS = ("hybrid", "dense", "fulltext")
FILTER_KEYS = ("visibility", "source_kind", "product_area", "source_id")


@dataclass(frozen=True)
class SearchHit:
    """One retrieved chunk with its citation (document ``title`` and ``url``) and scores (see module doc)."""

    chunk_id: int
    document_id: int
    title: str
    url: str
    heading: str
    text: str
    score: float
    dense_score: float
    text_score: float
    visibility: str
    source_kind: str
    fused_score: float = 0.0
    dense_rank: int | None = None
    text_rank: int | None = None
    recency_weight: float = 1.0
    chunk_title: str = ""
    source_name: str = ""
    product_area: str = ""
    published_at: datetime | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def citation(self) -> str:
        """``Title (url)`` or just the title, for replies and notes."""
        return f"{self.title} ({self.url})" if self.url else self.title


@dataclass
class SearchResult:
    """Hits plus how they were found: ``strategy`` of the vector leg (``hnsw``, ``exact``, ``hnsw+exact``,
    ``none``), the ``ef_search`` used, candidate counts and timings in milliseconds."""

    hits: list[SearchHit]
    method: str
    strategy: str = "none"
    ef_search: int | None = None
    filtered_rows: int | None = None
    dense_candidates: int = 0
    text_candidates: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)


def search(query: str, *, k: int = 5, filters: dict | None = None, method: str = "hybrid") -> list[SearchHit]:
    """The ``k`` best chunks for ``query``, best first.

    ``filters`` (all optional): ``visibility`` (``"public"`` for anything customer-facing; internal chunks are
    then never returned), ``source_kind``, ``product_area`` (matches that area and area-less chunks),
    ``source_id``; each a value or a list of values. ``method``: ``hybrid`` (default), ``dense`` or
    ``fulltext``. Reads ``knowledge_chunk``; embeds the query with ``get_embeddings()``.
    Raises ``ValidationError`` for an unknown filter, filter value or method; ``ProviderError`` from the
    embeddings provider."""
    return search_detailed(query, k=k, filters=filters, method=method).hits


def search_detailed(
    query: str,
    *,
    k: int = 5,
    filters: dict | None = None,
    method: str = "hybrid",
    query_vector: np.ndarray | None = None,
) -> SearchResult:
    """``search`` with the explanation (strategy, candidates, timings). ``query_vector`` skips embedding."""
    if method not in METHODS:
        raise ValidationError(f"Unknown search method '{method}'; use one of {', '.join(METHODS)}.")
    if k < 1 or k > 100:
        raise ValidationError("k must be between 1 and 100.")
    query = " ".join((query or "").split())[:2000]
    result = SearchResult(hits=[], method=method)
    if not query:
        return result
    where, params = _where(filters or {})
    started = time.perf_counter()
    if query_vector is None:
        query_vector = get_embeddings().embed([query])[0]
    vector = "[" + ",".join(map(repr, np.asarray(query_vector, dtype=np.float32).tolist())) + "]"
    has_vector = bool(np.any(query_vector))
    result.timings_ms["embed"] = _ms(started)
    n = max(MIN_CANDIDATES, 4 * k)

    with transaction.atomic(), connection.cursor() as cursor:
        lexemes = query_lexemes(cursor, query)
        dense: list[int] = []
        if method in ("hybrid", "dense") and has_vector:
            started = time.perf_counter()
            dense = _dense_candidates(cursor, vector, where, params, n, result)
            result.timings_ms["dense"] = _ms(started)
        text: list[int] = []
        if method in ("hybrid", "fulltext"):
            started = time.perf_counter()
            text = _text_candidates(cursor, lexemes, where, params, n)
            result.timings_ms["text"] = _ms(started)
        result.dense_candidates, result.text_candidates = len(dense), len(text)
        started = time.perf_counter()
        rows = _candidate_rows(cursor, vector, lexemes, list(dict.fromkeys(dense + text)))
        result.timings_ms["fetch"] = _ms(started)

    dense_rank = {chunk_id: rank for rank, chunk_id in enumerate(dense, start=1)}
    text_rank = {chunk_id: rank for rank, chunk_id in enumerate(text, start=1)}
    now = timezone.now()
    hits = []
    for row in rows:
        (
            chunk_id,
            document_id,
            chunk_title,
            heading,
            body,
            visibility,
            source_kind,
            product_area,
            flags,
            published,
            doc_title,
            url,
            source_name,
            dense_score,
            text_score,
        ) = row
        d_rank, t_rank = dense_rank.get(chunk_id), text_rank.get(chunk_id)
        dense_score = dense_score if has_vector else 0.0  # a zero query vector has no cosine (NaN)
        weight = recency_weight(source_kind, published, now)
        fused = 0.0
        if d_rank and method != "fulltext":
            fused += DENSE_WEIGHT / (RRF_K + d_rank)
        if t_rank and method != "dense":
            fused += TEXT_WEIGHT / (RRF_K + t_rank)
        hits.append(
            SearchHit(
                chunk_id=chunk_id,
                document_id=document_id,
                title=doc_title,
                url=url,
                heading=heading,
                text=body,
                score=grounding_score(dense_score, text_score),
                dense_score=float(dense_score),
                text_score=float(text_score),
                visibility=visibility,
                source_kind=source_kind,
                fused_score=fused * weight,
                dense_rank=d_rank,
                text_rank=t_rank,
                recency_weight=weight,
                chunk_title=chunk_title,
                source_name=source_name,
                product_area=product_area,
                published_at=published,
                flags=list(flags or []),
            )
        )
    hits.sort(key=lambda h: (-h.fused_score, -h.dense_score, h.chunk_id))
    result.hits = hits[:k]
    return result


def grounding_score(dense_score: float, text_score: float) -> float:
    """The 0–1 grounding score of a chunk from its cosine similarity and its ``ts_rank`` (see module doc)."""
    text_part = text_score / (text_score + 0.1) if text_score > 0 else 0.0
    return round(min(1.0, max(0.0, float(dense_score)) + TEXT_SCORE_WEIGHT * text_part), 4)


def recency_weight(source_kind: str, published: datetime | None, now: datetime) -> float:
    """1.0 for most kinds; changelog and pricing entries weigh ``0.5 + 0.5 · 2^(−age / 180 days)``, so a
    current price page beats last year's (an undated entry counts as current)."""
    if source_kind not in RECENCY_WEIGHTED_KINDS or published is None:
        return 1.0
    age_days = max(0.0, (now - published).total_seconds() / 86400)
    return 0.5 + 0.5 * math.pow(0.5, age_days / RECENCY_HALF_LIFE_DAYS)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _as_list(key: str, value) -> list:
    values = list(value) if isinstance(value, list | tuple | set) else [value]
    if not values:
        raise ValidationError(f"Filter '{key}' needs at least one value.")
    return values


def _where(filters: dict) -> tuple[str, list]:
    """SQL conditions on ``c`` (``knowledge_chunk``) for ``filters``; raises ``ValidationError`` on bad input."""
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise ValidationError(f"Unknown search filter(s): {', '.join(sorted(unknown))}; use {', '.join(FILTER_KEYS)}.")
    clauses, params = [], []
    allowed = {"visibility": Visibility.values, "source_kind": SourceKind.values}
    for key in ("visibility", "source_kind"):
        if filters.get(key) is None:
            continue
        values = [str(v) for v in _as_list(key, filters[key])]
        bad = [v for v in values if v not in allowed[key]]
        if bad:
            raise ValidationError(f"Unknown {key} {', '.join(bad)}; use one of {', '.join(allowed[key])}.")
        clauses.append(f"c.{key} = ANY(%s)")
        params.append(values)
    if filters.get("product_area") is not None:
        clauses.append("(c.product_area = ANY(%s) OR c.product_area = '')")
        params.append([str(v) for v in _as_list("product_area", filters["product_area"])])
    if filters.get("source_id") is not None:
        try:
            ids = [int(v) for v in _as_list("source_id", filters["source_id"])]
        except (TypeError, ValueError) as exc:
            raise ValidationError("Filter 'source_id' takes source ids (integers).") from exc
        clauses.append(f"c.document_id IN (SELECT id FROM {Document._meta.db_table} WHERE source_id = ANY(%s))")
        params.append(ids)
    return " AND ".join(clauses), params


def _dense_candidates(cursor, vector: str, where: str, params: list, n: int, result: SearchResult) -> list[int]:
    table = Chunk._meta.db_table
    condition = f"WHERE {where}" if where else ""
    if where:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} c WHERE {where} LIMIT %s) s",
            [*params, EXACT_SEARCH_MAX_ROWS + 1],
        )
        filtered = cursor.fetchone()[0]
        result.filtered_rows = filtered
        if filtered <= EXACT_SEARCH_MAX_ROWS:
            result.strategy = "exact"
            return _exact(cursor, vector, condition, params, n)
        # The count above stops at the cap; the planner's estimate gives the filter's real selectivity.
        selectivity = min(1.0, max(filtered, _estimated_rows(cursor, where, params)) / max(1, _table_rows(cursor)))
        # About ef × selectivity of the rows the index visits pass the filter: scale ef to keep that constant.
        ef = math.ceil(max(DEFAULT_EF_SEARCH, n) / selectivity)
    else:
        filtered = None
        ef = DEFAULT_EF_SEARCH
    ef = max(DEFAULT_EF_SEARCH, n, min(MAX_EF_SEARCH, ef))
    result.strategy, result.ef_search = "hnsw", ef
    # missing_ok: the setting only exists once the vector library is loaded in this session.
    cursor.execute("SELECT current_setting('hnsw.ef_search', true)")
    previous = cursor.fetchone()[0] or PGVECTOR_DEFAULT_EF_SEARCH
    cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef)])
    try:
        cursor.execute(
            f"SELECT c.id FROM {table} c {condition} ORDER BY c.embedding <=> %s::vector LIMIT %s",
            [*params, vector, n],
        )
        ids = [r[0] for r in cursor.fetchall()]
    finally:
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [previous])
    if len(ids) < n and (filtered is None or filtered > len(ids)) and (where or _table_rows(cursor) > len(ids)):
        result.strategy = "hnsw+exact"
        return _exact(cursor, vector, condition, params, n)
    return ids


def _estimated_rows(cursor, where: str, params: list) -> int:
    """The planner's estimate of the chunks matching ``where`` (no rows are read)."""
    cursor.execute(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {Chunk._meta.db_table} c WHERE {where}", params)
    plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _exact(cursor, vector: str, condition: str, params: list, n: int) -> list[int]:
    # "+ 0" makes the ORDER BY expression differ from the indexed operator, so the planner sorts exactly.
    cursor.execute(
        f"SELECT c.id FROM {Chunk._meta.db_table} c {condition} ORDER BY (c.embedding <=> %s::vector) + 0 LIMIT %s",
        [*params, vector, n],
    )
    return [r[0] for r in cursor.fetchall()]


def _table_rows(cursor) -> int:
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [Chunk._meta.db_table])
    estimate = cursor.fetchone()[0]
    if estimate is None or estimate < 1000:  # never analysed, or small enough to count
        cursor.execute(f"SELECT count(*) FROM {Chunk._meta.db_table}")
        return cursor.fetchone()[0]
    return estimate


_TSQUERY = "(SELECT to_tsquery('simple', coalesce(string_agg(quote_literal(l), ' | '), '')) FROM unnest(%s::text[]) l)"
_common_cache: dict[str, tuple[float, dict[str, float]]] = {}


def common_lexemes(cursor) -> dict[str, float]:
    """Lexemes found in more than ``COMMON_LEXEME_SHARE`` of chunks, with their share, from PostgreSQL's own
    column statistics (``pg_stats.most_common_elems`` of ``search_vector``, kept by ANALYZE/autovacuum);
    cached for ``COMMON_LEXEME_CACHE_S`` seconds. Empty before the first ANALYZE."""
    cached = _common_cache.get(connection.alias)
    if cached and time.monotonic() - cached[0] < COMMON_LEXEME_CACHE_S:
        return cached[1]
    cursor.execute(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE tablename = %s AND attname = 'search_vector'",
        [Chunk._meta.db_table],
    )
    row = cursor.fetchone()
    common = {}
    if row and row[0]:
        common = {lexeme: share for lexeme, share in zip(row[0], row[1], strict=False) if share > COMMON_LEXEME_SHARE}
    _common_cache[connection.alias] = (time.monotonic(), common)
    return common


def query_lexemes(cursor, query: str) -> list[str]:
    """The query's lexemes under the full-text configuration, without those common to most chunks (they carry
    no information and make the OR query match a large part of the table); all of them when all are common."""
    cursor.execute(f"SELECT lexeme FROM unnest(to_tsvector('{FTS_CONFIG}', %s))", [query])
    lexemes = [r[0] for r in cursor.fetchall()]
    common = common_lexemes(cursor)
    kept = [lexeme for lexeme in lexemes if lexeme not in common]
    return kept or lexemes


def _text_candidates(cursor, lexemes: list[str], where: str, params: list, n: int) -> list[int]:
    if not lexemes:
        return []
    condition = f"AND {where}" if where else ""
    cursor.execute(
        f"SELECT c.id FROM {Chunk._meta.db_table} c, {_TSQUERY} AS q(q) "
        f"WHERE c.search_vector @@ q.q {condition} ORDER BY ts_rank(c.search_vector, q.q, 1) DESC, c.id LIMIT %s",
        [lexemes, *params, n],
    )
    return [r[0] for r in cursor.fetchall()]


def _candidate_rows(cursor, vector: str, lexemes: list[str], ids: Sequence[int]) -> list[tuple]:
    if not ids:
        return []
    cursor.execute(
        f"""SELECT c.id, c.document_id, c.title, c.heading, c.text, c.visibility, c.source_kind, c.product_area,
                   c.flags, coalesce(c.published_at, d.published_at), d.title, d.url, s.name,
                   1 - (c.embedding <=> %s::vector), ts_rank(c.search_vector, q.q, 1)
            FROM {Chunk._meta.db_table} c
            JOIN knowledge_document d ON d.id = c.document_id
            JOIN knowledge_source s ON s.id = d.source_id,
            {_TSQUERY} AS q(q)
            WHERE c.id = ANY(%s)""",
        [vector, lexemes, list(ids)],
    )
    return cursor.fetchall()
