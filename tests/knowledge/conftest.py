"""Fixtures of the knowledge tests: sources, documents ingested through the real pipeline, raw chunk rows."""

import numpy as np
import pytest

from apps.knowledge.choices import DocumentFormat, SourceKind, Visibility
from apps.knowledge.ingestion import ParsedDocument, Section, chunk_document
from apps.knowledge.models import Document
from apps.knowledge.services import document_ingest, source_get_or_create
from apps.knowledge.services.chunks import ChunkRow, chunks_copy


def qa(external_id: str, question: str, answer: str, **extra) -> ParsedDocument:
    """A question/answer document."""
    return ParsedDocument(
        external_id=external_id,
        title=question,
        format=DocumentFormat.QA,
        question=question,
        sections=[Section((), answer)],
        **extra,
    )


def article(external_id: str, title: str, *sections: tuple[str, str], **extra) -> ParsedDocument:
    """A Markdown-like article: ``sections`` are ``(heading, body)`` pairs."""
    return ParsedDocument(
        external_id=external_id,
        title=title,
        format=DocumentFormat.MARKDOWN,
        sections=[Section((h,) if h else (), body) for h, body in sections],
        **extra,
    )


@pytest.fixture
def help_center(db):
    return source_get_or_create(name="Help center", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC)[0]


@pytest.fixture
def sops(db):
    return source_get_or_create(name="Billing SOPs", kind=SourceKind.INTERNAL_SOP, visibility=Visibility.INTERNAL)[0]


@pytest.fixture
def ingest():
    def _ingest(source, *documents):
        for document in documents:
            document_ingest(source=source, document=document)
        return [Document.objects.get(source=source, external_id=d.external_id) for d in documents]

    return _ingest


@pytest.fixture
def raw_chunks():
    """Write ``count`` chunks with random unit vectors straight through COPY (no embedding), for index tests."""

    def _write(document: Document, count: int, *, seed: int = 0, visibility: str | None = None):
        rng = np.random.default_rng(seed)
        vectors = rng.normal(size=(count, 256)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        draft = chunk_document(qa("x", "Random chunk", "filler text"))[0]
        source = document.source
        rows = [
            ChunkRow(
                document_id=document.pk,
                ordinal=n,
                draft=draft,
                embedding=vectors[n],
                embedding_model="random",
                visibility=visibility or source.visibility,
                source_kind=source.kind,
                product_area=source.product_area,
                flags=[],
            )
            for n in range(count)
        ]
        chunks_copy(rows)
        return vectors

    return _write
