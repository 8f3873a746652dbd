"""django-q2 tasks of the escalation app (thin: they call services)."""

from apps.escalation.sweep import soft_triggers_sweep
from apps.escalation.webhooks import webhook_deliver


def webhook_deliver_task(delivery_id: int) -> str:
    """Deliver one outgoing webhook (``webhook_deliver``); returns its final status."""
    return webhook_deliver(delivery_id=delivery_id).status


def soft_triggers_sweep_task() -> dict:
    """The every-minute sweep (``soft_triggers_sweep``); returns its counts."""
    return soft_triggers_sweep().as_dict()
