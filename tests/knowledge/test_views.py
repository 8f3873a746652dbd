"""Knowledge screens: roles, upload with ingestion progress, search explanation, gaps."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.knowledge.models import Document, IngestionRun, KnowledgeGap
from apps.knowledge.services import gap_record

from .conftest import qa

pytestmark = pytest.mark.django_db

SCREENS = ["knowledge:source_list", "knowledge:search", "knowledge:gap_list", "knowledge:ingestion_run_list"]


@pytest.mark.parametrize("name", SCREENS)
def test_screens_are_for_leads_and_admins(name, client, admin_user, lead_user, agent_user):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(agent_user)
    assert client.get(url).status_code == 403
    for user in (lead_user, admin_user):
        client.force_login(user)
        assert client.get(url).status_code == 200


def test_upload_queues_and_ingests_files_with_progress(lead_client, django_capture_on_commit_callbacks):
    files = [
        SimpleUploadedFile("billing.md", b"# Billing\n\n## Invoices\nInvoices are under Billing.\n"),
        SimpleUploadedFile("faq.csv", b"question,answer\nCan I pay yearly?,Yes, with a 15% discount.\n"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            reverse("knowledge:upload"),
            {
                "new_source_name": "Billing help",
                "kind": "help_article",
                "visibility": "public",
                "product_area": "billing",
                "files": files,
            },
        )
    assert response.status_code == 302
    run = IngestionRun.objects.get()
    assert (run.status, run.total, run.processed, run.created_count, run.origin) == ("done", 2, 2, 2, "upload")
    assert set(Document.objects.values_list("title", flat=True)) == {"Billing", "Can I pay yearly?"}
    page = lead_client.get(reverse("knowledge:source_list")).content.decode()
    assert "Billing help" in page and 'aria-valuenow="100"' in page and "hx-trigger" not in page
    source = run.source
    detail = lead_client.get(reverse("knowledge:source_detail", args=[source.pk]))
    assert "Can I pay yearly?" in detail.content.decode()
    document = Document.objects.get(title="Billing")
    assert (
        "Invoices are under Billing."
        in lead_client.get(reverse("knowledge:document_detail", args=[document.pk])).content.decode()
    )


def test_upload_refuses_bad_files_and_keeps_nothing(lead_client):
    response = lead_client.post(
        reverse("knowledge:upload"),
        {
            "new_source_name": "Mixed",
            "kind": "faq",
            "visibility": "public",
            "files": [SimpleUploadedFile("ok.md", b"# Fine\n\ntext"), SimpleUploadedFile("deck.pptx", b"PK\x03\x04")],
        },
    )
    assert response.status_code == 400
    assert "deck.pptx: unsupported type" in response.content.decode()
    assert not IngestionRun.objects.exists()
    fake_pdf = lead_client.post(
        reverse("knowledge:upload"),
        {
            "new_source_name": "Mixed",
            "kind": "faq",
            "visibility": "public",
            "files": [SimpleUploadedFile("manual.pdf", b"<html>not a pdf</html>")],
        },
    )
    assert "manual.pdf: not a PDF file" in fake_pdf.content.decode()


def test_search_screen_explains_scores_and_grounding(lead_client, help_center, sops, ingest):
    ingest(help_center, qa("1", "How do I reset my password?", "Open the reset page and follow the email."))
    ingest(sops, qa("2", "Password reset for locked SSO accounts", "Unlock in the admin console first."))
    url = reverse("knowledge:search")
    page = lead_client.get(url, {"q": "forgot my password", "visibility": "public", "method": "hybrid", "k": 5})
    html = page.content.decode()
    assert "How do I reset my password?" in html and "Grounded" in html and "Dense" in html
    assert "Unlock in the admin console" not in html  # public-only: the internal SOP is not shown
    fragment = lead_client.get(
        url, {"q": "forgot my password", "visibility": "", "k": 5}, headers={"HX-Request": "true"}
    ).content.decode()
    assert fragment.lstrip().startswith('<section id="search-results"') and "Password reset for locked" in fragment
    off_topic = lead_client.get(url, {"q": "best pizza in naples", "visibility": "public"}).content.decode()
    assert "Not grounded" in off_topic and "No public passage reaches the threshold" in off_topic


def test_gap_list_and_status_change(lead_client, django_assert_max_num_queries):
    for question in ("Do you integrate with Zapier?", "Is there a Zapier integration?", "Can I pay in bitcoin?"):
        gap_record(question, 0.2)
    with django_assert_max_num_queries(12):
        page = lead_client.get(reverse("knowledge:gap_list")).content.decode()
    assert "Zapier" in page and "bitcoin" in page
    gap = KnowledgeGap.objects.get(question="Can I pay in bitcoin?")
    response = lead_client.post(
        reverse("knowledge:gap_status", args=[gap.pk]), {"status": "dismissed"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and f'id="gap-{gap.pk}"' in response.content.decode()
    gap.refresh_from_db()
    assert gap.status == "dismissed"
    assert "bitcoin" not in lead_client.get(reverse("knowledge:gap_list")).content.decode()
    bad = lead_client.post(reverse("knowledge:gap_status", args=[gap.pk]), {"status": "nope"})
    assert bad.status_code == 400


def test_navigation_shows_knowledge_to_leads_only(lead_client, agent_user, client):
    assert 'href="/knowledge/"' in lead_client.get(reverse("knowledge:search")).content.decode()
    client.force_login(agent_user)
    assert client.get("/").status_code == 302
