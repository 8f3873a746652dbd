"""Uploaded files are size- and type-checked before anything is stored: knowledge uploads (screen) and the
inbound email webhook. A refused upload leaves no run, no document, no ticket and no file behind."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.knowledge.models import Document, IngestionRun, Source
from apps.knowledge.services.uploads import upload_root
from apps.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

EMAIL = (
    b"From: Ann <ann@customer.example>\r\nTo: support@example.com\r\nSubject: Help\r\n"
    b"Message-ID: <upload-test@customer.example>\r\n\r\nMy export fails.\r\n"
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.KNOWLEDGE_MAX_FILE_BYTES = 2_000
    return tmp_path


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("huge.md", b"# Title\n" + b"word " * 1_000, "over the 2,000-byte limit"),
        ("tool.exe", b"MZ\x90\x00binary", "unsupported type"),
        ("fake.pdf", b"<html>not a pdf</html>", "not a PDF file"),
        ("notes.txt", b"text\x00with NUL bytes", "binary content in a text file"),
        ("empty.md", b"", "empty"),
    ],
)
def test_bad_knowledge_uploads_are_refused_and_nothing_is_stored(lead_client, media, name, content, reason):
    source = Source.objects.create(name="Help center")
    good = SimpleUploadedFile("good.md", b"# Fine\nA good article.")
    bad = SimpleUploadedFile(name, content)
    response = lead_client.post(
        reverse("knowledge:upload"),
        {"source": source.pk, "kind": "help_article", "visibility": "public", "files": [good, bad]},
    )
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert IngestionRun.objects.count() == 0 and Document.objects.count() == 0
    assert not upload_root().exists() or not any(upload_root().rglob("*"))


def test_a_good_upload_is_accepted(lead_client, media):
    source = Source.objects.create(name="Help center")
    response = lead_client.post(
        reverse("knowledge:upload"),
        {
            "source": source.pk,
            "kind": "help_article",
            "visibility": "public",
            "files": [SimpleUploadedFile("a.md", b"# A\nText.")],
        },
    )
    assert response.status_code == 302
    assert IngestionRun.objects.count() == 1


def test_inbound_email_over_the_limit_is_refused_before_parsing(client, settings):
    settings.EMAIL_INBOUND_SECRET = "s3cret"
    settings.EMAIL_INBOUND_MAX_BYTES = 1_000
    url = reverse("tickets:email_inbound")
    big = EMAIL + b"x" * 2_000
    response = client.post(url, big, content_type="message/rfc822", HTTP_X_INBOUND_TOKEN="s3cret")
    assert response.status_code == 413
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0
    response = client.post(url, EMAIL, content_type="message/rfc822", HTTP_X_INBOUND_TOKEN="wrong")
    assert response.status_code == 403 and Ticket.objects.count() == 0
    response = client.post(
        url, b"email=", content_type="application/x-www-form-urlencoded", HTTP_X_INBOUND_TOKEN="s3cret"
    )
    assert response.status_code == 400 and Ticket.objects.count() == 0
    response = client.post(url, EMAIL, content_type="message/rfc822", HTTP_X_INBOUND_TOKEN="s3cret")
    assert response.status_code == 201 and Ticket.objects.count() == 1
