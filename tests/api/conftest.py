"""API test fixtures: widget and token clients, generous widget rates, a clean throttle cache."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

WIDGET_KEY = "sb_pk_test_workspace"


@pytest.fixture(autouse=True)
def _api_settings(settings):
    settings.WIDGET_PUBLIC_KEY = WIDGET_KEY
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "widget_write": "10000/min", "widget_read": "10000/min"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def widget():
    """A client of the chat widget: the public key, no conversation token yet."""
    client = APIClient()
    client.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def agent_api(agent_user):
    return token_client(agent_user)


@pytest.fixture
def lead_api(lead_user):
    return token_client(lead_user)


@pytest.fixture
def admin_api(admin_user):
    return token_client(admin_user)


def start_conversation(client, message="How do I change my plan?", *, key=None, **extra):
    """POST a new conversation; returns the response (201 expected)."""
    body = {
        "message": message,
        "page": {
            "url": "https://app.example/pricing",
            "title": "Pricing",
            "product_area": "pricing",
            "metadata": {"plan": "pro"},
        },
        **extra,
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/conversations/", body, format="json", **headers)


def conversation_client(token: str) -> APIClient:
    """A widget client that carries a conversation's ``token`` as X-Conversation-Token."""
    other = APIClient()
    other.credentials(HTTP_X_SWITCHBOARD_KEY=WIDGET_KEY, HTTP_X_CONVERSATION_TOKEN=token)
    return other
