"""Who has a draft open right now, so the queue shows a draft taken by one agent as taken to the others.

Soft, short-lived markers in Django's cache (``CACHES["default"]``): opening a draft sets one for 45 seconds and
the queue's 10-second poll renews it while the draft stays open. A marker never blocks an action (the version
check does that); it tells others someone is on it. Deployments with several web processes need a shared cache
backend for the markers to be seen across processes.
"""

from __future__ import annotations

from django.core.cache import cache

TTL_SECONDS = 45
_KEY = "review:viewing:{}"


def draft_viewing_mark(*, draft_id: int, user) -> str:
    """Record that ``user`` has draft ``draft_id`` open (renewed on every call) unless someone else holds it.

    Returns the username of the other person who has it open, ``""`` when ``user`` now holds the marker.
    """
    key = _KEY.format(draft_id)
    marker = cache.get(key)
    if marker and marker.get("user_id") != user.pk:
        return marker.get("username", "someone")
    cache.set(key, {"user_id": user.pk, "username": user.get_username()}, TTL_SECONDS)
    return ""


def draft_viewing_clear(*, draft_id: int, user) -> None:
    """Drop ``user``'s marker on draft ``draft_id`` (after they acted on it)."""
    key = _KEY.format(draft_id)
    marker = cache.get(key)
    if marker and marker.get("user_id") == user.pk:
        cache.delete(key)


def drafts_viewers(*, draft_ids: list[int], user) -> dict[int, str]:
    """``{draft id: username}`` of the drafts among ``draft_ids`` that someone other than ``user`` has open.
    One cache round trip."""
    markers = cache.get_many([_KEY.format(i) for i in draft_ids])
    viewers = {}
    for draft_id in draft_ids:
        marker = markers.get(_KEY.format(draft_id))
        if marker and marker.get("user_id") != user.pk:
            viewers[draft_id] = marker.get("username", "someone")
    return viewers
