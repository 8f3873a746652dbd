"""Per provider: the signing secret, the signature check and the delivery id of an inbound webhook.

Each ``Verified`` holds the parsed payload, the delivery id used for idempotency and the event type. Secrets come
from the provider's enabled Connection credentials: Stripe ``webhook_secret`` (whsec_…), Slack ``signing_secret``,
Zendesk ``webhook_secret``, Freshdesk ``webhook_secret`` (basic-auth password), Intercom ``client_secret``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs

import stripe

from apps.integrations.alerts.slack import slack_request_valid
from apps.integrations.connections import connection_credentials
from apps.integrations.helpdesks.freshdesk import freshdesk_auth_valid
from apps.integrations.helpdesks.intercom import intercom_signature_valid
from apps.integrations.helpdesks.zendesk import zendesk_signature_valid

SECRET_NAMES = {
    "stripe": "webhook_secret",
    "slack": "signing_secret",
    "zendesk": "webhook_secret",
    "freshdesk": "webhook_secret",
    "intercom": "client_secret",
}


# Signed timestamps older or newer than this are refused (replays, and clocks far off): Stripe's default.
TOLERANCE = 300  # seconds
SIGNATURE_HEADERS = {
    "stripe": ("Stripe-Signature",),
    "slack": ("X-Slack-Signature", "X-Slack-Request-Timestamp"),
    "zendesk": ("X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"),
    "freshdesk": ("Authorization",),
    "intercom": ("X-Hub-Signature",),
}
CODES = {400: "invalid_payload", 401: "authentication_failed", 404: "not_found", 413: "payload_too_large"}


class Rejected(Exception):
    """The request is refused: ``status`` (400 unreadable, 401 unsigned / bad signature, 404, 413), a clear
    ``message``, a stable ``code`` (``invalid_payload``, ``authentication_failed``, ``not_configured`` …) and
    ``details`` (a dict or None) for the API's error body."""

    def __init__(self, status: int, message: str, *, code: str = "", details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.details = details


@dataclass
class Verified:
    payload: dict
    delivery_id: str
    event_type: str


def webhook_secret(provider: str) -> str:
    """The signing secret of the provider's enabled connection ('' when none is configured)."""
    from apps.integrations.models import Connection

    for connection in Connection.objects.filter(kind=provider, enabled=True).order_by("created_at", "pk"):
        secret = connection_credentials(connection).get(SECRET_NAMES[provider], "")
        if secret:
            return secret
    return ""


MAX_DEPTH = 64  # nesting levels; vendor events use fewer than 10


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is out of range")
    return value


def _constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _storable(payload: dict) -> None:
    """``Rejected`` (400) unless PostgreSQL's jsonb can store ``payload``: at most ``MAX_DEPTH`` levels, no NUL
    character and no lone UTF-16 surrogate in any key or string (iterative: deep documents cannot recurse)."""
    stack = [(payload, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            if level > MAX_DEPTH:
                raise Rejected(400, f"The body is nested more than {MAX_DEPTH} levels deep.")
            if isinstance(item, dict):
                stack.extend((key, level) for key in item)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, str):
            if "\x00" in item:
                raise Rejected(400, "The body holds a NUL character (\\u0000), which cannot be stored.")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise Rejected(400, "The body holds a lone UTF-16 surrogate, which cannot be stored.") from exc


def _json(body: bytes) -> dict:
    """The body as a JSON object that PostgreSQL's jsonb can store; ``Rejected`` (400) for anything else: not
    JSON or not UTF-8, not an object, NaN / Infinity / out-of-range numbers, NUL characters, lone surrogates, or
    nested deeper than ``MAX_DEPTH``."""
    try:
        payload = json.loads(body or b"", parse_float=_finite, parse_constant=_constant)
    except RecursionError as exc:
        raise Rejected(400, f"The body is nested more than {MAX_DEPTH} levels deep.") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN / Infinity
        raise Rejected(400, f"The body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise Rejected(400, f"The body must be a JSON object, not {_json_type(payload)}.")
    _storable(payload)
    return payload


def _json_type(value) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _text(payload: dict, key: str, *, provider: str, required: bool = False, number_ok: bool = False) -> str:
    """``payload[key]`` as a string: '' when absent or null (unless ``required``); ``Rejected`` (400) when it is of
    another JSON type (integers pass for ids when ``number_ok``) or a required one is missing or empty."""
    value = payload.get(key)
    if value is None or value == "":
        if required:
            raise Rejected(400, f"A {provider} event needs a non-empty string {key!r}.")
        return ""
    if isinstance(value, str) or (number_ok and isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise Rejected(400, f"The {provider} field {key!r} must be a string, not {_json_type(value)}.")


def _object(payload: dict, key: str, *, provider: str) -> dict:
    value = payload.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected(400, f"The {provider} field {key!r} must be an object, not {_json_type(value)}.")
    return value


def _slack_form(body: bytes) -> dict:
    """A slash command (form fields) or an interaction (form field ``payload`` holding JSON)."""
    fields = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if "payload" in fields:
        return _json(fields["payload"].encode())
    _storable(fields)
    return fields


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, f"The body is not UTF-8 text: {exc}") from exc


def _header_id(value: str) -> str:
    """A delivery id from a header, or '' when it holds control characters (PostgreSQL cannot store NUL)."""
    return value if value.isprintable() else ""


def _body_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _unix(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def _iso(value: str) -> int | None:
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int(stamp.timestamp()) if stamp.tzinfo else None


def _fresh(provider: str, header: str, timestamp: int | None) -> None:
    """``Rejected`` (401) unless ``timestamp`` (Unix seconds) is within ``TOLERANCE`` of now, past or future."""
    if timestamp is None:
        raise Rejected(401, f"The {header} header is not a timestamp.", details={"provider": provider})
    skew = timestamp - time.time()
    if abs(skew) > TOLERANCE:
        when = "in the future" if skew > 0 else "old"
        raise Rejected(
            401,
            f"The signed timestamp ({header}) is {abs(skew) / 60:.0f} minutes {when}; requests more than "
            f"{TOLERANCE // 60} minutes from our clock either way are refused (replays, or a clock that is off).",
            code="timestamp_out_of_tolerance",
            details={"provider": provider, "skew_seconds": round(skew), "tolerance_seconds": TOLERANCE},
        )


def _stripe_verify(body: bytes, header: str, secret: str) -> None:
    """Check a ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`` header against ``body`` (Stripe's SDK compares the
    HMAC-SHA256 of ``t.body``) and the timestamp against ``TOLERANCE`` both ways. Raises ``Rejected``."""
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [_unix(value.strip()) for key, _, value in parts if key.strip() == "t"]
    if len(stamps) != 1 or stamps[0] is None or not any(key.strip() == "v1" for key, _, _ in parts):
        raise Rejected(
            401,
            "Stripe signature check failed: the Stripe-Signature header is not of the form t=<timestamp>,v1=<hex>.",
            details={"provider": "stripe"},
        )
    _utf8(body)
    try:
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance=None)
    except (stripe.SignatureVerificationError, TypeError) as exc:  # TypeError: a non-ASCII signature
        raise Rejected(
            401,
            "Stripe signature check failed: no v1 signature in Stripe-Signature matches this body and the "
            "connection's webhook secret.",
            details={"provider": "stripe"},
        ) from exc
    _fresh("stripe", "Stripe-Signature t=", stamps[0])


def verify(provider: str, *, body: bytes, headers) -> Verified:
    """Check the signature of ``body`` for ``provider`` and identify the delivery; raises ``Rejected``."""
    if provider not in SECRET_NAMES:
        raise Rejected(404, f"Unknown webhook provider {provider!r}.")
    secret = webhook_secret(provider)
    if not secret:
        from apps.integrations.models import Connection

        off = next(
            (
                c
                for c in Connection.objects.filter(kind=provider, enabled=False).order_by("created_at", "pk")
                if connection_credentials(c).get(SECRET_NAMES[provider])
            ),
            None,
        )
        raise Rejected(
            401,
            f"The {provider} connection {off.name!r} is switched off; its webhooks are refused until an admin "
            "enables it."
            if off
            else f"No {provider} signing secret is configured; the webhook is refused.",
            code="not_configured",
            details={"provider": provider, "credential": SECRET_NAMES[provider]},
        )
    missing = [name for name in SIGNATURE_HEADERS[provider] if not headers.get(name)]
    if missing:
        raise Rejected(
            401,
            f"Missing signature header {' and '.join(missing)}.",
            code="not_authenticated",
            details={"provider": provider, "missing_headers": missing},
        )
    if provider == "stripe":
        _stripe_verify(body, headers.get("Stripe-Signature", ""), secret)
        payload = _json(body)
        return Verified(
            payload=payload,
            delivery_id=_text(payload, "id", provider="Stripe", required=True),
            event_type=_text(payload, "type", provider="Stripe", required=True),
        )
    if provider == "slack":
        _utf8(body)  # slack_sdk signs the decoded text
        _fresh(provider, "X-Slack-Request-Timestamp", _unix(headers.get("X-Slack-Request-Timestamp", "")))
        if not slack_request_valid(signing_secret=secret, body=body, headers=headers):
            raise Rejected(401, "Slack signature check failed (X-Slack-Signature / X-Slack-Request-Timestamp).")
        if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            payload = _slack_form(body)
        else:
            payload = _json(body)
        event = _object(payload, "event", provider="Slack")
        kind = _text(payload, "type", provider="Slack")
        if kind == "url_verification":
            _text(payload, "challenge", provider="Slack", required=True)
        return Verified(
            payload=payload,
            delivery_id=_text(payload, "event_id", provider="Slack")
            or _text(payload, "trigger_id", provider="Slack")
            or _body_hash(body),
            event_type=_text(event, "type", provider="Slack") or kind or _text(payload, "command", provider="Slack"),
        )
    if provider == "zendesk":
        if not zendesk_signature_valid(secret=secret, body=body, headers=headers):
            raise Rejected(401, "Zendesk signature check failed (X-Zendesk-Webhook-Signature).")
        stamp = headers.get("X-Zendesk-Webhook-Signature-Timestamp", "")
        _fresh(provider, "X-Zendesk-Webhook-Signature-Timestamp", _iso(stamp))
        payload = _json(body)
        delivery = (
            _header_id(headers.get("X-Zendesk-Webhook-Invocation-Id", ""))
            or _text(payload, "id", provider="Zendesk", number_ok=True)
            or _body_hash(body)
        )
        return Verified(
            payload=payload, delivery_id=delivery, event_type=_text(payload, "type", provider="Zendesk") or "ticket"
        )
    if provider == "freshdesk":
        if not freshdesk_auth_valid(secret=secret, headers=headers):
            raise Rejected(401, "Freshdesk webhook authentication failed (basic-auth password).")
        return Verified(payload=_json(body), delivery_id=_body_hash(body), event_type="ticket")
    if provider == "intercom":
        if not intercom_signature_valid(secret=secret, body=body, headers=headers):
            raise Rejected(401, "Intercom signature check failed (X-Hub-Signature).")
        payload = _json(body)
        return Verified(
            payload=payload,
            delivery_id=_text(payload, "id", provider="Intercom", number_ok=True) or _body_hash(body),
            event_type=_text(payload, "topic", provider="Intercom"),
        )
    raise Rejected(404, f"Unknown webhook provider {provider!r}.")
