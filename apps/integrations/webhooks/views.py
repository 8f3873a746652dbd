"""Signed webhook endpoints: ``POST /api/v1/webhooks/<provider>/`` (stripe, slack, zendesk, freshdesk, intercom).

Each request is verified (``verify``), stored once per (provider, delivery id) and answered at once; the work runs
in the django-q2 task ``webhook_process`` after the delivery row is committed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from .verify import SECRET_NAMES, Rejected, verify

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # bytes


@csrf_exempt  # no browser session: every request is authenticated by its vendor signature instead
@require_POST
def webhook_receive(request: HttpRequest, provider: str) -> JsonResponse:
    """Verify, store once and enqueue one webhook delivery.

    Answers ``200 {"status": "accepted"|"duplicate", "delivery": id}``, a Slack ``url_verification`` challenge,
    ``400`` (unreadable body), ``401`` (unsigned, bad signature, or no secret configured), ``404`` (unknown
    provider) or ``413`` (body over 1 MB), always with ``{"error": "..."}`` on refusal.
    """
    from apps.integrations.models import WebhookDelivery

    if provider not in SECRET_NAMES:
        return JsonResponse({"error": f"Unknown webhook provider {provider!r}."}, status=404)
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "The body is larger than 1 MB."}, status=413)
    try:
        verified = verify(provider, body=body, headers=request.headers)
    except Rejected as exc:
        log.warning("%s webhook refused from %s: %s", provider, request.META.get("REMOTE_ADDR"), exc)
        return JsonResponse({"error": str(exc)}, status=exc.status)
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
