"""Connections: credentials (encrypted at rest or read from the environment), health and the call log.

Encryption uses ``cryptography``'s Fernet (AES-128-CBC + HMAC-SHA256). The key comes from the environment:
``FIELD_ENCRYPTION_KEY`` (one or more comma-separated Fernet keys, the first encrypts, all decrypt: key rotation),
else ``SWITCHBOARD_SECRET_KEY`` (any string, stretched with SHA-256), else Django's ``SECRET_KEY`` (itself from
``DJANGO_SECRET_KEY``). Credentials are shown only masked (``credentials_masked``) and are write-only in forms and
the API.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ProviderError, ValidationError
from apps.core.redaction import redact

MASK = "••••"


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in os.environ.get("FIELD_ENCRYPTION_KEY", "").split(",") if k.strip()]
    if not keys:
        secret = os.environ.get("SWITCHBOARD_SECRET_KEY") or settings.SECRET_KEY
        keys = [base64.urlsafe_b64encode(hashlib.sha256(f"switchboard-fields:{secret}".encode()).digest()).decode()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ValidationError("FIELD_ENCRYPTION_KEY must hold Fernet keys (Fernet.generate_key()).") from exc


def credentials_encrypt(values: dict[str, str]) -> str:
    """Fernet token (str) of the JSON of ``values``; '' for an empty dict."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def credentials_decrypt(token: str) -> dict[str, str]:
    """The credential dict of a token from ``credentials_encrypt``.

    Raises ``ValidationError`` when the token was made with another key (the key in the environment changed).
    """
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValidationError("Stored credentials cannot be decrypted with the current encryption key.") from exc


MASK_MIN_LENGTH = 16  # shorter secrets show nothing: four characters of twelve would give a third away


def mask(value: str) -> str:
    """At most the last four characters: 'sk_test_abcdef1234' → '••••1234'; secrets shorter than 16 characters
    are fully masked ('whsec_tester' → '••••'), '' stays ''. The start of a secret (its vendor prefix and the
    first random characters) is never shown."""
    if not value:
        return ""
    if len(value) < MASK_MIN_LENGTH:
        return MASK
    return f"{MASK}{value[-4:]}"


# "?" followed by name=value pairs up to the next space or quote: a URL's query string (Stripe puts the customer's
# e-mail there: /v1/customers?email=…). A question mark in prose ("down? Try again") has no "=" before the space.
_QUERY_STRING = re.compile(r"\?(?=[^\s'\"<>]*=)[^\s'\"<>()\[\]{}]+")


def vendor_error_scrub(text: str) -> str:
    """A vendor or HTTP error text that may be stored (CallLog, connection health) and shown (screens, API):
    query strings are cut to ``?…``, percent-escapes are decoded (``%40`` → ``@``) and personal data is replaced
    by ``apps.core.redaction.redact`` (``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[ADDRESS]``). Keeps the exception
    type, the operation and the path, so the error still says what failed."""
    if not text:
        return text or ""
    return redact(unquote(_QUERY_STRING.sub("?…", text)))


def connection_credentials(connection) -> dict[str, str]:
    """Credentials of a connection: the decrypted stored values, overridden by ``credentials_env`` variables."""
    values = credentials_decrypt(connection.credentials_encrypted)
    for name, variable in (connection.credentials_env or {}).items():
        if os.environ.get(variable):
            values[name] = os.environ[variable]
    return values


def credentials_masked(connection) -> dict[str, str]:
    """Credential name → masked value (or ``env:NAME`` for environment credentials); never the full secret."""
    try:
        stored = credentials_decrypt(connection.credentials_encrypted)
    except ValidationError:
        stored = {"(unreadable)": ""}
    shown = {name: mask(value) for name, value in stored.items()}
    for name, variable in (connection.credentials_env or {}).items():
        shown[name] = f"env:{variable}" + ("" if os.environ.get(variable) else " (not set)")
    return shown


def connection_switch_on_refusal(*, connection, kind: str, enabled: bool) -> str:
    """Why ``connection`` (a ``Connection``, saved or not) may not be switched on now, or ``""`` when it may.

    A vendor connection (any ``kind`` but ``local``) is switched on only after a passing "Test connection" (its
    latest call succeeded): while on it replaces the local demo backend for its service, so unchecked credentials
    must not take over. A connection that is already on stays on. Used by the connection screen and the admin."""
    from .models import Connection

    was_on = bool(connection.pk) and Connection.objects.filter(pk=connection.pk, enabled=True).exists()
    if not enabled or was_on or kind == Connection.Kind.LOCAL or connection.healthy is True:
        return ""
    state = "its latest call failed" if connection.healthy is False else "it has not been tested yet"
    return f"Run “Test connection” first: a connection is switched on only after a successful test ({state})."


def connection_set_credentials(*, connection, values: dict[str, str], replace: bool = False) -> None:
    """Store credentials encrypted. Blank values keep the stored one (write-only forms), unless ``replace``.

    ``values``: credential name → secret. Saves only ``credentials_encrypted``.
    """
    current = {} if replace else credentials_decrypt(connection.credentials_encrypted)
    for name, value in values.items():
        if value:
            current[name] = value
    connection.credentials_encrypted = credentials_encrypt(current)
    if connection.pk:
        connection.save(update_fields=["credentials_encrypted", "updated_at"])


def connection_record_call(*, connection, operation: str, duration_ms: float, ok: bool, error: str = "") -> None:
    """Write one CallLog row and update the connection's health (last success / last error)."""
    from .models import CallLog, Connection

    now = timezone.now()
    error = vendor_error_scrub(error or "")[:2000]
    with transaction.atomic():
        CallLog.objects.create(
            connection=connection, operation=operation[:100], duration_ms=round(duration_ms, 2), ok=ok, error=error
        )
        if ok:
            Connection.objects.filter(pk=connection.pk).update(last_success_at=now)
            connection.last_success_at = now
        else:
            Connection.objects.filter(pk=connection.pk).update(last_error_at=now, last_error=error)
            connection.last_error_at, connection.last_error = now, error


@dataclass
class CallOutcome:
    """Filled in by ``recorded_call``: duration in milliseconds and the error, if any."""

    ms: float = 0.0
    ok: bool = False
    error: str = ""


@contextmanager
def recorded_call(connection, operation: str) -> Iterator[CallOutcome]:
    """Time a vendor call and record it in the CallLog and the connection's health.

    Exceptions propagate after recording; vendor errors should be raised as ``ProviderError``.
    """
    outcome = CallOutcome()
    started = time.perf_counter()
    try:
        yield outcome
    except Exception as exc:
        outcome.ms = (time.perf_counter() - started) * 1000
        outcome.error = vendor_error_scrub(f"{type(exc).__name__}: {exc}")[:2000]
        if connection is not None and connection.pk:
            connection_record_call(
                connection=connection, operation=operation, duration_ms=outcome.ms, ok=False, error=outcome.error
            )
        raise
    outcome.ms = (time.perf_counter() - started) * 1000
    outcome.ok = True
    if connection is not None and connection.pk:
        connection_record_call(connection=connection, operation=operation, duration_ms=outcome.ms, ok=True)


def connection_option(connection, name: str, default):
    """``connection.options[name]`` or ``default`` (timeout in seconds, retries, backoff in seconds …)."""
    value = (connection.options or {}).get(name) if connection is not None else None
    return default if value in (None, "") else type(default)(value)


def vendor_call(connection, operation: str, fn, *, transient=()):
    """Call ``fn()`` with bounded retries (tenacity, exponential backoff) and record it once in the CallLog.

    Retries only transient failures (timeouts, connection errors, 429, 5xx): ``transient`` is a tuple of exception
    types or a predicate ``exc -> bool``. At most
    ``options.retries`` more times (default 2), waiting ``options.backoff`` × 2^n seconds (default 0.5, capped at 8).
    Returns ``fn()``'s result; raises ``ProviderError`` (with the vendor's message) when every attempt failed or the
    error is not transient. The CallLog row has the total duration and the number of attempts in the error.
    """
    from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

    attempts = 1 + max(0, connection_option(connection, "retries", 2))
    backoff = connection_option(connection, "backoff", 0.5)
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, max=8),
        retry=retry_if_exception(transient if callable(transient) else lambda exc: isinstance(exc, transient)),
        reraise=True,
    )
    tries = 0

    def attempt():
        nonlocal tries
        tries += 1
        return fn()

    with recorded_call(connection, operation):
        try:
            return retrying(attempt)
        except Exception as exc:
            raise ProviderError(f"{operation} failed after {tries} attempt(s): {_vendor_message(exc)}") from exc


def _vendor_message(exc: BaseException) -> str:
    text = str(getattr(exc, "user_message", "") or exc or type(exc).__name__)
    return vendor_error_scrub(f"{type(exc).__name__}: {text}")[:500]


def connection_for(*, service: str, category_slug: str = ""):
    """The enabled connection used for ``service`` (billing, crm, tracker, alerts, helpdesk), or None.

    Vendor connections win over ``local`` ones; among equals the oldest. Connections whose ``allowed_categories``
    exclude ``category_slug`` are skipped. Data source: the Connection table.
    """
    from .models import Connection

    rows = Connection.objects.filter(enabled=True, service=service).order_by("created_at", "pk")
    candidates = [c for c in rows if c.allows_category(category_slug)]
    candidates.sort(key=lambda c: c.kind == Connection.Kind.LOCAL)
    return candidates[0] if candidates else None


__all__ = [
    "MASK",
    "CallOutcome",
    "ProviderError",
    "connection_credentials",
    "connection_for",
    "connection_option",
    "vendor_call",
    "connection_record_call",
    "connection_set_credentials",
    "credentials_decrypt",
    "credentials_encrypt",
    "credentials_masked",
    "mask",
    "recorded_call",
    "vendor_error_scrub",
]


# Per kind: the credential names a connection form asks for (write-only) and extra options (name, label, default).
CREDENTIAL_FIELDS: dict[str, list[str]] = {
    "stripe": ["api_key", "webhook_secret"],
    "hubspot": ["access_token"],
    "salesforce": ["session_id", "username", "password", "security_token"],
    "jira": ["username", "api_token"],
    "linear": ["api_key"],
    "slack": ["bot_token", "signing_secret"],
    "zendesk": ["email", "api_token", "webhook_secret"],
    "freshdesk": ["api_key", "webhook_secret"],
    "intercom": ["access_token", "client_secret"],
    "local": [],
}
COMMON_OPTIONS = [
    ("timeout", "Timeout (seconds)", 10.0),
    ("retries", "Retries", 2),
    ("backoff", "Backoff (seconds)", 0.5),
]
KIND_OPTIONS: dict[str, list[tuple[str, str, str]]] = {
    "salesforce": [
        ("ca_bundle", "CA bundle file (self-hosted proxy)", ""),
        ("api_version", "API version", "59.0"),
        ("domain", "Login domain (test for sandboxes)", ""),
    ],
    "jira": [("project", "Project key", "")],
    "linear": [("team_id", "Team id", "")],
    "slack": [("channel", "Alert channel", "")],
    "zendesk": [("subdomain", "Subdomain", "")],
    "freshdesk": [("domain", "Domain", "")],
}


def field_catalog(connection) -> list[tuple[str, str, bool]]:
    """(dotted path, label, allowed by default) of the fields the connection's client can return; [] for kinds
    without looked-up data (trackers, chat, helpdesks)."""
    if connection.service == "billing":
        from .billing import BILLING_FIELDS

        return BILLING_FIELDS
    if connection.service == "crm":
        from .crm import CRM_FIELDS

        return CRM_FIELDS
    return []


def connection_client(connection):
    """The client object for ``connection`` (billing or CRM; ``None`` for kinds without a client here)."""
    if connection.service == "billing":
        from .billing import billing_client

        return billing_client(connection=connection)
    if connection.service == "crm":
        from .crm import crm_client

        return crm_client(connection=connection)
    if connection.service in ("tracker", "alerts", "helpdesk"):  # connectors: Jira/Linear/local, Slack, helpdesks
        from .connector_clients import connector_client

        return connector_client(connection)
    return None


def connection_test(*, connection) -> tuple[bool, str]:
    """Run the client's cheap authenticated call (``ping``); ``(ok, message)``. Recorded in the CallLog and the
    connection's health like any call. Never raises."""
    try:
        client = connection_client(connection)
        if client is None:
            return False, f"No test is available for {connection.get_kind_display()} connections here."
        result = client.ping()
    except Exception as exc:  # shown to the admin, recorded on the connection
        if not isinstance(exc, ProviderError):
            connection_record_call(connection=connection, operation="ping", duration_ms=0, ok=False, error=str(exc))
        return False, vendor_error_scrub(str(exc))[:500]
    details = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in (result or {}).items())
    return True, f"Connected ({client.source}){': ' + details if details else ''}."


LOCAL_CONNECTIONS = (("billing", "Demo billing (local tables)"), ("crm", "Demo CRM (Organizations)"))


def connections_ensure_local() -> list:
    """Create the local demo connections (billing, CRM) with the default allow-lists when no connection exists for
    that service yet. Idempotent; returns the connections created. Used by ``make demo``."""
    from .billing import DEFAULT_BILLING_FIELDS
    from .crm import DEFAULT_CRM_FIELDS
    from .models import Connection

    defaults = {"billing": DEFAULT_BILLING_FIELDS, "crm": DEFAULT_CRM_FIELDS}
    created = []
    for service, name in LOCAL_CONNECTIONS:
        if Connection.objects.filter(service=service).exists():
            continue
        created.append(
            Connection.objects.create(
                kind=Connection.Kind.LOCAL, service=service, name=name, allowed_fields=list(defaults[service])
            )
        )
    return created
