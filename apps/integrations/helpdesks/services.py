"""Helpdesk services: import history through the ticket import pipeline, take webhook tickets, post replies back."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from apps.core.errors import ProviderError, ValidationError
from apps.integrations.connections import vendor_error_scrub

from .base import PostResult
from .freshdesk import FreshdeskClient, freshdesk_rows, freshdesk_webhook_row
from .intercom import IntercomClient, intercom_rows, intercom_webhook_reply, intercom_webhook_row
from .zendesk import ZendeskClient, zendesk_rows, zendesk_webhook_reply, zendesk_webhook_row

PROVIDERS = ("zendesk", "freshdesk", "intercom")
CLIENTS = {"zendesk": ZendeskClient, "freshdesk": FreshdeskClient, "intercom": IntercomClient}
WEBHOOK_ROWS = {"zendesk": zendesk_webhook_row, "freshdesk": freshdesk_webhook_row, "intercom": intercom_webhook_row}
WEBHOOK_REPLIES = {"zendesk": zendesk_webhook_reply, "intercom": intercom_webhook_reply}


def helpdesk_client(connection):
    """``ZendeskClient``, ``FreshdeskClient`` or ``IntercomClient`` for a helpdesk connection; ``ValidationError``
    for another kind."""
    if connection.kind not in CLIENTS:
        raise ValidationError(f"Connection {connection.name!r} ({connection.kind}) is not a helpdesk.")
    return CLIENTS[connection.kind](connection)


def helpdesk_connection(provider: str):
    """The enabled connection of kind ``provider`` (oldest first), or None. Data source: the Connection table."""
    from apps.integrations.models import Connection

    return Connection.objects.filter(kind=provider, enabled=True).order_by("created_at", "pk").first()


def helpdesk_rows_import(*, provider: str, rows: list[dict], triage: bool = False):
    """Load import rows (``base`` module docstring) with ``tickets_import`` (format ``jsonl``, source = provider):
    validation, deduplication by (source, external id), contacts and organizations, all or nothing for invalid
    rows. Returns the pipeline's ``ImportResult``; raises its ``ValidationError`` / ``ImportRejected``."""
    from apps.tickets.services.imports import tickets_import

    if provider not in PROVIDERS:
        raise ValidationError(f"Unknown helpdesk {provider!r}; use one of {', '.join(PROVIDERS)}.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{provider}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({k: v for k, v in row.items() if v not in (None, "", [])}) + "\n")
        if not rows:
            raise ValidationError(f"The {provider} export holds no tickets.")
        return tickets_import(path=path, format="jsonl", source=provider, triage=triage)


def helpdesk_import(*, connection, since: int | str | None = None, triage: bool = False):
    """Fetch the helpdesk's ticket history through its API and import it (``helpdesk_rows_import``).

    ``since``: Zendesk Unix seconds, Freshdesk ISO 8601 ``updated_since``; Intercom reads every conversation.
    Raises ``ProviderError`` when the vendor fails (recorded on the connection)."""
    client = helpdesk_client(connection)
    if connection.kind == "zendesk":
        rows = client.rows_since(int(since or 0))
    elif connection.kind == "freshdesk":
        rows = client.rows_since(str(since or "2000-01-01T00:00:00Z"))
    else:
        rows = client.rows_since()
    return helpdesk_rows_import(provider=connection.kind, rows=rows, triage=triage)


def helpdesk_export_rows(*, provider: str, path: Path) -> list[dict]:
    """Rows from an export file: Zendesk's JSON export (one ticket per line) or an API page / list saved as JSON
    (``{"tickets": [...], "users": [...]}``, ``{"conversations": [...]}`` or a plain list)."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise ValidationError(f"{path} is neither JSON nor JSON lines: {exc}") from exc
    if isinstance(data, dict):
        items = data.get("tickets") or data.get("conversations") or []
        users = data.get("users") or []
    else:
        items, users = data, []
    if provider == "zendesk":
        return zendesk_rows(items, users)
    if provider == "freshdesk":
        return freshdesk_rows(items)
    if provider == "intercom":
        return intercom_rows(items)
    raise ValidationError(f"Unknown helpdesk {provider!r}; use one of {', '.join(PROVIDERS)}.")


def helpdesk_webhook_ticket(*, provider: str, payload: dict, triage: bool = True):
    """Store what a helpdesk webhook carries: a new ticket (``ticket_receive``, source = provider, the vendor's
    ticket id as external id) or a customer's follow-up (``message_receive`` into the stored ticket, the vendor's
    comment id as message external id). Repeats are not stored twice. Returns ``(ticket or message, created)``, or
    None when the payload is neither. Raises ``ValidationError`` for a message without text, or a follow-up to a
    ticket Switchboard never received."""
    from apps.tickets.models import Ticket
    from apps.tickets.services.intake import message_receive, ticket_receive

    row = WEBHOOK_ROWS[provider](payload)
    if row is not None:
        return ticket_receive(
            source=provider,
            external_id=row["external_id"],
            channel=row.get("channel") or "email",
            body=row.get("body") or "",
            subject=row.get("subject") or "",
            contact_email=row.get("contact_email") or "",
            contact_name=row.get("contact_name") or "",
            metadata={"helpdesk": provider, "tags": row.get("tags") or []},
            triage=triage,
        )
    reply = WEBHOOK_REPLIES[provider](payload) if provider in WEBHOOK_REPLIES else None
    if reply is None:
        return None
    ticket = Ticket.objects.filter(source=provider, external_id=reply["ticket_external_id"]).first()
    if ticket is None:
        raise ValidationError(f"No {provider} ticket {reply['ticket_external_id']} to add the follow-up to.")
    message_id = reply["message_external_id"]
    return message_receive(
        ticket=ticket,
        body=reply["body"],
        external_id=f"{provider}:{message_id}" if message_id else None,
        triage=triage,
    )


def helpdesk_reply_post(*, ticket, text: str, public: bool = True) -> PostResult:
    """Post the AI's public reply (``public``) or an internal note back to the helpdesk the ticket came from
    (``ticket.source`` zendesk/freshdesk/intercom, ``ticket.external_id`` the vendor's id).

    Never raises for vendor errors: ``ok`` False with ``error`` (recorded in the CallLog and connection health).
    Raises ``ValidationError`` for a ticket from elsewhere, an empty text, or no enabled connection."""
    provider = ticket.source
    if provider not in PROVIDERS:
        raise ValidationError(f"Ticket {ticket.pk} came from {provider!r}, not a helpdesk.")
    if not (text or "").strip():
        raise ValidationError("The reply is empty.")
    connection = helpdesk_connection(provider)
    if connection is None:
        raise ValidationError(f"No enabled {provider} connection to post ticket {ticket.pk} back to.")
    try:
        posted = helpdesk_client(connection).comment_post(external_id=ticket.external_id, text=text, public=public)
    except ProviderError as exc:
        return PostResult(ok=False, provider=provider, error=vendor_error_scrub(str(exc))[:500])
    return PostResult(ok=True, provider=provider, external_id=posted)
