"""Staff ticket list (filters, cursor pages, query budget) and API token management."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.tickets.models import Message
from tests.factories import CategoryFactory, MessageFactory, OrganizationFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_ticket_list_filters_and_cursor_pages(agent_api, django_assert_max_num_queries):
    billing = CategoryFactory(slug="billing")
    for _ in range(5):
        TicketFactory(category=billing, status="open", organization=OrganizationFactory(enterprise=True))
    TicketFactory(status="resolved")
    with django_assert_max_num_queries(4):
        page = agent_api.get("/api/v1/tickets/", {"category": "billing", "page_size": 2}).json()
    assert len(page["results"]) == 2
    assert {t["category"] for t in page["results"]} == {"billing"}
    seen = [t["id"] for t in page["results"]]
    while page["next"]:
        page = agent_api.get(page["next"]).json()
        seen += [t["id"] for t in page["results"]]
    assert len(seen) == len(set(seen)) == 5
    resolved = agent_api.get("/api/v1/tickets/", {"status": ["resolved", "closed"]}).json()["results"]
    assert [t["status"] for t in resolved] == ["resolved"]
    assert {t["tier"] for t in agent_api.get("/api/v1/tickets/", {"tier": "enterprise"}).json()["results"]} == {
        "enterprise"
    }


def test_ticket_list_rejects_a_bad_filter_with_the_error_body(agent_api):
    response = agent_api.get("/api/v1/tickets/", {"status": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "status" in response.json()["error"]["details"]


def test_staff_ticket_detail_includes_internal_notes(agent_api):
    ticket = TicketFactory()
    MessageFactory(ticket=ticket, body="customer text")
    MessageFactory(ticket=ticket, body="internal: VIP", author_kind="agent", is_internal=True)
    body = agent_api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert [(m["body"], m["is_internal"]) for m in body["messages"]] == [
        ("customer text", False),
        ("internal: VIP", True),
    ]
    assert agent_api.get("/api/v1/tickets/999999/").json()["error"]["code"] == "not_found"


def test_token_obtain_use_and_revoke(agent_user):
    client = APIClient()
    wrong = client.post("/api/v1/auth/token/", {"username": "agent1", "password": "nope"}, format="json")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "authentication_failed"
    issued = client.post("/api/v1/auth/token/", {"username": "agent1", "password": "pw-agent1"}, format="json")
    assert issued.status_code == 200
    token = issued.json()["token"]
    assert issued.json()["user"]["role"] == "agent"
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/auth/me/").json()["username"] == "agent1"
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert not Token.objects.filter(key=token).exists()
    assert client.get("/api/v1/auth/me/").status_code == 401


def test_anonymous_staff_request_is_a_401_with_a_token_challenge():
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_session_auth_needs_csrf_for_writes(agent_user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(agent_user)
    assert client.get("/api/v1/tickets/").status_code == 200
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert Message.objects.count() == 0


def test_unknown_api_addresses_get_the_json_error_body(agent_api, client):
    for path in ("/api/v1/drafts/0.5/", "/api/v1/conversations/null/", "/api/v1/nothing-here/"):
        response = agent_api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_a_malformed_cursor_is_a_400(agent_api):
    response = agent_api.get("/api/v1/tickets/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"cursor": ["Invalid cursor"]}


@pytest.mark.parametrize(
    ("value", "status"),
    [("0657-02-13T16:19:24+18:51", 200), ("2026-01-01T00:00:00+23:59", 200), ("0001-01-01T00:00:00+18:00", 400)],
)
def test_created_after_accepts_any_iso_offset(agent_api, value, status):
    response = agent_api.get("/api/v1/tickets/", {"created_after": value})
    assert response.status_code == status
