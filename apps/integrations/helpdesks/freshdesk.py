"""Freshdesk API v2 with httpx.

Connection: ``base_url`` (``https://acme.freshdesk.com``; or option ``domain``), credential ``api_key`` (basic auth
``api_key:X``) and ``webhook_secret``. History: ``GET /api/v2/tickets?include=requester,description&updated_since=…
&per_page=100&page=N``. Replies: ``POST /api/v2/tickets/{id}/reply`` (public) and ``/notes`` (``private``).
Webhooks: Freshdesk automation webhooks cannot sign bodies; the rule is set to send HTTP basic auth, whose password
must equal ``webhook_secret`` (compared in constant time).
"""

from __future__ import annotations

import base64
import hmac

from apps.integrations.connections import connection_option, vendor_call

from .base import credentials, http_client, transient

STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
SOURCE = {1: "email", 2: "web", 3: "phone", 7: "chat", 9: "web", 10: "email"}
PRIORITY = {1: "low", 2: "normal", 3: "high", 4: "urgent"}


def freshdesk_rows(tickets: list[dict]) -> list[dict]:
    """Freshdesk ticket objects (``include=requester,description``) → import rows."""
    rows = []
    for t in tickets:
        requester = t.get("requester") or {}
        rows.append(
            {
                "external_id": str(t["id"]),
                "subject": t.get("subject") or "",
                "body": t.get("description_text") or t.get("description") or "",
                "channel": SOURCE.get(t.get("source"), "email"),
                "priority": PRIORITY.get(t.get("priority"), "normal"),
                "status": STATUS.get(t.get("status"), "open"),
                "created_at": t.get("created_at"),
                "contact_email": requester.get("email") or t.get("email") or "",
                "contact_name": requester.get("name") or t.get("name") or "",
                "tags": t.get("tags") or [],
            }
        )
    return rows


class FreshdeskClient:
    provider = "freshdesk"

    def __init__(self, connection):
        self.connection = connection
        domain = connection_option(connection, "domain", "")
        self.client = http_client(
            connection,
            base_url=connection.base_url or f"https://{domain}.freshdesk.com",
            auth=(credentials(connection).get("api_key", ""), "X"),
        )

    source = "freshdesk"

    def ping(self) -> dict:
        """The authenticated agent (``GET /api/v2/agents/me``); raises ``ProviderError``."""
        answer = self._call("agents_me", "GET", "/api/v2/agents/me")
        return {"agent": (answer.get("contact") or {}).get("email", "?")}

    def _call(self, operation: str, method: str, url: str, **kwargs):
        def call():
            response = self.client.request(method, url, **kwargs)
            response.raise_for_status()
            return response.json()

        return vendor_call(self.connection, f"freshdesk.{operation}", call, transient=transient)

    def rows_since(self, updated_since: str = "2000-01-01T00:00:00Z", *, max_pages: int = 100) -> list[dict]:
        rows: list[dict] = []
        for page in range(1, max_pages + 1):
            params = {
                "include": "requester,description",
                "updated_since": updated_since,
                "per_page": 100,
                "page": page,
            }
            batch = self._call("tickets", "GET", "/api/v2/tickets", params=params)
            rows += freshdesk_rows(batch)
            if len(batch) < 100:
                break
        return rows

    def comment_post(self, *, external_id: str, text: str, public: bool) -> str:
        if public:
            answer = self._call("reply", "POST", f"/api/v2/tickets/{external_id}/reply", json={"body": text})
        else:
            answer = self._call(
                "note", "POST", f"/api/v2/tickets/{external_id}/notes", json={"body": text, "private": True}
            )
        return str(answer.get("id") or "")


def freshdesk_auth_valid(*, secret: str, headers) -> bool:
    value = headers.get("Authorization", "")
    if not secret or not value.startswith("Basic "):
        return False
    try:
        _, _, password = base64.b64decode(value[6:]).decode().partition(":")
    except ValueError:
        return False
    return hmac.compare_digest(password.encode("utf-8", "replace"), secret.encode("utf-8", "replace"))


def freshdesk_webhook_row(payload: dict) -> dict | None:
    """A ticket from the classic ``{"freshdesk_webhook": {"ticket_id", "ticket_subject", "ticket_description",
    "ticket_contact_email", "ticket_contact_name"…}}`` body, or a ticket object under ``ticket``."""
    hook = payload.get("freshdesk_webhook")
    if isinstance(hook, dict) and hook.get("ticket_id"):
        return {
            "external_id": str(hook["ticket_id"]),
            "subject": hook.get("ticket_subject") or "",
            "body": hook.get("ticket_description") or "",
            "channel": "email",
            "contact_email": hook.get("ticket_contact_email") or "",
            "contact_name": hook.get("ticket_contact_name") or "",
        }
    if isinstance(payload.get("ticket"), dict):
        return freshdesk_rows([payload["ticket"]])[0]
    return None
