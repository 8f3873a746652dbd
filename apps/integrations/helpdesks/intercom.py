"""Intercom REST API (``Intercom-Version: 2.11``) with httpx.

Connection: ``base_url`` (default ``https://api.intercom.io``), credentials ``access_token`` (Bearer) and
``client_secret`` (webhook signatures); option ``admin_id`` (who replies). History: ``GET /conversations`` cursor
pages (``pages.next.starting_after``). Replies: ``POST /conversations/{id}/reply`` with ``message_type`` ``comment``
(public) or ``note``. Webhooks: ``X-Hub-Signature: sha1=<HMAC-SHA1(client_secret, body)>``; topic
``conversation.user.created`` opens a ticket.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from apps.integrations.connections import connection_option, vendor_call
from apps.tickets.email.htmltext import html_to_text

from .base import credentials, http_client, transient

CHANNELS = {"email": "email", "customer_initiated": "chat", "automated": "chat", "admin_initiated": "chat"}


def intercom_rows(conversations: list[dict]) -> list[dict]:
    """Intercom conversation objects → import rows (the first message is ``source``; HTML becomes text)."""
    rows = []
    for c in conversations:
        source = c.get("source") or {}
        author = source.get("author") or {}
        created = c.get("created_at")
        tags = [t.get("name") for t in ((c.get("tags") or {}).get("tags") or []) if t.get("name")]
        rows.append(
            {
                "external_id": str(c["id"]),
                "subject": html_to_text(source.get("subject") or ""),
                "body": html_to_text(source.get("body") or ""),
                "channel": CHANNELS.get(source.get("delivered_as") or "", "chat"),
                "priority": "high" if c.get("priority") == "priority" else "normal",
                "status": {"open": "open", "closed": "closed", "snoozed": "pending"}.get(c.get("state") or "", "open"),
                "created_at": datetime.fromtimestamp(created, tz=UTC).isoformat() if created else None,
                "contact_email": author.get("email") or "",
                "contact_name": author.get("name") or "",
                "tags": tags,
            }
        )
    return rows


class IntercomClient:
    provider = "intercom"

    def __init__(self, connection):
        self.connection = connection
        self.client = http_client(
            connection,
            base_url=connection.base_url or "https://api.intercom.io",
            headers={
                "Authorization": f"Bearer {credentials(connection).get('access_token', '')}",
                "Intercom-Version": "2.11",
                "Accept": "application/json",
            },
        )

    source = "intercom"

    def ping(self) -> dict:
        """The authenticated agent (``GET /me``); raises ``ProviderError``."""
        answer = self._call("me", "GET", "/me")
        return {"agent": answer.get("email") or answer.get("name") or "?"}

    def _call(self, operation: str, method: str, url: str, **kwargs) -> dict:
        def call() -> dict:
            response = self.client.request(method, url, **kwargs)
            response.raise_for_status()
            return response.json()

        return vendor_call(self.connection, f"intercom.{operation}", call, transient=transient)

    def rows_since(self, *, max_pages: int = 100) -> list[dict]:
        rows: list[dict] = []
        params: dict = {"per_page": 150}
        for _ in range(max_pages):
            page = self._call("conversations", "GET", "/conversations", params=params)
            rows += intercom_rows(page.get("conversations") or [])
            after = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if not after:
                break
            params = {"per_page": 150, "starting_after": after}
        return rows

    def comment_post(self, *, external_id: str, text: str, public: bool) -> str:
        body = {
            "message_type": "comment" if public else "note",
            "type": "admin",
            "admin_id": str(connection_option(self.connection, "admin_id", "")),
            "body": text,
        }
        answer = self._call("reply", "POST", f"/conversations/{external_id}/reply", json=body)
        return str(answer.get("id") or external_id)


def intercom_signature_valid(*, secret: str, body: bytes, headers) -> bool:
    signature = headers.get("X-Hub-Signature", "")
    if not secret or not signature.startswith("sha1="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return hmac.compare_digest(expected.encode(), signature[5:].encode("utf-8", "replace"))


def intercom_webhook_row(payload: dict) -> dict | None:
    """The conversation of a ``conversation.user.created`` notification (``data.item``)."""
    if payload.get("topic") != "conversation.user.created":
        return None
    item = (payload.get("data") or {}).get("item")
    return intercom_rows([item])[0] if isinstance(item, dict) else None


def intercom_webhook_reply(payload: dict) -> dict | None:
    """The customer's follow-up in a ``conversation.user.replied`` notification: the last conversation part."""
    if payload.get("topic") != "conversation.user.replied":
        return None
    item = (payload.get("data") or {}).get("item") or {}
    parts = ((item.get("conversation_parts") or {}).get("conversation_parts")) or []
    if not parts or not item.get("id"):
        return None
    part = parts[-1]
    return {
        "ticket_external_id": str(item["id"]),
        "message_external_id": str(part.get("id") or ""),
        "body": html_to_text(part.get("body") or ""),
    }
