"""Outgoing webhooks for handoffs: each event is recorded once per endpoint (``WebhookDelivery``, idempotent by
event id) and POSTed by a django-q2 task as JSON signed with HMAC-SHA256 of the raw body and the endpoint's
secret (header ``X-Switchboard-Signature: sha256=<hex>``), retried a bounded number of times (tenacity).

Events: ``handoff.created``, ``handoff.updated`` (re-escalation, claim, reassign, resolve). The payload carries
the handoff with its full package, as the API's detail view shows it.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from apps.escalation.models import Handoff, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Switchboard-Signature"
DELIVER_TASK = "apps.escalation.tasks.webhook_deliver_task"
TIMEOUT_S = 10.0


def webhook_attempts() -> int:
    return int(getattr(settings, "ESCALATION_WEBHOOK_ATTEMPTS", 4))


def webhook_signature(*, secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``body`` keyed with ``secret`` (what receivers recompute)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _payload(event: str, event_id: str, handoff: Handoff) -> dict:
    from apps.escalation.api.serializers import HandoffDetailSerializer

    data = HandoffDetailSerializer(handoff).data
    return json.loads(
        json.dumps({"event": event, "id": event_id, "sent_at": timezone.now(), "handoff": data}, cls=DjangoJSONEncoder)
    )


def webhooks_enqueue(*, events: list[tuple[str, int]]) -> list[WebhookDelivery]:
    """Record and enqueue delivery of ``events`` (``(event name, handoff id)``) to every enabled endpoint that
    subscribes to them (empty ``events`` list = all). An event already recorded for an endpoint is skipped.
    Returns the new deliveries."""
    endpoints = list(WebhookEndpoint.objects.filter(enabled=True))
    if not endpoints or not events:
        return []
    handoffs = {
        h.pk: h
        for h in Handoff.objects.select_related("ticket", "queue", "claimed_by", "assigned_to").filter(
            pk__in={i for _, i in events}
        )
    }
    created = []
    for event, handoff_id in events:
        handoff = handoffs.get(handoff_id)
        if handoff is None:
            continue
        event_id = f"{event}:{handoff.pk}:{handoff.updated_at.timestamp():.6f}"
        for endpoint in endpoints:
            if endpoint.events and event not in endpoint.events:
                continue
            delivery, new = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint,
                event_id=event_id,
                defaults={"event": event, "payload": _payload(event, event_id, handoff)},
            )
            if new:
                created.append(delivery)
    if created:
        from django_q.tasks import async_task

        ids = [d.pk for d in created]
        transaction.on_commit(lambda: [async_task(DELIVER_TASK, pk, group="webhooks") for pk in ids])
    return created


class _Retryable(Exception):
    pass


def webhook_deliver(*, delivery_id: int, wait_max_s: float = 8.0) -> WebhookDelivery:
    """POST delivery ``delivery_id`` (signed) until a 2xx answer, at most ``ESCALATION_WEBHOOK_ATTEMPTS`` tries
    (4) with exponential waits up to ``wait_max_s`` seconds. Connection errors, timeouts, 5xx and 429 are retried;
    other 4xx fail at once. Already delivered deliveries are left alone. Never raises for the receiver's errors:
    the outcome is stored (status delivered / failed, attempts, response status, last error)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status == "delivered":
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: webhook_signature(secret=delivery.endpoint.secret, body=body),
        "X-Switchboard-Event": delivery.event,
        "X-Switchboard-Delivery": delivery.event_id,
    }

    def attempt() -> httpx.Response:
        delivery.attempts += 1
        try:
            response = httpx.post(delivery.endpoint.url, content=body, headers=headers, timeout=TIMEOUT_S)
        except httpx.HTTPError as exc:
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
            raise _Retryable from exc
        delivery.response_status = response.status_code
        if response.status_code >= 500 or response.status_code == 429:
            delivery.last_error = f"HTTP {response.status_code}"
            raise _Retryable
        return response

    try:
        for state in Retrying(
            stop=stop_after_attempt(webhook_attempts()),
            wait=wait_exponential(multiplier=0.2, max=wait_max_s),
            retry=retry_if_exception_type(_Retryable),
        ):
            with state:
                response = attempt()
    except RetryError:
        delivery.status = "failed"
    else:
        if 200 <= response.status_code < 300:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", timezone.now(), ""
        else:
            delivery.status, delivery.last_error = "failed", f"HTTP {response.status_code}"
    delivery.save(update_fields=["status", "attempts", "response_status", "last_error", "delivered_at", "updated_at"])
    return delivery
