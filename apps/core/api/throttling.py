"""Rate limits for the public (widget) endpoints and token issuing.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]`` (read at request time, so settings overrides
apply) and fall back to each class's ``default_rate``. Counters live in Django's default cache: use a shared cache
(Redis, database) when several web workers run, or each worker counts alone.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _ScopedIpThrottle(SimpleRateThrottle):
    """Counts requests per client IP (``X-Forwarded-For`` only as far as ``NUM_PROXIES`` allows)."""

    default_rate = "60/min"

    def get_rate(self) -> str:
        rates = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope, self.default_rate)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WidgetWriteThrottle(_ScopedIpThrottle):
    """Creating conversations, sending messages, asking for a human, rating: 30 per minute per IP."""

    scope = "widget_write"
    default_rate = "30/min"


class WidgetReadThrottle(_ScopedIpThrottle):
    """Polling a conversation for the reply: 120 per minute per IP (one poll every 2 s with room to spare)."""

    scope = "widget_read"
    default_rate = "120/min"


class TokenObtainThrottle(_ScopedIpThrottle):
    """Exchanging a password for an API token: 10 per minute per IP (slows password guessing)."""

    scope = "token_obtain"
    default_rate = "10/min"
