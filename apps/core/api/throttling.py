"""Rate limits for the public (widget) endpoints and token issuing.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`` (read at request time, so settings overrides
apply) and fall back to each class's ``default_rate``. Counters live in Django's default cache: use a shared cache
(Redis, database) when several web workers run, or each worker counts alone.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import WidgetClient


class _ScopedIpThrottle(SimpleRateThrottle):
    """Counts requests per client IP (``X-Forwarded-For`` only as far as ``NUM_PROXIES`` allows)."""

    default_rate = "60/min"

    def get_rate(self) -> str:
        rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope, self.default_rate)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _WidgetThrottle(_ScopedIpThrottle):
    """Applies to widget requests (public key) only; API-token callers fall under the per-user rate."""

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, WidgetClient):
            return None
        return super().get_cache_key(request, view)


class WidgetWriteThrottle(_WidgetThrottle):
    """Creating conversations, sending messages, asking for a human, rating: 30 per minute per IP."""

    scope = "widget_write"
    default_rate = "30/min"


class WidgetReadThrottle(_WidgetThrottle):
    """Polling a conversation for the reply: 120 per minute per IP (one poll every 2 s with room to spare)."""

    scope = "widget_read"
    default_rate = "120/min"


class TokenObtainThrottle(_ScopedIpThrottle):
    """Exchanging a password for an API token: 10 per minute per IP (slows password guessing)."""

    scope = "token_obtain"
    default_rate = "10/min"
