"""Knowledge API: search for staff roles, uploads for leads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.knowledge.models import Document

from .conftest import qa

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/knowledge/search"


def test_search_endpoint_roles_and_visibility(client, agent_user, help_center, sops, ingest):
    ingest(help_center, qa("1", "How do I cancel my subscription?", "Billing, then Cancel plan."))
    ingest(sops, qa("2", "Cancel subscription with a retention offer", "Offer 20% off for three months first."))
    assert client.get(SEARCH, {"q": "cancel subscription"}).status_code == 401
    client.force_login(agent_user)
    everything = client.get(SEARCH, {"q": "cancel my subscription", "k": 5})
    assert everything.status_code == 200
    assert {h["visibility"] for h in everything.json()["hits"]} == {"public", "internal"}
    public = client.get(SEARCH, {"q": "cancel my subscription", "visibility": "public"}).json()
    assert [h["title"] for h in public["hits"]] == ["How do I cancel my subscription?"]
    assert public["grounded"] is True and public["best_score"] >= public["threshold"]
    hit = public["hits"][0]
    assert {"chunk_id", "document_id", "url", "heading", "text", "score", "dense_score", "text_score"} <= set(hit)
    bad = client.get(SEARCH, {"q": "x", "visibility": "secret"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


def test_ingestion_endpoint_is_for_leads(client, agent_user, lead_user, django_capture_on_commit_callbacks):
    files = {"files": [SimpleUploadedFile("sla.md", b"# SLA\n\nFirst response within 4 business hours.\n")]}
    client.force_login(agent_user)
    assert client.post("/api/v1/knowledge/ingestions", {"source_name": "Policies", **files}).status_code == 403
    client.force_login(lead_user)
    files = {"files": [SimpleUploadedFile("sla.md", b"# SLA\n\nFirst response within 4 business hours.\n")]}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/knowledge/ingestions",
            {"source_name": "Policies", "kind": "policy", "visibility": "public", **files},
        )
    assert created.status_code == 202 and created.json()["status"] == "queued"
    run = client.get(f"/api/v1/knowledge/ingestions/{created.json()['id']}").json()
    assert (run["status"], run["created_count"], run["chunk_count"]) == ("done", 1, 1)
    assert Document.objects.get().source.kind == "policy"
    refused = client.post(
        "/api/v1/knowledge/ingestions", {"source_name": "Policies", "files": [SimpleUploadedFile("x.exe", b"MZ")]}
    )
    assert refused.status_code == 400 and "unsupported type" in refused.json()["error"]["message"]
    documents = client.get("/api/v1/knowledge/documents", {"status": "ready"}).json()
    assert [d["title"] for d in documents["results"]] == ["SLA"]
