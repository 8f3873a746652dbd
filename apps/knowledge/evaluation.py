"""Retrieval evaluation on public FAQ sets: Recall@1/5/10 and MRR@10 per method (dense, fulltext, hybrid).

The set's articles are ingested through the normal pipeline (chunking, pooled embeddings, COPY) into a
throwaway source that is deleted afterwards; each query is searched with ``filters={"source_id": …}`` and the
chunk ranking is collapsed to documents (first chunk of a document counts). Formats:

- ``stackfaq``: StackExchange FAQ JSON (``root.qapair[]`` with ``question``, ``answer[]``, ``rephr[]``); one Q/A
  document per thread, queries are the paraphrases (``"*"`` placeholders skipped).
- ``ecommerce-faq``: ``{"questions": [{"question", "answer"}]}``; documents are the answers alone (the questions
  are not indexed), queries are the questions — question-to-answer retrieval.
- ``twitter-care``: the IBM Twitter customer-care folder (``dev.json``, ``docID_url.tsv``,
  ``company_docIDs.tsv``); documents are the linked help articles, known only by their URL (the set ships no
  article text), with the brand as product area; queries are the customers' messages before the agent's link.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import connection

from apps.core.errors import ValidationError
from apps.integrations.embeddings import get_embeddings

from .choices import DocumentFormat, SourceKind, Visibility
from .ingestion import ParsedDocument, Section
from .models import Chunk, Document, Source
from .retrieval import METHODS, search_detailed
from .services.ingestion import documents_ingest

FORMATS = ("stackfaq", "ecommerce-faq", "twitter-care")
SHIPPED_METHOD = "hybrid"
CUTOFFS = (1, 5, 10)


@dataclass
class EvalQuery:
    text: str
    gold: str  # external_id of the relevant document
    product_area: str = ""


@dataclass
class EvalSet:
    name: str
    documents: list[ParsedDocument]
    queries: list[EvalQuery]
    areas: dict[str, str] = field(default_factory=dict)  # external_id -> product area (brand)


def load(fmt: str, path: Path | str, *, max_articles: int | None = None) -> EvalSet:
    """Read an evaluation set (see module doc). ``max_articles`` keeps the first N articles and their queries.
    Raises ``ValidationError`` for an unknown format or a path that does not hold that format."""
    path = Path(path)
    loaders = {"stackfaq": _stackfaq, "ecommerce-faq": _ecommerce, "twitter-care": _twitter}
    if fmt not in loaders:
        raise ValidationError(f"Unknown format '{fmt}'; use one of {', '.join(FORMATS)}.")
    if not path.exists():
        raise ValidationError(f"No such file or folder: {path}")
    try:
        evalset = loaders[fmt](path)
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path} is not a {fmt} file: {exc}") from exc
    if max_articles:
        keep = {d.external_id for d in evalset.documents[:max_articles]}
        evalset.documents = evalset.documents[:max_articles]
        evalset.queries = [q for q in evalset.queries if q.gold in keep]
    return evalset


def _qa(external_id: str, question: str, answer: str) -> ParsedDocument:
    return ParsedDocument(
        external_id=external_id,
        title=question,
        format=DocumentFormat.QA,
        question=question,
        sections=[Section((), answer)],
    )


def _stackfaq(path: Path) -> EvalSet:
    threads = json.loads(path.read_text())["root"]["qapair"]
    documents, queries = [], []
    for n, thread in enumerate(threads):
        key = f"thread-{n}"
        documents.append(_qa(key, thread["question"].strip(), "\n\n".join(a.strip() for a in thread["answer"])))
        queries.extend(EvalQuery(q.strip(), key) for q in thread["rephr"] if q and q.strip() not in ("", "*"))
    return EvalSet("stackfaq", documents, queries)


def _ecommerce(path: Path) -> EvalSet:
    pairs = json.loads(path.read_text())["questions"]
    documents, queries = [], []
    for n, pair in enumerate(pairs):
        key = f"answer-{n}"
        documents.append(
            ParsedDocument(
                external_id=key,
                title=f"Store FAQ answer {n + 1}",
                format=DocumentFormat.TEXT,
                sections=[Section((), pair["answer"].strip())],
            )
        )
        queries.append(EvalQuery(pair["question"].strip(), key))
    return EvalSet("ecommerce-faq", documents, queries)


def _url_words(url: str) -> str:
    """Readable words of an (archived) help-article URL: host, path segments, slugs."""
    inner = re.sub(r"^https?://web\.archive\.org/web/\d+[a-z_]*/", "", url)
    parts = urlsplit(inner if "://" in inner else "https://" + inner)
    words = re.split(r"[/\-_.+=?&%]+", f"{parts.hostname or ''} {parts.path} {parts.query}")
    return " ".join(w for w in words if w and not w.isdigit() and w not in ("www", "com", "html", "htm", "https"))


def _twitter(path: Path) -> EvalSet:
    folder = path if path.is_dir() else path.parent
    dialogs = json.loads((folder / "dev.json").read_text())
    company_of: dict[str, str] = {}
    with open(folder / "company_docIDs.tsv", newline="") as handle:
        for company, ids in csv.reader(handle, delimiter="\t"):
            for doc_id in ids.split(","):
                company_of[doc_id.strip()] = company.strip()
    documents, areas = [], {}
    with open(folder / "docID_url.tsv", newline="") as handle:
        for doc_id, url in csv.reader(handle, delimiter="\t"):
            company = company_of.get(doc_id, "")
            areas[f"doc-{doc_id}"] = company
            words = _url_words(url)
            documents.append(
                ParsedDocument(
                    external_id=f"doc-{doc_id}",
                    title=f"{company} help: {words}"[:500],
                    format=DocumentFormat.TEXT,
                    sections=[Section((), words or url)],
                    url=url,
                )
            )
    known = {d.external_id for d in documents}
    queries = []
    for dialog in dialogs:
        gold = f"doc-{dialog['agentURL']['doc_id']}"
        turn = int(dialog["agentURL"].get("turn") or 0)
        messages = [m["message"] for m in dialog["dialogContent"][: max(turn - 1, 1)] if "agent" not in m]
        text = re.sub(r"@\w+|https?://\S+", " ", " ".join(messages))
        if gold in known and text.strip():
            queries.append(EvalQuery(" ".join(text.split()), gold, dialog["dialogHeader"]["company"]))
    return EvalSet("twitter-care", documents, queries, areas)


def evaluate(
    evalset: EvalSet, *, methods: tuple[str, ...] = METHODS, on_progress: Callable[[str, int, int], None] | None = None
) -> dict:
    """Ingest ``evalset`` into a throwaway source, search every query with each method, delete the source.

    Returns ``{"documents", "chunks", "queries", "ingest_seconds", "ingest_chunks_per_second", "methods": {method:
    {"recall_at_1", "recall_at_5", "recall_at_10", "mrr", "ms_mean", "ms_p95"}}}`` plus the shipped method's
    figures at the top level. ``on_progress(method, done, total)`` follows the queries."""
    run = uuid.uuid4().hex[:8]
    by_area: dict[str, list[ParsedDocument]] = {}
    for document in evalset.documents:
        by_area.setdefault(evalset.areas.get(document.external_id, ""), []).append(document)
    sources = [
        Source.objects.create(
            name=f"eval-{evalset.name}-{run}-{area or 'all'}"[:200],
            kind=SourceKind.FAQ,
            visibility=Visibility.INTERNAL,
            product_area=area,
            description="Throwaway retrieval evaluation",
        )
        for area in by_area
    ]
    source_ids = [s.pk for s in sources]
    try:
        started = time.perf_counter()
        chunks = 0
        for source, documents in zip(sources, by_area.values(), strict=True):
            chunks += documents_ingest(source=source, documents=documents, batch_size=500).chunks
        ingest_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Chunk._meta.db_table}")  # statistics as autovacuum would keep them
        doc_ids = dict(Document.objects.filter(source_id__in=source_ids).values_list("id", "external_id"))
        vectors = get_embeddings().embed([q.text for q in evalset.queries])
        report: dict = {
            "format": evalset.name,
            "documents": len(evalset.documents),
            "chunks": chunks,
            "queries": len(evalset.queries),
            "ingest_seconds": round(ingest_seconds, 2),
            "ingest_chunks_per_second": round(chunks / ingest_seconds, 1) if ingest_seconds else None,
            "methods": {},
        }
        for method in methods:
            ranks, times = [], []
            for n, (query, vector) in enumerate(zip(evalset.queries, vectors, strict=True)):
                filters: dict = {"source_id": source_ids}
                if query.product_area:
                    filters["product_area"] = query.product_area
                t0 = time.perf_counter()
                hits = search_detailed(query.text, k=40, filters=filters, method=method, query_vector=vector).hits
                times.append((time.perf_counter() - t0) * 1000)
                ranked = list(dict.fromkeys(doc_ids[h.document_id] for h in hits))
                ranks.append(ranked.index(query.gold) + 1 if query.gold in ranked else None)
                if on_progress and (n + 1) % 50 == 0:
                    on_progress(method, n + 1, len(evalset.queries))
            report["methods"][method] = _metrics(ranks, times)
        shipped = report["methods"].get(SHIPPED_METHOD) or next(iter(report["methods"].values()))
        report.update({k: shipped[k] for k in ("recall_at_1", "recall_at_5", "recall_at_10", "mrr")})
        report["shipped_method"] = SHIPPED_METHOD if SHIPPED_METHOD in report["methods"] else methods[0]
        return report
    finally:
        Source.objects.filter(pk__in=source_ids).delete()


def _metrics(ranks: list[int | None], times: list[float]) -> dict:
    count = len(ranks) or 1
    metrics = {f"recall_at_{c}": round(sum(1 for r in ranks if r and r <= c) / count, 4) for c in CUTOFFS}
    metrics["mrr"] = round(sum(1 / r for r in ranks if r and r <= 10) / count, 4)
    ordered = sorted(times) or [0.0]
    metrics["ms_mean"] = round(statistics.fmean(ordered), 2)
    metrics["ms_p95"] = round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2)
    return metrics
