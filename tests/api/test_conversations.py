"""Customer-side conversation endpoints: create, idempotency, follow-ups, isolation, human request, feedback."""

import json

import pytest
from django.core.cache import cache

from apps.escalation.models import Handoff
from apps.tickets.models import Message, Ticket
from apps.tickets.services.replies import reply_send

from .conftest import conversation_client, start_conversation

pytestmark = pytest.mark.django_db


def test_create_stores_page_context_and_returns_a_token(widget):
    response = start_conversation(widget, contact={"email": "mia@studio.example", "name": "Mia"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["token"]) == 64
    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.source, ticket.channel) == ("chat", "chat")
    assert ticket.page_url == "https://app.example/pricing"
    assert ticket.page_context == {"area": "pricing", "plan": "pro"}
    assert ticket.contact.email == "mia@studio.example"
    assert [m["author"] for m in body["messages"]] == ["customer"]
    assert body["page"]["product_area"] == "pricing"
    assert body["state"] in ("ai_working", "ai_replied", "person_will_reply")


def test_create_replay_with_idempotency_key_returns_the_same_conversation(widget):
    first = start_conversation(widget, key="c0ffee00-retry-key")
    again = start_conversation(widget, key="c0ffee00-retry-key")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert (again.json()["id"], again.json()["token"]) == (first.json()["id"], first.json()["token"])
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_same_key_with_a_different_body_is_refused(widget):
    start_conversation(widget, key="key-reused-0001")
    response = start_conversation(widget, "Something else entirely", key="key-reused-0001")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_malformed_idempotency_key_is_a_400(widget):
    response = start_conversation(widget, key="no spaces allowed here")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["details"]


def test_follow_up_with_the_same_message_id_is_stored_once(widget):
    created = start_conversation(widget).json()
    client = conversation_client(created["token"])
    url = f"/api/v1/conversations/{created['id']}/messages/"
    first = client.post(url, {"message": "It's for 12 seats.", "message_id": "m-2"}, format="json")
    again = client.post(url, {"message": "It's for 12 seats.", "message_id": "m-2"}, format="json")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["message"]["id"] == again.json()["message"]["id"]
    assert Message.objects.filter(ticket_id=created["id"], author_kind="customer").count() == 2
    clash = client.post(url, {"message": "Different text", "message_id": "m-2"}, format="json")
    assert clash.status_code == 422


def test_follow_up_deduplicated_by_idempotency_key(widget):
    created = start_conversation(widget).json()
    client = conversation_client(created["token"])
    url = f"/api/v1/conversations/{created['id']}/messages/"
    for _ in range(3):
        assert (
            client.post(url, {"message": "Any news?"}, format="json", HTTP_IDEMPOTENCY_KEY="follow-up-1").status_code
            == 201
        )
    assert Message.objects.filter(ticket_id=created["id"], body="Any news?").count() == 1


def test_message_ids_are_scoped_to_their_conversation(widget):
    a = start_conversation(widget).json()
    b = start_conversation(widget, "Another visitor").json()
    for conv in (a, b):
        response = conversation_client(conv["token"]).post(
            f"/api/v1/conversations/{conv['id']}/messages/", {"message": "same id", "message_id": "m-1"}, format="json"
        )
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert Message.objects.filter(body="same id").count() == 2


def test_one_visitor_cannot_read_or_write_another_conversation(widget):
    mine = start_conversation(widget).json()
    theirs = start_conversation(widget, "My invoice address is wrong").json()
    intruder = conversation_client(mine["token"])
    base = f"/api/v1/conversations/{theirs['id']}/"
    responses = [
        intruder.get(base),
        intruder.post(base + "messages/", {"message": "hi"}, format="json"),
        intruder.post(base + "human/", {}, format="json"),
        intruder.post(base + "feedback/", {"csat": 1}, format="json"),
        widget.get(base),  # no token at all
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert responses[0].json()["error"]["code"] == "not_found"
    assert Message.objects.filter(ticket_id=theirs["id"]).count() == 1
    assert not Handoff.objects.exists()
    assert conversation_client(theirs["token"]).get(base).status_code == 200


def test_widget_key_is_required_and_checked(widget):
    anonymous = start_conversation(type(widget)())
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    wrong = type(widget)()
    wrong.credentials(HTTP_X_SWITCHBOARD_KEY="sb_pk_someone_else")
    assert start_conversation(wrong).status_code == 401
    assert not Ticket.objects.exists()


def test_widget_cannot_claim_a_tier_or_channel(widget):
    response = start_conversation(widget, organization={"name": "Big Co", "tier": "enterprise"}, channel="email")
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"organization", "channel"}


def test_api_token_client_creates_an_api_ticket_with_organization(agent_api):
    response = start_conversation(
        agent_api,
        "Order sync fails",
        key="crm-ticket-77",
        organization={"name": "Big Co", "tier": "enterprise"},
        channel="web",
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert (ticket.source, ticket.channel, ticket.organization.tier) == ("api", "web", "enterprise")


def test_customer_never_sees_internal_notes(widget):
    created = start_conversation(widget).json()
    ticket = Ticket.objects.get(pk=created["id"])
    reply_send(ticket=ticket, body="Customer is on a legacy plan, careful", author_kind="agent", is_internal=True)
    reply_send(ticket=ticket, body="Go to Settings → Billing → Plan.", author_kind="agent")
    body = conversation_client(created["token"]).get(f"/api/v1/conversations/{created['id']}/").json()
    assert [m["body"] for m in body["messages"]][-1] == "Go to Settings → Billing → Plan."
    assert all("legacy" not in m["body"] for m in body["messages"])
    assert body["state"] == "person_replied"


def test_asking_for_a_person_escalates_once(widget):
    created = start_conversation(widget).json()
    client = conversation_client(created["token"])
    url = f"/api/v1/conversations/{created['id']}/human/"
    first = client.post(url, {"note": "I want to talk to someone"}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["created"] is True
    assert body["conversation"]["state"] == "person_will_reply"
    assert "person" in body["conversation"]["notice"]
    ticket = Ticket.objects.get(pk=created["id"])
    assert ticket.status == "escalated"
    handoff = Handoff.objects.get(ticket=ticket)
    assert handoff.package["why"]["kind"] == "human_request"
    assert handoff.package["why"]["triggers"][0]["evidence"] == "I want to talk to someone"
    assert handoff.package["conversation"][0]["body"] == "How do I change my plan?"
    again = client.post(url, {}, format="json")
    assert again.status_code == 200
    assert again.json()["handoff_id"] == handoff.pk
    assert Handoff.objects.count() == 1


def test_feedback_csat_out_of_range_gets_the_error_body(widget):
    created = start_conversation(widget).json()
    response = conversation_client(created["token"]).post(
        f"/api/v1/conversations/{created['id']}/feedback/", {"csat": 6}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"]
    assert "csat" in error["details"]
    assert Ticket.objects.get(pk=created["id"]).csat is None


def test_feedback_needs_a_score_or_a_flag(widget):
    created = start_conversation(widget).json()
    response = conversation_client(created["token"]).post(
        f"/api/v1/conversations/{created['id']}/feedback/", {"comment": "meh"}, format="json"
    )
    assert response.status_code == 400


def test_feedback_is_stored_on_the_ticket(widget):
    created = start_conversation(widget).json()
    ticket = Ticket.objects.get(pk=created["id"])
    answer = reply_send(ticket=ticket, body="Settings → Billing → Plan.", author_kind="ai")
    client = conversation_client(created["token"])
    url = f"/api/v1/conversations/{created['id']}/feedback/"
    assert client.post(url, {"helpful": False, "message_id": answer.pk}, format="json").status_code == 201
    assert client.post(url, {"csat": 4, "comment": "ok"}, format="json").status_code == 201
    ticket.refresh_from_db()
    assert ticket.csat == 4
    stored = ticket.feedback.order_by("id").values_list("helpful", "message_id")
    assert list(stored) == [(False, answer.pk), (None, None)]
    customer_message = Message.objects.get(ticket=ticket, author_kind="customer")
    refused = client.post(url, {"helpful": True, "message_id": customer_message.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["details"] == {"message_id": customer_message.pk}


def test_widget_writes_are_throttled_with_the_error_body(widget, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "widget_write": "2/min"},
    }
    cache.clear()
    codes = [start_conversation(widget, f"question {i}").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    blocked = start_conversation(widget, "again")
    assert blocked.json()["error"]["code"] == "throttled"
    assert int(blocked.headers["Retry-After"]) > 0
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "metadata", [{"k": "a\x00b"}, {"a\x00": 1}, {"k": "\udb7b"}, {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}]
)
def test_page_metadata_that_postgres_cannot_store_is_a_400(widget, metadata):
    body = {"message": "hello", "page": {"url": "https://app.example/x", "metadata": metadata}}
    # json.dumps escapes lone surrogates as \\uXXXX, as a browser or another client could send them.
    response = widget.post("/api/v1/conversations/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "metadata" in response.json()["error"]["details"]["page"]
    assert not Ticket.objects.exists()


def test_cross_origin_widget_calls_are_allowed_only_from_listed_sites(widget, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.customer.example"]
    preflight = {
        "HTTP_ORIGIN": "https://app.customer.example",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type,x-switchboard-key,idempotency-key",
    }
    allowed = widget.options("/api/v1/conversations/", **preflight)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.customer.example"
    assert "x-switchboard-key" in allowed.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = widget.options("/api/v1/conversations/", **{**preflight, "HTTP_ORIGIN": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    staff = widget.options("/api/v1/tickets/", **preflight)
    assert "Access-Control-Allow-Origin" not in staff.headers
    created = start_conversation(widget, key="cors-key-0001")
    replay = widget.post(
        "/api/v1/conversations/",
        created.wsgi_request.body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="cors-key-0001",
        HTTP_ORIGIN="https://app.customer.example",
    )
    assert "Idempotent-Replayed" in replay.headers["Access-Control-Expose-Headers"]
