"""Every staff endpoint × every kind of caller: anonymous, widget key, bad token, agent, lead, admin (session and
API token), inactive user's token. Leads and admins see metrics; agents work drafts, handoffs and tickets."""

import pytest
from rest_framework.test import APIClient

from tests.factories import DraftFactory, HandoffFactory, TicketFactory

from .conftest import WIDGET_KEY, token_client

pytestmark = pytest.mark.django_db

AGENT_ENDPOINTS = ["/api/v1/tickets/", "/api/v1/drafts/", "/api/v1/handoffs/", "/api/v1/auth/me/"]
LEAD_ENDPOINTS = ["/api/v1/metrics/"]
DETAIL_ENDPOINTS = ["/api/v1/tickets/{ticket}/", "/api/v1/drafts/{draft}/", "/api/v1/handoffs/{handoff}/"]
WRITE_ENDPOINTS = ["/api/v1/drafts/{draft}/approve/", "/api/v1/handoffs/{handoff}/claim/"]


@pytest.fixture
def objects():
    draft = DraftFactory()
    return {"ticket": TicketFactory().pk, "draft": draft.pk, "handoff": HandoffFactory().pk}


def _caller(kind: str, users: dict) -> APIClient:
    client = APIClient()
    if kind == "widget":
        client.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY)
    elif kind == "bad_token":
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    elif kind.endswith("_token"):
        return token_client(users[kind.removesuffix("_token")])
    elif kind.endswith("_session"):
        client.force_login(users[kind.removesuffix("_session")])
    return client


# caller -> (status on agent endpoints, status on lead endpoints)
MATRIX = {
    "anonymous": (401, 401),
    "widget": (401, 401),
    "bad_token": (401, 401),
    "inactive_token": (401, 401),
    "agent_session": (200, 403),
    "agent_token": (200, 403),
    "lead_session": (200, 200),
    "lead_token": (200, 200),
    "admin_session": (200, 200),
    "admin_token": (200, 200),
}


@pytest.mark.parametrize("kind", MATRIX)
def test_staff_endpoint_matrix(kind, agent_user, lead_user, admin_user, django_user_model, objects):
    inactive = django_user_model.objects.create_user(username="gone", password="x", role="admin", is_active=False)
    users = {"agent": agent_user, "lead": lead_user, "admin": admin_user, "inactive": inactive}
    client = _caller(kind, users)
    agent_status, lead_status = MATRIX[kind]
    paths = [*AGENT_ENDPOINTS, *(p.format(**objects) for p in DETAIL_ENDPOINTS)]
    got = {path: client.get(path).status_code for path in paths}
    assert got == dict.fromkeys(paths, agent_status)
    got = {path: client.get(path).status_code for path in LEAD_ENDPOINTS}
    assert got == dict.fromkeys(LEAD_ENDPOINTS, lead_status)
    if agent_status != 200:
        for path in WRITE_ENDPOINTS:
            response = client.post(path.format(**objects), {"version": 1}, format="json")
            assert response.status_code == agent_status
            assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")


# Every operation of the OpenAPI schema and who may call it: "customer" (the widget key, or any staff token, with
# the conversation's own token for the conversation itself), "agent" (every staff role), "lead" (leads and admins).
# A new lead-only endpoint fails test_every_schema_operation_answers_by_role until its prefix is added here.
LEAD_ONLY_PREFIXES = (
    "/api/v1/audit/",
    "/api/v1/connections/",
    "/api/v1/knowledge/gaps",
    "/api/v1/knowledge/ingestions",
    "/api/v1/metrics/",
    "/api/v1/workflow-versions/",
)
CUSTOMER_PREFIXES = ("/api/v1/conversations/",)
OPEN = {("POST", "/api/v1/auth/token/")}  # exchanging a username and password for a token


def _schema_operations(tmp_path) -> list[tuple[str, str]]:
    import yaml
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    return [(m.upper(), p) for p, ops in paths.items() for m in ops if m in ("get", "post", "put", "patch", "delete")]


def _role(method: str, path: str) -> str:
    if (method, path) in OPEN:
        return "open"
    if path.startswith(CUSTOMER_PREFIXES):
        return "customer"
    return "lead" if path.startswith(LEAD_ONLY_PREFIXES) else "agent"


def _call(client, method: str, path: str):
    url = path.replace("{id}", "999999").replace("{name}", "billing.summary")
    return client.generic(method, url, "{}", content_type="application/json")


def test_every_schema_operation_answers_by_role(tmp_path, agent_user, lead_user, admin_user):
    operations = _schema_operations(tmp_path)
    assert len(operations) >= 40
    widget = APIClient()
    widget.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY)
    callers = {
        "anonymous": APIClient(),
        "widget": widget,
        "agent": token_client(agent_user),
        "lead": token_client(lead_user),
        "admin": token_client(admin_user),
    }
    wrong = []
    for method, path in operations:
        if (method, path) == ("DELETE", "/api/v1/auth/token/"):
            continue  # revoking would log the caller out for the next rows; covered in test_tickets_and_tokens
        role = _role(method, path)
        for name, client in callers.items():
            status = _call(client, method, path).status_code
            if role == "open":
                allowed = status not in (401, 403)
            elif name == "anonymous":
                allowed = status == 401
            elif name == "widget":
                allowed = (status not in (401, 403)) if role == "customer" else status == 401
            elif name == "agent" and role == "lead":
                allowed = status == 403
            else:
                allowed = status not in (401, 403) and status < 500
            if not allowed:
                wrong.append(f"{name} {method} {path} -> {status} (role {role})")
    assert wrong == []
