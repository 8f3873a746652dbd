"""Shared helpers of the helpdesk connectors: HTTP clients, transient errors, and ticket rows in import fields.

A *row* is a dict keyed by the import fields of ``apps.tickets.importers.fields.FIELDS`` (``external_id``,
``subject``, ``body``, ``channel``, ``priority``, ``status``, ``created_at``, ``contact_email``, ``contact_name``,
``tags``…): every vendor module maps its ticket shape into rows, and ``services`` loads them with the existing
import pipeline (``tickets_import``) or ``ticket_receive``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from apps.integrations.connections import connection_credentials, connection_option


def transient(exc: BaseException) -> bool:
    """429, 5xx and network errors are retried; other HTTP errors are not."""
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


def http_client(connection, *, base_url: str, headers: dict | None = None, auth=None) -> httpx.Client:
    """An httpx client with the connection's timeout; environment proxies are ignored."""
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        headers=headers or {},
        auth=auth,
        timeout=connection_option(connection, "timeout", 10.0),
        trust_env=False,
    )


def credentials(connection) -> dict[str, str]:
    return connection_credentials(connection)


@dataclass(frozen=True)
class PostResult:
    """Outcome of posting a reply or note back to the helpdesk; ``ok`` False with ``error`` on vendor failure."""

    ok: bool
    provider: str
    external_id: str = ""
    error: str = ""
