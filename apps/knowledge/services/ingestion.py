"""Ingestion: parsed documents into stored documents and embedded chunks, idempotently.

A document whose content hash is unchanged is skipped (no writes); a changed one gets its chunks replaced in
the same transaction that updates it, so search sees either the old chunks or the new ones, never a mix. A file
that cannot be read is recorded as a failed document and the rest carry on; an existing document keeps its
previous chunks when its new version fails.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, connections, transaction
from django.utils import timezone

from apps.core.errors import ApplicationError, ValidationError
from apps.integrations.embeddings import EmbeddingsProvider, get_embeddings
from apps.knowledge.choices import DocumentStatus
from apps.knowledge.grounding import find_instructions
from apps.knowledge.ingestion import ParsedDocument, chunk_document, format_for, parse_file
from apps.knowledge.models import Chunk, Document, Source

from .chunks import ChunkRow, chunks_copy, embed_pooled

logger = logging.getLogger(__name__)

DEFAULT_BATCH_DOCUMENTS = 200
MAX_FLAGS = 20
_DOCUMENT_FIELDS = (
    "title",
    "url",
    "format",
    "content_hash",
    "text",
    "error",
    "flags",
    "status",
    "chunk_count",
    "published_at",
    "updated_at",
)


@dataclass
class IngestResult:
    """Counts of one ingestion. ``errors`` holds one readable line per failed document or row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    pruned: int = 0
    chunks: int = 0
    errors: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    index_seconds: float = 0.0  # bulk loads: time spent rebuilding the vector index

    @property
    def documents(self) -> int:
        return self.created + self.updated + self.unchanged + self.failed

    def add(self, other: IngestResult) -> None:
        for name in ("created", "updated", "unchanged", "failed", "pruned", "chunks"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        self.document_ids.extend(other.document_ids)


def documents_ingest(
    *,
    source: Source,
    documents: Iterable[ParsedDocument],
    batch_size: int = DEFAULT_BATCH_DOCUMENTS,
    provider: EmbeddingsProvider | None = None,
    on_batch: Callable[[IngestResult], None] | None = None,
    bulk: bool = False,
) -> IngestResult:
    """Store ``documents`` in ``source``, ``batch_size`` documents per transaction.

    Batches are pipelined: while one batch is written (COPY in PostgreSQL), the next one is chunked and embedded
    in a worker thread. ``on_batch`` is called with each batch's counts (for progress bars). Embedding failures
    (``ProviderError``) mark that batch's new or changed documents failed; nothing already stored is lost.
    ``bulk`` (initial loads): the whole ingestion runs in one transaction with the HNSW index dropped and
    rebuilt at the end (``index_seconds`` in the result), many times faster than maintaining the graph row by
    row; searches wait for the rebuild.
    """
    if bulk:
        with transaction.atomic():
            with _hnsw_rebuilt_after() as timing:
                result = documents_ingest(
                    source=source, documents=documents, batch_size=batch_size, provider=provider, on_batch=on_batch
                )
            result.index_seconds = timing["seconds"]
            return result
    provider = provider or get_embeddings()
    total = IngestResult()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="knowledge-embed") as pool:
        pending: _Prepared | None = None
        for batch in _batches(documents, batch_size):
            prepared = _classify(source, batch)
            prepared.future = pool.submit(_chunk_and_embed, prepared.writes, provider)
            if pending is not None:
                _write(source, pending, provider, total, on_batch)
            pending = prepared
        if pending is not None:
            _write(source, pending, provider, total, on_batch)
    return total


def _batches(documents: Iterable[ParsedDocument], size: int) -> Iterator[list[ParsedDocument]]:
    batch: dict[str, ParsedDocument] = {}
    for document in documents:
        batch[document.external_id] = document  # the same key twice in one batch: the later one wins
        if len(batch) >= size:
            yield list(batch.values())
            batch = {}
    if batch:
        yield list(batch.values())


HNSW_BUILD_MEMORY = "512MB"


@contextmanager
def _hnsw_rebuilt_after():
    """Drop the chunk embedding HNSW index, run the block, recreate it (same definition as the model's Meta)
    with more ``maintenance_work_mem`` so the graph is built in memory. Call inside a transaction; yields a
    dict whose ``seconds`` is the rebuild time."""
    index = next(i for i in Chunk._meta.indexes if i.name == "knowledge_chunk_embedding_hnsw")
    timing = {"seconds": 0.0}
    with connection.schema_editor(atomic=False) as editor:
        editor.remove_index(Chunk, index)
    yield timing
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Deferred foreign-key checks must fire first: PostgreSQL refuses CREATE INDEX with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [HNSW_BUILD_MEMORY])
    with connection.schema_editor(atomic=False) as editor:
        editor.add_index(Chunk, index)
    timing["seconds"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Chunk._meta.db_table}")  # fresh planner and lexeme statistics after a big load


def document_ingest(
    *, source: Source, document: ParsedDocument, provider: EmbeddingsProvider | None = None
) -> IngestResult:
    """Store one parsed document (see ``documents_ingest``)."""
    return documents_ingest(source=source, documents=[document], provider=provider)


@dataclass
class _Prepared:
    """A batch sorted into unchanged, failed and to-write documents (by the state read before embedding)."""

    unchanged: list[ParsedDocument] = field(default_factory=list)
    failures: list[tuple[ParsedDocument, str]] = field(default_factory=list)
    writes: list[tuple[ParsedDocument, str]] = field(default_factory=list)  # (document, content hash)
    future: Future | None = None


def _classify(source: Source, batch: list[ParsedDocument]) -> _Prepared:
    prepared = _Prepared()
    known = dict(
        Document.objects.filter(source=source, external_id__in=[p.external_id[:500] for p in batch])
        .exclude(status=DocumentStatus.FAILED)
        .values_list("external_id", "content_hash")
    )
    for parsed in batch:
        if parsed.error:
            prepared.failures.append((parsed, parsed.error))
            continue
        content_hash = parsed.content_hash
        if known.get(parsed.external_id[:500]) == content_hash:
            prepared.unchanged.append(parsed)
        else:
            prepared.writes.append((parsed, content_hash))
    return prepared


def _chunk_and_embed(writes: list[tuple[ParsedDocument, str]], provider: EmbeddingsProvider):
    """Chunks of each document to write, their pooled embeddings and their instruction flags (runs in the worker
    thread; a provider that touches the database gets this thread's own connection, closed at the end)."""
    try:
        drafts = [chunk_document(parsed) for parsed, _ in writes]
        flat = [d for doc_drafts in drafts for d in doc_drafts]
        flags = [[find_instructions(f"{d.title}\n{d.text}")[:MAX_FLAGS] for d in doc_drafts] for doc_drafts in drafts]
        return drafts, embed_pooled([d.title for d in flat], [d.text for d in flat], provider=provider), flags
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


def _write(source, prepared: _Prepared, provider, total: IngestResult, on_batch) -> None:
    try:
        drafts, vectors, flags = prepared.future.result()
    except ApplicationError as exc:
        prepared.failures.extend((parsed, f"Embedding failed: {exc.message}") for parsed, _ in prepared.writes)
        prepared.writes, drafts, vectors, flags = [], [], None, []
    result = _write_batch(
        source=source, prepared=prepared, drafts=drafts, vectors=vectors, flags=flags, provider=provider
    )
    total.add(result)
    if on_batch:
        on_batch(result)


@transaction.atomic
def _write_batch(*, source: Source, prepared: _Prepared, drafts, vectors, flags, provider) -> IngestResult:
    result = IngestResult()
    # One ingestion per source at a time: the row lock serialises concurrent runs on the same documents, and the
    # state is read again under it (another run may have stored one of these documents since _classify).
    source = Source.objects.select_for_update().get(pk=source.pk)
    keys = [
        p.external_id[:500]
        for p in (*prepared.unchanged, *(p for p, _ in prepared.failures), *(p for p, _ in prepared.writes))
    ]
    existing = {d.external_id: d for d in Document.objects.filter(source=source, external_id__in=keys)}
    result.unchanged = len(prepared.unchanged)
    result.document_ids.extend(
        existing[p.external_id[:500]].pk for p in prepared.unchanged if p.external_id[:500] in existing
    )

    for parsed, error in prepared.failures:
        current = existing.get(parsed.external_id[:500])
        result.failed += 1
        result.errors.append(f"{parsed.external_id}: {error}")
        if current is None:
            current = Document.objects.create(
                source=source,
                external_id=parsed.external_id[:500],
                title=parsed.title[:500] or parsed.external_id,
                format=parsed.format,
                content_hash="",
                status=DocumentStatus.FAILED,
                error=error,
            )
        else:
            current.status, current.error = DocumentStatus.FAILED, error
            current.save(update_fields=["status", "error", "updated_at"])
        result.document_ids.append(current.pk)

    now = timezone.now()
    new_documents, changed_documents, kept = [], [], []
    for (parsed, content_hash), doc_drafts, chunk_flags in zip(prepared.writes, drafts, flags, strict=True):
        current = existing.get(parsed.external_id[:500])
        if current and current.content_hash == content_hash and current.status != DocumentStatus.FAILED:
            result.unchanged += 1  # stored meanwhile by another run with the same content
            result.document_ids.append(current.pk)
            kept.append(False)
            continue
        kept.append(True)
        document_flags = sorted({flag for found in chunk_flags for flag in found})[:MAX_FLAGS]
        values = {
            "title": (parsed.title or parsed.external_id)[:500],
            "url": parsed.url[:1000],
            "format": parsed.format,
            "content_hash": content_hash,
            "text": parsed.text,
            "error": "",
            "flags": document_flags,
            "status": DocumentStatus.READY if doc_drafts else DocumentStatus.EMPTY,
            "chunk_count": len(doc_drafts),
            "published_at": parsed.published_at,
            "updated_at": now,
        }
        if current is None:
            new_documents.append(
                Document(source=source, external_id=parsed.external_id[:500], created_at=now, **values)
            )
        else:
            for name, value in values.items():
                setattr(current, name, value)
            changed_documents.append(current)
    Document.objects.bulk_create(new_documents, batch_size=500)
    if changed_documents:
        Document.objects.bulk_update(changed_documents, _DOCUMENT_FIELDS, batch_size=500)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Chunk._meta.db_table} WHERE document_id = ANY(%s)", [[d.pk for d in changed_documents]]
            )
    result.created, result.updated = len(new_documents), len(changed_documents)

    stored = {d.external_id: d for d in (*new_documents, *changed_documents)}
    rows, offset = [], 0
    for (parsed, _), doc_drafts, chunk_flags, keep in zip(prepared.writes, drafts, flags, kept, strict=True):
        if not keep:
            offset += len(doc_drafts)
            continue
        document = stored[parsed.external_id[:500]]
        result.document_ids.append(document.pk)
        for ordinal, (draft, found) in enumerate(zip(doc_drafts, chunk_flags, strict=True)):
            rows.append(
                ChunkRow(
                    document_id=document.pk,
                    ordinal=ordinal,
                    draft=draft,
                    embedding=vectors[offset],
                    embedding_model=provider.model_name,
                    visibility=source.visibility,
                    source_kind=source.kind,
                    product_area=source.product_area,
                    flags=found,
                )
            )
            offset += 1
    result.chunks = chunks_copy(rows)
    return result


def collect_files(path: Path) -> list[tuple[Path, str]]:
    """Supported files under ``path`` (a file or a folder, recursively, hidden entries skipped), sorted, with
    the key each is stored under: its path relative to the folder (the file name for a single file).

    Raises ``ValidationError`` when ``path`` does not exist or holds no supported file."""
    path = Path(path)
    if not path.exists():
        raise ValidationError(f"No such file or folder: {path}")
    if path.is_file():
        return [(path, path.name)]
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and format_for(p.name) and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )
    if not files:
        raise ValidationError(f"No Markdown, HTML, text, PDF or CSV files in {path}.")
    return [(p, p.relative_to(path).as_posix()) for p in files]


def _parse_files(files: list[tuple[Path, str]], seen_csv: dict[str, set[str]]) -> Iterator[ParsedDocument]:
    for file_path, key in files:
        try:
            data = file_path.read_bytes()
        except OSError as exc:
            yield ParsedDocument(key, file_path.name, format_for(file_path.name) or "text", error=f"Unreadable: {exc}")
            continue
        documents = parse_file(data=data, name=file_path.name, external_id=key)
        if format_for(file_path.name) == "qa_csv":
            seen_csv[key] = {d.external_id for d in documents}
        yield from documents


def path_ingest(
    *,
    source: Source,
    path: Path | str,
    prune: bool = False,
    provider: EmbeddingsProvider | None = None,
    on_progress: Callable[[int, int, IngestResult], None] | None = None,
    batch_size: int = DEFAULT_BATCH_DOCUMENTS,
    bulk: bool = False,
) -> IngestResult:
    """Ingest a file or a folder into ``source`` (``bulk``: see ``documents_ingest``).

    Each Q/A CSV is the whole truth for its rows: rows no longer in the file are deleted. With ``prune``, every
    document of the source not found under ``path`` is deleted too (use it when the folder is the source).
    ``on_progress(files_done, files_total, batch_result)`` is called after each batch.
    Raises ``ValidationError`` when ``path`` is missing or holds no supported file."""
    files = collect_files(Path(path))
    seen_csv: dict[str, set[str]] = {}
    seen_ids: set[str] = set()

    def documents():
        for parsed in _parse_files(files, seen_csv):
            seen_ids.add(parsed.external_id)
            yield parsed

    def progress(batch_result: IngestResult):
        if on_progress:
            on_progress(min(len({i.split("#", 1)[0] for i in seen_ids}), len(files)), len(files), batch_result)

    result = documents_ingest(
        source=source, documents=documents(), provider=provider, on_batch=progress, batch_size=batch_size, bulk=bulk
    )
    result.pruned = _prune(source=source, seen_csv=seen_csv, seen_ids=seen_ids if prune else None)
    return result


def _prune(*, source: Source, seen_csv: dict[str, set[str]], seen_ids: set[str] | None) -> int:
    stale = Document.objects.none()
    for key, ids in seen_csv.items():
        stale = stale | Document.objects.filter(source=source, external_id__startswith=f"{key}#").exclude(
            external_id__in=ids
        )
    if seen_ids is not None:
        stale = stale | Document.objects.filter(source=source).exclude(external_id__in=seen_ids)
    count = stale.count()
    if count:
        stale.delete()
    return count
