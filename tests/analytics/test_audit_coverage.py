"""Knowledge coverage in the audit: a category the public help center answers ranks above a slightly larger one
it does not (real ingestion and search with the offline embeddings)."""

import pytest

from apps.analytics.audit import audit_run
from apps.knowledge.choices import DocumentFormat, SourceKind, Visibility
from apps.knowledge.ingestion import ParsedDocument, Section
from apps.knowledge.services import document_ingest, source_get_or_create
from apps.tickets.choices import AuthorKind
from tests.factories import CategoryFactory

from .conftest import make_ticket

pytestmark = pytest.mark.django_db

PASSWORD = [
    "I forgot my password and cannot log in",
    "How do I reset my password?",
    "The password reset link does not work",
    "I need to change my password",
    "Locked out, how can I reset the password?",
]
PARCEL = [
    "My parcel has not arrived after two weeks",
    "The courier left my package at the wrong address",
    "Where is my delivery? Tracking shows nothing",
    "The box arrived damaged and wet",
    "Shipment stuck in customs for days",
    "The delivery driver never came",
]


def _tickets(category, texts):
    for i, text in enumerate(texts):
        ticket = make_ticket(category, days_ago=1 + i, replies=1, resolve_hours=2)
        ticket.subject = text
        ticket.save(update_fields=["subject"])
        ticket.messages.filter(author_kind=AuthorKind.CUSTOMER).update(body=text)


def test_covered_category_ranks_first():
    help_center, _ = source_get_or_create(
        name="Help center", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC
    )
    for external_id, question, answer in (
        ("pw-reset", "How do I reset my password?", "Open the login page, choose Forgot password, follow the email."),
        ("pw-change", "How do I change my password?", "Go to Settings, Security, Change password."),
    ):
        document = ParsedDocument(
            external_id=external_id,
            title=question,
            format=DocumentFormat.QA,
            question=question,
            sections=[Section((), answer)],
        )
        document_ingest(source=help_center, document=document)
    password = CategoryFactory(slug="password", name="Password")
    parcel = CategoryFactory(slug="parcel", name="Parcel")
    _tickets(password, PASSWORD)
    _tickets(parcel, PARCEL)  # one ticket more: ahead on volume alone

    without = audit_run(days=90, coverage_sample=0)
    assert [c.slug for c in without.categories] == ["parcel", "password"]
    report = audit_run(days=90, coverage_sample=6)
    by_slug = {c.slug: c for c in report.categories}
    assert by_slug["password"].coverage > by_slug["parcel"].coverage
    assert by_slug["password"].components["coverage"] > by_slug["parcel"].components["coverage"]
    assert [c.slug for c in report.categories] == ["password", "parcel"]
    assert any(r.startswith("good knowledge coverage") for r in by_slug["password"].reasons)
    assert any(r.startswith("weak knowledge coverage") for r in by_slug["parcel"].reasons)
    assert report.timings_ms["coverage"] > 0
