"""Posting Switchboard's replies and internal notes back to the helpdesk a ticket came from, once per message.

``replies_send_bulk`` (apps.tickets.services.replies) calls ``helpdesk_deliver_on_commit`` with the messages it
stored; after the commit the django-q2 task ``helpdesk_messages_deliver`` posts those of Zendesk / Freshdesk /
Intercom tickets through ``helpdesk_reply_post`` (public reply, or an internal note for ``is_internal`` messages).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ValidationError

from .base import PostResult
from .services import PROVIDERS, helpdesk_connection, helpdesk_reply_post

log = logging.getLogger(__name__)
AUTHORS = ("ai", "agent")


def helpdesk_deliver_on_commit(messages) -> int:
    """Enqueue delivery of the AI/agent messages of helpdesk tickets (``ticket.source`` zendesk, freshdesk,
    intercom) that have an enabled connection, after the current transaction commits. Returns how many."""
    wanted = [m for m in messages if m.ticket.source in PROVIDERS and m.author_kind in AUTHORS]
    connected = {p for p in {m.ticket.source for m in wanted} if helpdesk_connection(p)}
    ids = [m.pk for m in wanted if m.ticket.source in connected]
    if ids:
        from django_q.tasks import async_task

        transaction.on_commit(
            lambda: async_task("apps.integrations.helpdesks.delivery.helpdesk_messages_deliver", ids)
        )
    return len(ids)


def helpdesk_messages_deliver(message_ids: list[int]) -> dict[int, bool]:
    """Task: deliver each message (ids); returns message id → posted. Failures are recorded, never raised."""
    from apps.tickets.models import Message

    done = {}
    for message in Message.objects.filter(pk__in=message_ids).select_related("ticket"):
        done[message.pk] = helpdesk_message_deliver(message=message).ok
    return done


def helpdesk_message_deliver(*, message) -> PostResult:
    """Post one stored message back to its ticket's helpdesk, at most once (a ``HelpdeskPost`` row per message,
    locked while posting). A message already posted returns its earlier result without calling the vendor; a
    failure is kept on the row (``ok`` False, ``error``, also in the CallLog) and retried by the next call."""
    from apps.integrations.models import HelpdeskPost

    provider = message.ticket.source
    with transaction.atomic():
        post, _ = HelpdeskPost.objects.select_for_update().get_or_create(
            message=message, defaults={"provider": provider, "public": not message.is_internal}
        )
        if post.ok:
            return PostResult(ok=True, provider=provider, external_id=post.external_id)
        post.attempts += 1
        try:
            result = helpdesk_reply_post(ticket=message.ticket, text=message.body, public=not message.is_internal)
        except ValidationError as exc:
            result = PostResult(ok=False, provider=provider, error=str(exc))
        post.ok, post.error, post.external_id = result.ok, result.error, result.external_id
        post.posted_at = timezone.now() if result.ok else None
        post.save()
    if not result.ok:
        log.warning("posting message %s back to %s failed: %s", message.pk, provider, result.error)
    return result
