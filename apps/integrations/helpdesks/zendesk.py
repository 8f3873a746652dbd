"""Zendesk Support REST API v2 with httpx.

Connection: ``base_url`` (``https://acme.zendesk.com``; or option ``subdomain``), credentials ``email`` +
``api_token`` (basic auth ``email/token``) and ``webhook_secret`` (the webhook's signing secret).
History: ``GET /api/v2/incremental/tickets/cursor.json?start_time=…&include=users`` (cursor pages until
``end_of_stream``). Replies: ``PUT /api/v2/tickets/{id}.json`` with ``{"ticket": {"comment": {"body", "public"}}}``.
Webhooks: ``X-Zendesk-Webhook-Signature`` = base64(HMAC-SHA256(secret, timestamp + body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from apps.integrations.connections import connection_option, vendor_call

from .base import credentials, http_client, transient

CHANNELS = {
    "email": "email",
    "web": "web",
    "api": "api",
    "chat": "chat",
    "native_messaging": "chat",
    "voice": "phone",
    "twitter": "social",
    "facebook": "social",
    "whatsapp": "chat",
}


def zendesk_base_url(connection) -> str:
    subdomain = connection_option(connection, "subdomain", "")
    return connection.base_url or (f"https://{subdomain}.zendesk.com" if subdomain else "")


def zendesk_rows(tickets: list[dict], users: list[dict] | None = None) -> list[dict]:
    """Zendesk ticket objects (API or JSON export) → import rows; the requester's email/name from ``users``."""
    people = {u.get("id"): u for u in users or []}
    rows = []
    for t in tickets:
        requester = people.get(t.get("requester_id")) or t.get("requester") or {}
        rows.append(
            {
                "external_id": str(t["id"]),
                "subject": t.get("subject") or t.get("raw_subject") or "",
                "body": t.get("description") or "",
                "channel": CHANNELS.get(((t.get("via") or {}).get("channel") or "email"), "email"),
                "priority": t.get("priority") or "normal",
                "status": t.get("status") or "new",
                "created_at": t.get("created_at"),
                "contact_email": requester.get("email") or "",
                "contact_name": requester.get("name") or "",
                "tags": t.get("tags") or [],
            }
        )
    return rows


class ZendeskClient:
    provider = "zendesk"

    def __init__(self, connection):
        self.connection = connection
        creds = credentials(connection)
        self.client = http_client(
            connection,
            base_url=zendesk_base_url(connection),
            auth=(f"{creds.get('email', '')}/token", creds.get("api_token", "")),
        )

    source = "zendesk"

    def ping(self) -> dict:
        """The authenticated agent (``GET /api/v2/users/me.json``); raises ``ProviderError``."""
        answer = self._call("users_me", "GET", "/api/v2/users/me.json")
        return {"agent": answer.get("user", {}).get("email", "?")}

    def _call(self, operation: str, method: str, url: str, **kwargs) -> dict:
        def call() -> dict:
            response = self.client.request(method, url, **kwargs)
            response.raise_for_status()
            return response.json()

        return vendor_call(self.connection, f"zendesk.{operation}", call, transient=transient)

    def rows_since(self, start_time: int = 0, *, max_pages: int = 100) -> list[dict]:
        """Every ticket changed since ``start_time`` (Unix seconds) as import rows."""
        rows: list[dict] = []
        params = {"start_time": start_time, "include": "users"}
        for _ in range(max_pages):
            page = self._call("incremental_tickets", "GET", "/api/v2/incremental/tickets/cursor.json", params=params)
            rows += zendesk_rows(page.get("tickets") or [], page.get("users") or [])
            if page.get("end_of_stream") or not page.get("after_cursor"):
                break
            params = {"cursor": page["after_cursor"], "include": "users"}
        return rows

    def comment_post(self, *, external_id: str, text: str, public: bool) -> str:
        """Add a public reply or an internal note; returns the ticket's id."""
        body = {"ticket": {"comment": {"body": text, "public": public}}}
        answer = self._call("comment", "PUT", f"/api/v2/tickets/{external_id}.json", json=body)
        return str((answer.get("ticket") or {}).get("id") or external_id)


def zendesk_signature_valid(*, secret: str, body: bytes, headers) -> bool:
    signature = headers.get("X-Zendesk-Webhook-Signature", "")
    timestamp = headers.get("X-Zendesk-Webhook-Signature-Timestamp", "")
    if not secret or not signature or not timestamp:
        return False
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.encode("utf-8", "replace"))


def zendesk_webhook_row(payload: dict) -> dict | None:
    """The new ticket in a Zendesk webhook: a trigger body ``{"ticket": {...}}`` (fields named like the API, with
    ``requester: {email, name}``) or an event-based body (``type: zen:event-type:ticket.created``, ``detail``)."""
    if "ticket" in payload and isinstance(payload["ticket"], dict):
        return zendesk_rows([payload["ticket"]])[0]
    if str(payload.get("type", "")).endswith("ticket.created") and isinstance(payload.get("detail"), dict):
        return zendesk_rows([payload["detail"]])[0]
    return None


def zendesk_webhook_reply(payload: dict) -> dict | None:
    """A public comment by the requester in an event-based ``zen:event-type:ticket.comment_added`` body (comments by
    staff and private notes are ignored: they are not the customer's)."""
    if not str(payload.get("type", "")).endswith("ticket.comment_added"):
        return None
    ticket = payload.get("detail") or {}
    comment = (payload.get("event") or {}).get("comment") or {}
    if not ticket.get("id") or not comment.get("is_public", True) or (comment.get("author") or {}).get("is_staff"):
        return None
    return {
        "ticket_external_id": str(ticket["id"]),
        "message_external_id": str(comment.get("id") or ""),
        "body": comment.get("body") or "",
    }
