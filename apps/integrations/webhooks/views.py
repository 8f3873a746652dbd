"""Signed webhook endpoints: ``POST /api/v1/webhooks/<provider>/`` (stripe, slack, zendesk, freshdesk, intercom).

Each request is verified (``verify``), stored once per (provider, delivery id) and answered at once; the work runs
in the django-q2 task ``webhook_process`` after the delivery row is committed.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_q.tasks import async_task

from apps.core.api.errors import error_body

from .verify import Rejected, verify

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # bytes


def _refused(status: int, code: str, message: str, details: dict | None = None, **headers) -> JsonResponse:
    """The API's error body (``{"error": {"code", "message", "details"}}``) with ``status``."""
    return JsonResponse(error_body(code, message, details), status=status, headers=headers or None)


def _too_large(length: int | None) -> JsonResponse:
    details = {"max_bytes": MAX_BODY, **({"bytes": length} if length is not None else {})}
    return _refused(413, "payload_too_large", f"The body is larger than {MAX_BODY // 1_000_000} MB.", details)


@csrf_exempt  # no browser session: every request is authenticated by its vendor signature instead
def webhook_receive(request: HttpRequest, provider: str) -> JsonResponse:
    """Verify, store once and enqueue one webhook delivery.

    Answers ``200 {"status": "accepted"|"duplicate", "delivery": id}``, a Slack ``url_verification`` challenge, or
    the API's error body ``{"error": {"code", "message", "details"}}`` with ``400`` (unreadable or malformed body),
    ``401`` (no signature header, bad signature, timestamp outside the tolerance, or no secret configured), ``404``
    (unknown provider), ``405`` (not a POST) or ``413`` (body over 1 MB, refused before it is read).
    """
    from apps.integrations.models import WebhookDelivery

    if request.method != "POST":
        return _refused(405, "method_not_allowed", f"Use POST, not {request.method}.", Allow="POST")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return _too_large(length)
    try:
        body = request.body
    except RequestDataTooBig:  # a body without Content-Length that outgrew Django's own limit
        return _too_large(None)
    if len(body) > MAX_BODY:
        return _too_large(len(body))
    try:
        verified = verify(provider, body=body, headers=request.headers)
    except Rejected as exc:
        log.warning("%s webhook refused from %s: %s", provider, request.META.get("REMOTE_ADDR"), exc)
        return _refused(exc.status, exc.code, exc.message, exc.details)
    if provider == "slack" and verified.payload.get("type") == "url_verification":
        return JsonResponse({"challenge": verified.payload.get("challenge", "")})
    with transaction.atomic():
        delivery, created = WebhookDelivery.objects.get_or_create(
            provider=provider,
            delivery_id=verified.delivery_id[:200],
            defaults={"event_type": verified.event_type[:100], "payload": verified.payload},
        )
        if not created:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(duplicates=F("duplicates") + 1)
            return JsonResponse({"status": "duplicate", "delivery": delivery.pk})
        transaction.on_commit(lambda: async_task("apps.integrations.webhooks.tasks.webhook_process", delivery.pk))
    return JsonResponse({"status": "accepted", "delivery": delivery.pk})
