"""Ingesting a whole folder (the screen's folder picker) and uploading through the Django admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.knowledge.models import Document, IngestionRun

pytestmark = pytest.mark.django_db


def folder_files() -> list[SimpleUploadedFile]:
    """What a browser sends for a picked folder: every file, of any type."""
    return [
        SimpleUploadedFile("guides/start.md", b"# Getting started\n\n## Invite your team\nOpen Settings, Team.\n"),
        SimpleUploadedFile("guides/faq.csv", b"question,answer\nIs there an API?,Yes, see the docs.\n"),
        SimpleUploadedFile("guides/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
        SimpleUploadedFile("guides/.DS_Store", b"\x00\x00\x00\x01Bud1"),
    ]


def test_screen_ingests_a_folder_and_skips_other_file_types(lead_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            reverse("knowledge:upload"),
            {
                "new_source_name": "Onboarding",
                "kind": "onboarding_guide",
                "visibility": "public",
                "folder": folder_files(),
            },
            follow=True,
        )
    assert "2 file(s) queued for ingestion into Onboarding (2 file(s) of other types in the folder skipped)" in (
        response.content.decode()
    )
    run = IngestionRun.objects.get()
    assert (run.status, run.total, run.created_count) == ("done", 2, 2)
    assert set(Document.objects.values_list("title", flat=True)) == {"Getting started", "Is there an API?"}


def test_screen_refuses_a_folder_with_nothing_to_ingest(lead_client):
    response = lead_client.post(
        reverse("knowledge:upload"),
        {"new_source_name": "Images", "kind": "help_article", "visibility": "public", "folder": folder_files()[2:]},
    )
    assert response.status_code == 400
    assert "The folder had no supported files (2 skipped)" in response.content.decode()
    assert not IngestionRun.objects.exists()


def test_screen_page_offers_the_folder_picker(lead_client):
    html = lead_client.get(reverse("knowledge:source_list")).content.decode()
    assert 'name="folder"' in html and "webkitdirectory" in html


def test_admin_uploads_files_and_a_folder_into_a_source(
    admin_client_, help_center, django_capture_on_commit_callbacks
):
    url = reverse("admin:knowledge_source_upload", args=[help_center.pk])
    changelist = admin_client_.get(reverse("admin:knowledge_source_changelist")).content.decode()
    assert url in changelist  # the list links each source to its upload page
    page = admin_client_.get(url)
    assert page.status_code == 200 and "Upload into Help center" in page.content.decode()

    single = SimpleUploadedFile("refunds.md", b"# Refunds\n\nRefunds go back to the card within 5 days.\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(url, {"files": [single], "folder": folder_files()}, follow=True)
    text = response.content.decode()
    assert "3 file(s) queued for ingestion into Help center; 2 file(s) of other types skipped" in text
    run = IngestionRun.objects.get()
    assert (run.origin, run.status, run.created_count, run.source) == ("admin", "done", 3, help_center)
    assert Document.objects.filter(source=help_center).count() == 3


def test_admin_upload_refuses_bad_files_and_keeps_nothing(admin_client_, help_center):
    url = reverse("admin:knowledge_source_upload", args=[help_center.pk])
    empty = admin_client_.post(url, {})
    assert empty.status_code == 400 and "Choose files or a folder" in empty.content.decode()
    fake = SimpleUploadedFile("manual.pdf", b"not a pdf at all")
    refused = admin_client_.post(url, {"files": [fake]})
    assert refused.status_code == 400 and "manual.pdf: not a PDF file." in refused.content.decode()
    assert not IngestionRun.objects.exists() and not Document.objects.exists()


def test_admin_upload_needs_the_permission_to_add_documents(client, django_user_model, help_center):
    clerk = django_user_model.objects.create_user(username="clerk", password="x", role="agent", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:knowledge_source_upload", args=[help_center.pk])).status_code == 403
