"""The django-q2 task that does a webhook delivery's work (thin: the services do it)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)


def _stripe(payload: dict) -> tuple[str, dict]:
    """Disputes alert the billing team once per event (``alert_post``); other Stripe events are recorded only."""
    from apps.integrations.alerts import alert_post

    if payload.get("type") != "charge.dispute.created":
        return "ignored", {}
    dispute = (payload.get("data") or {}).get("object") or {}
    amount = f"{dispute.get('amount', 0) / 100:.2f} {str(dispute.get('currency', '')).upper()}"
    posted = alert_post(
        key=f"stripe:{payload.get('id')}",
        text=f"Stripe dispute opened on {dispute.get('charge', '?')}: {amount} ({dispute.get('reason', 'unknown')})",
        counts={"amount": amount},
        links=[],
    )
    return "processed", {"alert_posted": posted}


def _helpdesk(provider: str, payload: dict) -> tuple[str, dict]:
    from apps.integrations.helpdesks import helpdesk_webhook_ticket

    stored = helpdesk_webhook_ticket(provider=provider, payload=payload)
    if stored is None:
        return "ignored", {}
    obj, created = stored
    if obj._meta.model_name == "message":
        return "processed", {"ticket_id": obj.ticket_id, "message_id": obj.pk, "created": created}
    return "processed", {"ticket_id": obj.pk, "created": created}


def webhook_process(delivery_id: int) -> str:
    """Do the work of one stored ``WebhookDelivery`` (id) and set its status: helpdesk deliveries become tickets
    (``helpdesk_webhook_ticket``), Stripe disputes become an alert, other events are ``ignored``. A failure is
    recorded as ``failed`` with the error (never raised: the delivery row is the record). Returns the status."""
    from apps.integrations.models import WebhookDelivery

    with transaction.atomic():  # the row lock makes a second worker on the same delivery wait, then do nothing
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status != WebhookDelivery.Status.RECEIVED:
            return delivery.status  # already done (a re-run of the task changes nothing)
        try:
            with transaction.atomic():  # the work's own savepoint: a failure undoes it and keeps the record
                if delivery.provider == "stripe":
                    status, result = _stripe(delivery.payload)
                elif delivery.provider in ("zendesk", "freshdesk", "intercom"):
                    status, result = _helpdesk(delivery.provider, delivery.payload)
                else:  # slack events are verified and recorded; nothing acts on them yet
                    status, result = "ignored", {}
            error = ""
        except Exception as exc:  # recorded on the delivery, shown in the admin
            log.warning("webhook %s/%s failed: %s", delivery.provider, delivery.delivery_id, exc)
            status, result, error = "failed", {}, f"{type(exc).__name__}: {exc}"[:2000]
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status, result=result, error=error, processed_at=timezone.now()
        )
    return status
