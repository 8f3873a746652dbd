"""Ingestion: idempotent re-ingest, atomic chunk replacement, extraction of each format, the commands."""

import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.core.errors import ProviderError
from apps.integrations.embeddings import get_embeddings
from apps.knowledge.choices import DocumentStatus, Visibility
from apps.knowledge.ingestion import chunk_document, parse_file
from apps.knowledge.models import Chunk, Document, IngestionRun
from apps.knowledge.selectors import search
from apps.knowledge.services import documents_ingest, path_ingest, source_update
from apps.knowledge.services.chunks import embed_pooled

from .conftest import article, qa

pytestmark = pytest.mark.django_db

REFUNDS = article(
    "refunds.md",
    "Refund policy",
    ("Annual plans", "Annual plans get a full refund within 30 days."),
    ("Monthly plans", "Monthly plans are not refunded; cancel any time."),
)


def test_unchanged_reingest_writes_nothing(help_center, ingest):
    (document,) = ingest(help_center, REFUNDS)
    chunk_ids = sorted(Chunk.objects.filter(document=document).values_list("id", flat=True))
    stamp = document.updated_at

    result = documents_ingest(source=help_center, documents=[REFUNDS])

    assert (result.created, result.updated, result.unchanged, result.chunks) == (0, 0, 1, 0)
    document.refresh_from_db()
    assert document.updated_at == stamp
    assert sorted(Chunk.objects.filter(document=document).values_list("id", flat=True)) == chunk_ids


def test_changed_document_replaces_its_chunks(help_center, ingest):
    (document,) = ingest(help_center, REFUNDS)
    old_ids = set(Chunk.objects.filter(document=document).values_list("id", flat=True))
    changed = article(
        "refunds.md",
        "Refund policy",
        ("Annual plans", "Annual plans get a refund within 14 days."),
        ("Monthly plans", "Monthly plans are not refunded."),
        ("Credits", "Unused credits expire."),
    )

    result = documents_ingest(source=help_center, documents=[changed])

    assert (result.created, result.updated, result.chunks) == (0, 1, 3)
    chunks = list(Chunk.objects.filter(document=document).order_by("ordinal"))
    assert not old_ids & {c.pk for c in chunks}
    assert [c.ordinal for c in chunks] == [0, 1, 2]
    document.refresh_from_db()
    assert document.chunk_count == 3 and document.content_hash == changed.content_hash
    texts = " ".join(h.text for h in search("annual plan refund days", k=5))
    assert "14 days" in texts and "30 days" not in texts


class FailingEmbeddings:
    model_name = "broken"
    dimensions = 256

    def embed(self, texts):
        raise ProviderError("embeddings endpoint timed out")


def test_failed_update_keeps_the_previous_chunks(help_center, ingest):
    (document,) = ingest(help_center, REFUNDS)
    before = list(Chunk.objects.filter(document=document).values_list("id", "text"))
    changed = article("refunds.md", "Refund policy", ("Annual plans", "Completely new text."))

    result = documents_ingest(source=help_center, documents=[changed], provider=FailingEmbeddings())

    assert result.failed == 1 and "timed out" in result.errors[0]
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "timed out" in document.error
    assert list(Chunk.objects.filter(document=document).values_list("id", "text")) == before
    retry = documents_ingest(source=help_center, documents=[changed])
    document.refresh_from_db()
    assert retry.updated == 1 and document.status == DocumentStatus.READY and document.chunk_count == 1


def test_qa_csv_gives_one_chunk_per_pair_and_prunes_removed_rows(help_center, tmp_path):
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text(
        "Question,Answer,Category\n"
        "How do I reset my password?,Open the reset page and follow the email.,Account\n"
        '"Can I export my data?","Yes: Settings, then Export.",\n'
        "What about refunds?,,Billing\n"
    )
    result = path_ingest(source=help_center, path=csv_file)

    assert (result.created, result.failed) == (2, 1) and "Row 4: empty answer" in result.errors[0]
    reset = Document.objects.get(title="How do I reset my password?")
    (chunk,) = reset.chunks.all()
    assert chunk.title == "How do I reset my password?" and chunk.heading == "Account"
    assert chunk.text == "Open the reset page and follow the email."
    assert Document.objects.get(title="Can I export my data?").chunks.get().text == "Yes: Settings, then Export."

    csv_file.write_text(
        "question,answer,category\nHow do I reset my password?,Open the reset page and follow the email.,Account\n"
    )
    again = path_ingest(source=help_center, path=csv_file)
    assert again.unchanged == 1 and again.pruned == 2  # the export pair and the failed row are gone
    assert list(Document.objects.values_list("title", flat=True)) == ["How do I reset my password?"]


def _pdf(text: str, title: str) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, written by hand with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (" + title.encode() + b") >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_pdf_text_is_extracted_per_page_with_its_title():
    (document,) = parse_file(
        data=_pdf("Refunds are issued within 5 business days.", "Refund handbook"), name="handbook.pdf"
    )
    assert not document.error
    assert document.title == "Refund handbook"
    (section,) = document.sections
    assert "Refunds are issued within 5 business days." in section.text and section.location == "page 1"
    (chunk,) = chunk_document(document)
    assert chunk.heading == "page 1" and chunk.title == "Refund handbook"


def test_broken_pdf_is_a_clear_error_not_a_crash():
    (document,) = parse_file(data=b"%PDF-1.4 garbage", name="broken.pdf")
    assert document.error.startswith("Could not read pdf file")


def test_html_keeps_content_and_structure_and_drops_page_chrome():
    html = b"""<html><head><title>Reset your password</title>
      <link rel="canonical" href="https://help.tallyflow.example/reset"><script>track()</script></head>
      <body><nav>Home | Pricing</nav><main><h1>Reset your password</h1>
      <p>Open <a href="https://app.tallyflow.example/reset">the reset page</a>.</p>
      <h2>The email does not arrive</h2><p>Check your spam folder.</p></main>
      <footer>Copyright</footer></body></html>"""
    (document,) = parse_file(data=html, name="reset.html")
    assert document.title == "Reset your password" and document.url == "https://help.tallyflow.example/reset"
    chunks = chunk_document(document)
    assert [c.heading for c in chunks] == ["", "The email does not arrive"]
    assert "[the reset page](https://app.tallyflow.example/reset)" in chunks[0].text
    assert chunks[1].title == "Reset your password › The email does not arrive"
    assert not any(word in document.text for word in ("track()", "Home | Pricing", "Copyright"))


def test_markdown_front_matter_and_dated_changelog_entries():
    text = (
        b"---\ntitle: Changelog\nurl: https://help.tallyflow.example/changelog\n---\n# Changelog\n\n"
        b"## 2024-06-01 - v2.4\nNew exports.\n\n## 2023-01-15 - v2.0\n- Faster sync\n- New API\n"
    )
    (document,) = parse_file(data=text, name="changelog.md")
    chunks = chunk_document(document)
    assert document.title == "Changelog" and document.url.endswith("/changelog")
    assert [c.published_at.date().isoformat() for c in chunks] == ["2024-06-01", "2023-01-15"]
    assert chunks[1].text == "- Faster sync\n- New API"


def test_unsupported_and_oversized_files_are_refused_with_a_reason(settings):
    assert "Unsupported file type" in parse_file(data=b"x", name="slides.pptx")[0].error
    settings.KNOWLEDGE_MAX_FILE_BYTES = 10
    assert "limit is 10 bytes" in parse_file(data=b"x" * 11, name="a.md")[0].error


def test_ingest_command_on_a_folder_then_again_unchanged(tmp_path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "sso.md").write_text("# Single sign-on\n\n## Okta\nAdd the Switchboard app in Okta.\n")
    (tmp_path / "faq.csv").write_text("question,answer\nIs there an API?,Yes, see the developer docs.\n")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")  # unsupported: not collected
    out = io.StringIO()
    call_command(
        "ingest_knowledge",
        str(tmp_path),
        "--source",
        "Guides",
        "--kind",
        "onboarding_guide",
        "--visibility",
        "internal",
        "--product-area",
        "security",
        "--no-progress",
        stdout=out,
    )
    assert "2 documents — 2 new" in out.getvalue()
    assert set(Chunk.objects.values_list("visibility", "source_kind", "product_area")) == {
        ("internal", "onboarding_guide", "security")
    }
    assert Document.objects.get(external_id="guides/sso.md").title == "Single sign-on"
    run = IngestionRun.objects.get()
    assert (run.status, run.origin, run.created_count, run.total) == ("done", "command", 2, 2)

    out = io.StringIO()
    call_command("ingest_knowledge", str(tmp_path), "--source", "Guides", "--no-progress", stdout=out)
    assert "0 new, 0 changed, 2 unchanged" in out.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("ingest_knowledge", str(tmp_path / "missing"), "--source", "Guides", "--no-progress")


def test_bulk_ingest_rebuilds_the_vector_index(help_center):
    result = documents_ingest(source=help_center, documents=[REFUNDS], bulk=True)
    assert result.chunks == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'knowledge_chunk_embedding_hnsw'")
        (definition,) = cursor.fetchone()
    assert "hnsw" in definition and "vector_cosine_ops" in definition and "m='16'" in definition
    assert search("full refund for annual plans", k=1)[0].heading == "Annual plans"


def test_reembed_updates_chunks_of_another_model(help_center, ingest):
    ingest(help_center, REFUNDS, qa("q1", "Can I pay by invoice?", "Yes, on the Business plan."))
    Chunk.objects.update(embedding=np.ones(256, dtype=np.float32) / 16, embedding_model="old-model")
    out = io.StringIO()
    call_command("reembed", "--no-progress", stdout=out)
    provider = get_embeddings()
    assert "Re-embedded 3 chunks" in out.getvalue()
    for chunk in Chunk.objects.all():
        expected = embed_pooled([chunk.title], [chunk.text])[0]
        assert chunk.embedding_model == provider.model_name
        assert np.allclose(chunk.embedding, expected, atol=1e-5)


def test_source_visibility_change_reaches_its_chunks(help_center, ingest):
    ingest(help_center, REFUNDS)
    source_update(source=help_center, visibility=Visibility.INTERNAL)
    assert set(Chunk.objects.values_list("visibility", flat=True)) == {"internal"}
    assert search("refund annual plan", k=5, filters={"visibility": "public"}) == []
