"""Per provider: the signing secret, the signature check and the delivery id of an inbound webhook.

Each ``Verified`` holds the parsed payload, the delivery id used for idempotency and the event type. Secrets come
from the provider's enabled Connection credentials: Stripe ``webhook_secret`` (whsec_…), Slack ``signing_secret``,
Zendesk ``webhook_secret``, Freshdesk ``webhook_secret`` (basic-auth password), Intercom ``client_secret``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
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


class Rejected(Exception):
    """The request is refused: ``status`` (400 unreadable, 401 unsigned / bad signature) and a clear message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


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


def _json(body: bytes) -> dict:
    try:
        payload = json.loads(body or b"")
    except ValueError as exc:
        raise Rejected(400, f"The body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise Rejected(400, "The body must be a JSON object.")
    return payload


def _slack_form(body: bytes) -> dict:
    """A slash command (form fields) or an interaction (form field ``payload`` holding JSON)."""
    fields = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    if "payload" in fields:
        return _json(fields["payload"].encode())
    return fields


def _body_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def verify(provider: str, *, body: bytes, headers) -> Verified:
    """Check the signature of ``body`` for ``provider`` and identify the delivery; raises ``Rejected``."""
    secret = webhook_secret(provider)
    if not secret:
        raise Rejected(401, f"No {provider} signing secret is configured; the webhook is refused.")
    if provider == "stripe":
        try:
            event = stripe.Webhook.construct_event(body, headers.get("Stripe-Signature", ""), secret)
        except stripe.SignatureVerificationError as exc:
            raise Rejected(401, f"Stripe signature check failed: {exc.user_message or exc}") from exc
        except ValueError as exc:
            raise Rejected(400, f"The body is not a Stripe event: {exc}") from exc
        return Verified(payload=_json(body), delivery_id=event.id, event_type=event.type)
    if provider == "slack":
        if not slack_request_valid(signing_secret=secret, body=body, headers=headers):
            raise Rejected(401, "Slack signature check failed (X-Slack-Signature / X-Slack-Request-Timestamp).")
        if headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            payload = _slack_form(body)
        else:
            payload = _json(body)
        event = payload.get("event") or {}
        return Verified(
            payload=payload,
            delivery_id=payload.get("event_id") or payload.get("trigger_id") or _body_hash(body),
            event_type=event.get("type") or payload.get("type") or payload.get("command", ""),
        )
    if provider == "zendesk":
        if not zendesk_signature_valid(secret=secret, body=body, headers=headers):
            raise Rejected(401, "Zendesk signature check failed (X-Zendesk-Webhook-Signature).")
        payload = _json(body)
        delivery = headers.get("X-Zendesk-Webhook-Invocation-Id") or payload.get("id") or _body_hash(body)
        return Verified(payload=payload, delivery_id=str(delivery), event_type=str(payload.get("type") or "ticket"))
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
            delivery_id=str(payload.get("id") or _body_hash(body)),
            event_type=payload.get("topic", ""),
        )
    raise Rejected(404, f"Unknown webhook provider {provider!r}.")
