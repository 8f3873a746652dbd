"""Authentication for the API: the chat widget's public key, and the staff classes in the order that gives 401.

Staff endpoints list ``TokenAuthentication`` before ``SessionAuthentication`` so an anonymous request gets
``401`` with ``WWW-Authenticate: Token`` (DRF takes the challenge from the first class) instead of a bare 403.
"""

import hmac
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

WIDGET_KEY_HEADER = "X-Switchboard-Key"

STAFF_AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


@dataclass(frozen=True)
class WidgetClient:
    """``request.auth`` for a widget request: which public key it used (one per workspace)."""

    key: str


class WidgetKeyAuthentication(BaseAuthentication):
    """Accepts the workspace's public widget key in the ``X-Switchboard-Key`` header (``settings.WIDGET_PUBLIC_KEY``).

    The key is public (it sits in the customer's page source); it identifies the workspace and turns on the
    widget throttles, it does not grant access to any conversation — that needs the conversation token.
    A missing header lets the next authentication class try; a wrong key is a 401.
    """

    def authenticate(self, request):
        sent = request.headers.get(WIDGET_KEY_HEADER)
        if sent is None:
            return None
        expected = getattr(settings, "WIDGET_PUBLIC_KEY", "")
        if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise AuthenticationFailed("Unknown widget key.")
        return AnonymousUser(), WidgetClient(key=sent)

    def authenticate_header(self, request) -> str:
        return 'WidgetKey header="X-Switchboard-Key"'


class WidgetKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.core.api.authentication.WidgetKeyAuthentication"
    name = "widgetKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": WIDGET_KEY_HEADER,
            "description": "The workspace's public chat-widget key (settings.WIDGET_PUBLIC_KEY).",
        }
