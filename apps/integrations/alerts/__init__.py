"""Chat alerts: ``alert_post(*, key, text, counts, links) -> bool`` posts once per key to Slack (or the local log).

With an enabled Slack connection the alert goes to its channel with ``chat.postMessage``; without one it is kept
in the local alert log only (``AlertPost`` rows, ``channel='local'``), so the demo works offline.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ProviderError, ValidationError
from apps.integrations.connections import connection_for, vendor_error_scrub

MAX_KEY = 200


def _blocks(text: str, counts: dict, links: list[str]) -> list[dict]:
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
    if counts:
        fields = [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in list(counts.items())[:10]]
        blocks.append({"type": "section", "fields": fields})
    if links:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(f"<{u}>" for u in links[:10])}]}
        )
    return blocks


def alert_post(*, key: str, text: str, counts: dict, links: list[str]) -> bool:
    """Post a chat alert once per ``key``; returns True when this call posted it.

    ``key``: idempotency key (≤200 chars, e.g. ``spike:E-5031:2026-12-01T10``); ``text``: the alert line;
    ``counts``: label → number shown as fields (e.g. ``{"tickets": 14, "customers": 9}``); ``links``: URLs (tickets,
    tracker issue). A key already posted returns False and sends nothing (concurrent calls serialise on the
    AlertPost row). A Slack failure returns False too, recorded on the row (``ok`` False, ``error``), in the CallLog
    and in the connection's health; the next call with that key retries. Raises ``ValidationError`` for an empty or
    over-long key or empty text. Data source: the alerts connection and AlertPost rows.
    """
    from apps.integrations.models import AlertPost

    key, text = (key or "").strip(), (text or "").strip()
    if not key or len(key) > MAX_KEY:
        raise ValidationError(f"An alert needs a key of 1–{MAX_KEY} characters.")
    if not text:
        raise ValidationError("An alert needs a text.")
    counts, links = dict(counts or {}), [str(u) for u in (links or [])]
    connection = connection_for(service="alerts")
    with transaction.atomic():
        post, _ = AlertPost.objects.select_for_update().get_or_create(
            key=key, defaults={"text": text, "counts": counts, "links": links}
        )
        if post.ok:
            return False
        post.attempts += 1
        post.connection = connection
        post.text, post.counts, post.links = text, counts, links
        if connection is None or connection.kind == "local":
            post.channel, post.ok, post.error, post.posted_at = "local", True, "", timezone.now()
        else:
            from .slack import slack_post

            post.channel = (connection.options or {}).get("channel", "")
            try:
                post.message_ts = slack_post(connection=connection, text=text, blocks=_blocks(text, counts, links))
                post.ok, post.error, post.posted_at = True, "", timezone.now()
            except (ProviderError, ValidationError) as exc:
                post.ok, post.error = False, vendor_error_scrub(str(exc))[:2000]
        post.save()
        return post.ok


__all__ = ["alert_post"]
