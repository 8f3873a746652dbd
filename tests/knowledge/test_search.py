"""Hybrid search: visibility filtering, the filtered-HNSW trap, recency, filters, fusion."""

from datetime import timedelta

import numpy as np
import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.knowledge import retrieval
from apps.knowledge.choices import SourceKind, Visibility
from apps.knowledge.models import Chunk, Document
from apps.knowledge.selectors import passages_for_reply, search, search_detailed
from apps.knowledge.services import source_get_or_create

from .conftest import article, qa

pytestmark = pytest.mark.django_db

DOUBLE_CHARGE_SOP = article(
    "sop-double-charge.md",
    "Double charge refund override",
    (
        "Procedure",
        "When a customer was charged twice, refund the duplicate charge from the billing console with the "
        "override code and note the ticket. Never mention the override code to the customer.",
    ),
)
DOUBLE_CHARGE_PUBLIC = qa(
    "faq-1",
    "I was charged twice, what should I do?",
    "Duplicate charges are refunded automatically within 5 business days.",
)


def test_internal_sop_never_comes_back_in_public_search(help_center, sops, ingest):
    ingest(sops, DOUBLE_CHARGE_SOP)
    ingest(help_center, DOUBLE_CHARGE_PUBLIC, qa("faq-2", "How do I export data?", "Settings, then Export."))
    question = "refund duplicate charge override procedure"

    everything = search(question, k=5)
    assert everything[0].visibility == Visibility.INTERNAL  # it is the best match…
    public = search(question, k=5, filters={"visibility": "public"})
    assert public and all(h.visibility == "public" for h in public)  # …and still never customer-facing
    assert "override" not in " ".join(h.text for h in public)
    for method in ("dense", "fulltext"):
        assert all(
            h.visibility == "public" for h in search(question, k=5, filters={"visibility": "public"}, method=method)
        )
    # Even handed unfiltered hits, the reply helper drops internal passages.
    passages = passages_for_reply(everything, threshold=0.0)
    assert passages and all("override" not in p.text for p in passages)


@pytest.fixture
def skewed_index(help_center, sops, raw_chunks):
    """400 public chunks and 20 internal ones (5%), random unit vectors."""
    public_doc = Document.objects.create(source=help_center, external_id="p", title="Public", content_hash="p")
    internal_doc = Document.objects.create(source=sops, external_id="i", title="Internal", content_hash="i")
    raw_chunks(public_doc, 400, seed=1)
    internal_vectors = raw_chunks(internal_doc, 20, seed=2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_chunk")
    return internal_vectors


def _naive_filtered_hnsw(vector: str, ef: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # forces the ordered HNSW index scan
        cursor.execute("SELECT set_config('hnsw.ef_search', %s, true)", [str(ef)])
        cursor.execute(
            "SELECT id FROM knowledge_chunk WHERE visibility = 'internal' ORDER BY embedding <=> %s::vector LIMIT 10",
            [vector],
        )
        return len(cursor.fetchall())


def test_selective_filter_returns_k_rows_where_plain_hnsw_does_not(skewed_index, monkeypatch):
    query = np.random.default_rng(3).normal(size=256).astype(np.float32)
    query /= np.linalg.norm(query)
    literal = "[" + ",".join(map(str, query.tolist())) + "]"
    assert _naive_filtered_hnsw(literal, ef=10) < 10  # the pgvector 0.6 trap, reproduced
    expected = set(np.argsort(-(skewed_index @ query))[:10])

    def ordinals(result):
        return {h.chunk_id for h in result.hits}

    small = search_detailed("random", k=10, filters={"visibility": "internal"}, method="dense", query_vector=query)
    assert small.strategy == "exact" and small.filtered_rows == 20 and len(small.hits) == 10
    assert all(h.visibility == "internal" for h in small.hits)

    # A large filtered set goes through HNSW with a raised ef_search; when that still falls short, exact search.
    monkeypatch.setattr(retrieval, "EXACT_SEARCH_MAX_ROWS", 5)
    monkeypatch.setattr(retrieval, "MAX_EF_SEARCH", 10)
    monkeypatch.setattr(retrieval, "DEFAULT_EF_SEARCH", 10)
    monkeypatch.setattr(retrieval, "MIN_CANDIDATES", 10)
    big = search_detailed("random", k=10, filters={"visibility": "internal"}, method="dense", query_vector=query)
    assert big.strategy == "hnsw+exact" and len(big.hits) == 10
    assert ordinals(big) == ordinals(small)
    ordinal_of = dict(Chunk.objects.filter(pk__in=ordinals(small)).values_list("pk", "ordinal"))
    assert set(ordinal_of.values()) == expected  # the exact 10 nearest internal chunks


def test_hnsw_ef_search_is_restored_after_a_search(skewed_index):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.ef_search', '33', true)")
        search_detailed("random", k=5, method="dense", query_vector=np.ones(256, dtype=np.float32) / 16)
        cursor.execute("SELECT current_setting('hnsw.ef_search')")
        assert cursor.fetchone()[0] == "33"


def test_newer_pricing_entry_ranks_first(ingest):
    pricing = source_get_or_create(name="Pricing", kind=SourceKind.PRICING_PAGE)[0]
    text = "The Pro plan costs 29 dollars per seat per month, billed annually."
    now = timezone.now()
    old, new = ingest(
        pricing,
        qa("2023", "How much is the Pro plan?", text, published_at=now - timedelta(days=700)),
        qa("2025", "How much is the Pro plan?", text + " ", published_at=now - timedelta(days=10)),
    )
    hits = search("price of the pro plan", k=2)
    assert [h.document_id for h in hits] == [new.pk, old.pk]
    assert hits[1].recency_weight < 0.6 < hits[0].recency_weight <= 1.0


def test_filters_are_validated_and_product_area_includes_general_articles(help_center, ingest):
    billing = source_get_or_create(name="Billing help", product_area="billing")[0]
    projects = source_get_or_create(name="Project help", product_area="projects")[0]
    ingest(billing, qa("b", "How do I download an invoice?", "Billing, then Invoices, then Download."))
    ingest(projects, qa("p", "How do I download a project report?", "Open the project, then Reports."))
    ingest(help_center, qa("g", "How do I download my data?", "Settings, then Export."))
    hits = search("how do I download", k=5, filters={"product_area": "billing"})
    assert {h.title for h in hits} == {"How do I download an invoice?", "How do I download my data?"}
    for bad in ({"colour": "red"}, {"visibility": "secret"}, {"source_kind": ["faq", "memo"]}, {"source_id": "x"}):
        with pytest.raises(ValidationError):
            search("anything", filters=bad)
    with pytest.raises(ValidationError):
        search("anything", method="magic")
    assert search("   ") == []
    assert search("the of and is", method="fulltext") == []  # only stop words: no text query, no error
    assert search("naïve 'quoted' & | ! :* café", k=2, method="fulltext") == []  # tsquery syntax is data


def test_hybrid_fuses_both_rankings_and_reports_scores(help_center, ingest):
    ingest(
        help_center,
        qa("1", "How do I delete my account?", "Go to Settings, Account, Delete account and confirm."),
        qa("2", "Can I change my email address?", "Yes, under Profile you can edit the email address."),
        qa("3", "Where do I find invoices?", "Invoices are listed under Billing."),
        qa("4", "How do I invite teammates?", "Use Team, then Invite, and enter their email addresses."),
    )
    result = search_detailed("remove my account permanently", k=3)
    top = result.hits[0]
    assert top.title == "How do I delete my account?"
    assert top.dense_rank == 1 and top.text_rank == 1
    assert 0.5 <= top.score <= 1 and top.fused_score == pytest.approx(
        retrieval.DENSE_WEIGHT / (retrieval.RRF_K + 1) + retrieval.TEXT_WEIGHT / (retrieval.RRF_K + 1)
    )
    assert [h.fused_score for h in result.hits] == sorted((h.fused_score for h in result.hits), reverse=True)
    # Unfiltered: HNSW (plus the exact fallback when dead index entries of deleted chunks crowd the candidates).
    assert result.strategy in ("hnsw", "hnsw+exact") and set(result.timings_ms) >= {"embed", "dense", "text", "fetch"}
    text_only = search_detailed("email address", k=2, method="fulltext")
    assert {h.title for h in text_only.hits} == {"Can I change my email address?", "How do I invite teammates?"}
    assert all(h.dense_rank is None for h in text_only.hits)
