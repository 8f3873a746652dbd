"""Knowledge retrieval at scale: ingestion rate, HNSW latency and recall against exact search, filtered search.

    .venv/bin/python bench/bench_retrieval.py [--chunks 100000] [--queries 200]

Uses the database ``DB_NAME`` (default ``sb_bench_knowledge``; its knowledge tables are emptied first, so the
name must contain "bench"). Steps, all in one run:

1. Builds documents of 10 sections each from real support sentences (../shared/data: Bitext responses, helpdesk
   answers, StackFAQ answers; Faker text when the folder is missing), 95% in a public help center and 5% in an
   internal SOP source.
2. Ingests them through the product's path (``documents_ingest``: hashing, chunking, WordLlama embeddings of
   title and body in a worker thread overlapping the binary COPY, generated tsvector + GIN index): the public 95%
   as a bulk load (``bulk=True``: the HNSW index is rebuilt after the COPY and timed separately), the internal 5%
   into the live HNSW index; chunks per second of each, with chunking and embedding timed on their own.
   Documents stay on one topic each (sentences grouped into 1,000 topics by k-means), like help articles.
3. For real customer questions, runs the HNSW top-10 query at several ``hnsw.ef_search`` values (the shipped one
   is ``retrieval.DEFAULT_EF_SEARCH``) and the exact top-10 (sequential scan) on the same vectors: latency
   p50/p95 and recall@10 of HNSW against exact. "Covered" questions are Bitext customer requests and StackFAQ
   paraphrases, whose answers are among the corpus sentences; "not covered" are BANKING77 questions the corpus
   has no answer for (HNSW recall is lower there, and no passage passes the grounding threshold anyway).
4. The filtered-HNSW trap: a filter matching 5% of rows (visibility = internal) with a plain HNSW query returns
   fewer than 10 rows; ``search`` returns 10.
5. End-to-end ``search()`` (embedding + vector + full text + fusion) latency, unfiltered and public-only.
Goals: HNSW p95 <= 10 ms with recall@10 >= 0.95; ingestion >= 2,000 chunks/s on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_bench_knowledge")
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.integrations.embeddings import get_embeddings  # noqa: E402
from apps.knowledge import retrieval  # noqa: E402
from apps.knowledge.choices import DocumentFormat, SourceKind, Visibility  # noqa: E402
from apps.knowledge.ingestion import ParsedDocument, Section, chunk_document  # noqa: E402
from apps.knowledge.models import Chunk  # noqa: E402
from apps.knowledge.services import documents_ingest, embed_pooled, source_get_or_create  # noqa: E402

DATA = Path(settings.SHARED_DATA_DIR)
SECTIONS_PER_DOCUMENT = 10
TOPICS = 1000


def sentence_pool(rng: random.Random) -> list[str]:
    """Sentences of real support answers (or Faker sentences without ../shared/data)."""
    texts: list[str] = []
    bitext = DATA / "bitext" / "bitext_customer_support_train.csv"
    if bitext.exists():
        with open(bitext, newline="") as handle:
            texts += [row["response"] for row in csv.DictReader(handle)]
    helpdesk = next((DATA / "helpdesk_tickets").glob("*.csv"), None) if (DATA / "helpdesk_tickets").exists() else None
    if helpdesk:
        with open(helpdesk, newline="") as handle:
            texts += [row.get("answer") or "" for row in csv.DictReader(handle)]
    stackfaq = DATA / "kb_faq" / "stackexchange_faq.json"
    if stackfaq.exists():
        texts += [a for t in json.loads(stackfaq.read_text())["root"]["qapair"] for a in t["answer"]]
    sentences = sorted({s.strip() for t in texts for s in t.replace("\n", " ").split(". ") if 30 <= len(s) <= 300})
    if len(sentences) < 1000:
        from faker import Faker

        fake = Faker()
        fake.seed_instance(7)
        sentences = [fake.sentence(nb_words=14) for _ in range(20000)]
    rng.shuffle(sentences)
    return sentences


def questions(rng: random.Random, count: int) -> tuple[list[str], list[str]]:
    """``(in-domain, out-of-domain)`` customer questions: Bitext customer requests and StackFAQ paraphrases,
    whose answers are among the corpus sentences, and BANKING77 questions, which the corpus does not cover."""
    covered: list[str] = []
    bitext = DATA / "bitext" / "bitext_customer_support_train.csv"
    if bitext.exists():
        with open(bitext, newline="") as handle:
            covered += [row["instruction"] for row in csv.DictReader(handle)]
    stackfaq = DATA / "kb_faq" / "stackexchange_faq.json"
    if stackfaq.exists():
        covered += [
            q for t in json.loads(stackfaq.read_text())["root"]["qapair"] for q in t["rephr"] if q and q != "*"
        ]
    uncovered: list[str] = []
    banking = DATA / "banking77" / "train.csv"
    if banking.exists():
        with open(banking, newline="") as handle:
            uncovered = [row["text"] for row in csv.DictReader(handle)]
    if not covered:
        covered = [" ".join(s.split()[:8]) + "?" for s in sentence_pool(rng)]
    return rng.sample(covered, min(count, len(covered))), rng.sample(uncovered, min(count // 2, len(uncovered)))


def topics(sentences: list[str], count: int, seed: int) -> list[list[str]]:
    """Sentences grouped into ``count`` topics (k-means on their embeddings), so a document stays on one subject
    the way a help article does, instead of being a random sentence soup."""
    from sklearn.cluster import MiniBatchKMeans

    vectors = get_embeddings().embed(sentences)
    labels = MiniBatchKMeans(n_clusters=count, random_state=seed, n_init=3, batch_size=4096).fit_predict(vectors)
    groups: dict[int, list[str]] = {}
    for sentence, label in zip(sentences, labels, strict=True):
        groups.setdefault(int(label), []).append(sentence)
    return [g for g in groups.values() if len(g) >= 5]


def build_documents(total_chunks: int, rng: random.Random) -> list[ParsedDocument]:
    groups = topics(sentence_pool(rng), TOPICS, rng.randint(0, 10**6))
    documents = []
    for n in range(total_chunks // SECTIONS_PER_DOCUMENT):
        sentences = rng.choice(groups)
        sections = []
        for _ in range(SECTIONS_PER_DOCUMENT):
            body = ". ".join(rng.choice(sentences) for _ in range(rng.randint(3, 7))) + "."
            heading = " ".join(rng.choice(sentences).split()[:5])
            sections.append(Section((heading,), body))
        title = " ".join(rng.choice(sentences).split()[:6])
        documents.append(
            ParsedDocument(external_id=f"bench/{n}.md", title=title, format=DocumentFormat.MARKDOWN, sections=sections)
        )
    return documents


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def vector_literal(vector) -> str:
    return "[" + ",".join(map(repr, np.asarray(vector, dtype=np.float32).tolist())) + "]"


def timed_query(sql: str, params: list, ef: int | None = None) -> tuple[list[int], float]:
    with transaction.atomic(), connection.cursor() as cursor:
        if ef:
            cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef)])
        started = time.perf_counter()
        cursor.execute(sql, params)
        rows = [r[0] for r in cursor.fetchall()]
        return rows, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    db_name = connection.settings_dict["NAME"]
    if "bench" not in db_name:
        sys.exit(f"Refusing to empty the knowledge tables of '{db_name}': use a DB_NAME containing 'bench'.")
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE knowledge_chunk, knowledge_document, knowledge_ingestionrun, knowledge_source, "
            "knowledge_knowledgegap_example_tickets, knowledge_knowledgegap CASCADE"
        )
    provider = get_embeddings()
    provider.embed(["warm up"])

    documents = build_documents(args.chunks, rng)
    internal_cut = len(documents) * 95 // 100
    public, _ = source_get_or_create(
        name="Bench help center", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC
    )
    internal, _ = source_get_or_create(name="Bench SOPs", kind=SourceKind.INTERNAL_SOP, visibility=Visibility.INTERNAL)

    started = time.perf_counter()
    drafts = [d for doc in documents[:1000] for d in chunk_document(doc)]
    chunk_rate = len(drafts) / (time.perf_counter() - started)
    started = time.perf_counter()
    embed_pooled([d.title for d in drafts], [d.text for d in drafts], provider=provider)
    embed_rate = len(drafts) / (time.perf_counter() - started)

    print(f"Ingesting {len(documents):,} documents ({args.chunks:,} chunks) into {db_name} …", flush=True)
    started = time.perf_counter()
    bulk = documents_ingest(source=public, documents=documents[:internal_cut], batch_size=200, bulk=True)
    bulk_seconds = time.perf_counter() - started
    load_rate = bulk.chunks / (bulk_seconds - bulk.index_seconds)
    started = time.perf_counter()
    live_written = documents_ingest(source=internal, documents=documents[internal_cut:], batch_size=200).chunks
    live_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_chunk")
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('knowledge_chunk_embedding_hnsw'))")
        hnsw_size = cursor.fetchone()[0]
    total = Chunk.objects.count()

    covered, uncovered = questions(rng, args.queries)
    table = Chunk._meta.db_table
    hnsw_sql = f"SELECT id FROM {table} ORDER BY embedding <=> %s::vector LIMIT 10"
    exact_sql = f"SELECT id FROM {table} ORDER BY (embedding <=> %s::vector) + 0 LIMIT 10"
    naive_filtered_sql = (
        f"SELECT id FROM {table} WHERE visibility = 'internal' ORDER BY embedding <=> %s::vector LIMIT 10"
    )
    results: dict[str, dict] = {}
    for group, texts in (("covered", covered), ("not covered", uncovered)):
        if not texts:
            continue
        literals = [vector_literal(v) for v in provider.embed(texts)]
        exact_ids, exact_ms = [], []
        for literal in literals:
            ids, ms = timed_query(exact_sql, [literal])
            exact_ids.append(set(ids))
            exact_ms.append(ms)
        efs = (
            sorted({40, 100, 200, 400, retrieval.DEFAULT_EF_SEARCH})
            if group == "covered"
            else [retrieval.DEFAULT_EF_SEARCH]
        )
        for ef in efs:
            times, recalls = [], []
            for literal, truth in zip(literals, exact_ids, strict=True):
                ids, ms = timed_query(hnsw_sql, [literal], ef=ef)
                times.append(ms)
                recalls.append(len(truth & set(ids)) / max(1, len(truth)))
            results[f"HNSW ef={ef}, {group}"] = {
                "p50": pct(times, 0.5),
                "p95": pct(times, 0.95),
                "recall": statistics.fmean(recalls),
            }
        results[f"exact, {group}"] = {"p50": pct(exact_ms, 0.5), "p95": pct(exact_ms, 0.95), "recall": 1.0}

    naive_rows, naive_ms = [], []
    for vector in provider.embed(covered):
        ids, ms = timed_query(naive_filtered_sql, [vector_literal(vector)], ef=40)
        naive_rows.append(len(ids))
        naive_ms.append(ms)
    results["plain HNSW, filter 5%"] = {
        "p50": pct(naive_ms, 0.5),
        "p95": pct(naive_ms, 0.95),
        "recall": None,
        "rows": statistics.fmean(naive_rows),
        "note": "the pgvector 0.6 trap",
    }
    for label, filters in (
        ("search(), filter 5%", {"visibility": "internal"}),
        ("search(), no filter", None),
        ("search(), filter 95%", {"visibility": "public"}),
    ):
        times, rows, strategies = [], [], set()
        for text in covered:
            started = time.perf_counter()
            result = retrieval.search_detailed(text, k=10, filters=filters)
            times.append((time.perf_counter() - started) * 1000)
            rows.append(len(result.hits))
            strategies.add(result.strategy)
        results[label] = {
            "p50": pct(times, 0.5),
            "p95": pct(times, 0.95),
            "recall": None,
            "rows": statistics.fmean(rows),
            "note": "hybrid, " + "/".join(sorted(strategies)),
        }

    print()
    print(
        f"Knowledge retrieval benchmark — {total:,} chunks (HNSW m=16, ef_construction=64, cosine; index "
        f"{hnsw_size}); {len(covered)} covered + {len(uncovered)} not-covered questions; {os.cpu_count()} cores"
    )
    print()
    print(f"{'ingestion':<52} {'chunks/s':>9}")
    print(f"{'chunking only':<52} {chunk_rate:>9,.0f}")
    print(f"{'embedding only (title + body fields, WordLlama)':<52} {embed_rate:>9,.0f}")
    print(
        f"{'bulk load: hash + chunk + embed + COPY (+ GIN)':<52} {load_rate:>9,.0f}   "
        f"({bulk.chunks:,} chunks; goal >= 2,000)"
    )
    print(f"{'  then HNSW index build':<52} {bulk.chunks / bulk.index_seconds:>9,.0f}   ({bulk.index_seconds:.1f} s)")
    print(f"{'  whole bulk load incl. index build':<52} {bulk.chunks / bulk_seconds:>9,.0f}   ({bulk_seconds:.1f} s)")
    print(
        f"{'into the live index (HNSW insert per row)':<52} {live_written / live_seconds:>9,.0f}   "
        f"({live_written:,} chunks in {live_seconds:.1f} s)"
    )
    print()
    print(f"{'query (top 10)':<28} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>10} {'rows':>6}  note")
    for label, r in results.items():
        recall = f"{r['recall']:.3f}" if r["recall"] is not None else "-"
        rows = f"{r.get('rows', 10):.1f}"
        print(f"{label:<28} {r['p50']:>8.2f} {r['p95']:>8.2f} {recall:>10} {rows:>6}  {r.get('note', '')}")
    shipped = results[f"HNSW ef={retrieval.DEFAULT_EF_SEARCH}, covered"]
    print()
    print(
        f"Shipped HNSW (ef_search={retrieval.DEFAULT_EF_SEARCH}): p95 {shipped['p95']:.2f} ms (goal <= 10), "
        f"recall@10 {shipped['recall']:.3f} vs exact (goal >= 0.95); bulk load {load_rate:,.0f} chunks/s "
        f"(goal >= 2,000)."
    )


if __name__ == "__main__":
    main()
