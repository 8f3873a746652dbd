"""Webhook refusals speak the API's error format, in our own words: ``{"error": {"code", "message", "details"}}``
for every status (400, 401, 404, 405, 413), a missing signature header is named, bodies over 1 MB get JSON 413
without being read, and signed timestamps outside the 5-minute tolerance are refused in both directions."""

from __future__ import annotations

import time

import pytest

from apps.integrations.models import WebhookDelivery
from tests.integrations.test_webhooks_malformed import connections, signed_headers  # noqa: F401

pytestmark = pytest.mark.django_db
EVENT = b'{"id":"evt_1","object":"event","type":"invoice.paid"}'


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"] and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_every_refusal_has_the_api_error_shape(client, connections):  # noqa: F811
    assert error_of(client.post("/api/v1/webhooks/acme/", b"{}", content_type="application/json"), 404) == {
        "code": "not_found",
        "message": "Unknown webhook provider 'acme'.",
        "details": None,
    }
    get = client.get("/api/v1/webhooks/stripe/")
    assert error_of(get, 405)["code"] == "method_not_allowed" and get["Allow"] == "POST"
    WebhookDelivery.objects.all().delete()
    unsigned = client.post("/api/v1/webhooks/stripe/", EVENT, content_type="application/json")
    error = error_of(unsigned, 401)
    assert error["code"] == "not_authenticated"
    assert error["message"] == "Missing signature header Stripe-Signature."
    assert error["details"] == {"provider": "stripe", "missing_headers": ["Stripe-Signature"]}
    forged = client.post(
        "/api/v1/webhooks/stripe/", EVENT, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
    )
    error = error_of(forged, 401)
    assert error["code"] == "authentication_failed" and error["message"].startswith("Stripe signature check failed")
    assert "without_verification" not in error["message"] and "Stripe-Signature header value" not in error["message"]
    headers = signed_headers("stripe", b"not json")
    bad = client.post("/api/v1/webhooks/stripe/", b"not json", content_type="application/json", **headers)
    assert error_of(bad, 400)["code"] == "invalid_payload"
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "provider,missing",
    [
        ("slack", "X-Slack-Signature and X-Slack-Request-Timestamp"),
        ("zendesk", "X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp"),
        ("freshdesk", "Authorization"),
        ("intercom", "X-Hub-Signature"),
    ],
)
def test_missing_signature_headers_are_named(client, connections, provider, missing):  # noqa: F811
    response = client.post(f"/api/v1/webhooks/{provider}/", b"{}", content_type="application/json")
    assert error_of(response, 401)["message"] == f"Missing signature header {missing}."


def test_no_secret_configured_is_its_own_code(client):
    error = error_of(client.post("/api/v1/webhooks/zendesk/", b"{}", content_type="application/json"), 401)
    assert error["code"] == "not_configured" and error["details"]["credential"] == "webhook_secret"


@pytest.mark.parametrize("size", [5 * 1024 * 1024, 1_000_001])
def test_body_over_one_megabyte_is_413_json(client, connections, size):  # noqa: F811
    body = b'{"id":"evt_big","type":"x","pad":"' + b"a" * size + b'"}'
    response = client.post("/api/v1/webhooks/stripe/", body, content_type="application/json")
    error = error_of(response, 413)
    assert error["code"] == "payload_too_large" and error["details"]["max_bytes"] == 1_000_000
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("provider", ["stripe", "slack", "zendesk"])
@pytest.mark.parametrize("offset", [3600, -3600, 310, -310])
def test_signed_timestamps_beyond_the_tolerance_are_refused_both_ways(client, connections, provider, offset):  # noqa: F811
    headers = signed_headers(provider, EVENT, ts=int(time.time()) + offset)
    response = client.post(f"/api/v1/webhooks/{provider}/", EVENT, content_type="application/json", **headers)
    error = error_of(response, 401)
    assert error["code"] == "timestamp_out_of_tolerance" and error["details"]["tolerance_seconds"] == 300
    assert ("in the future" in error["message"]) == (offset > 0)
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("provider", ["stripe", "slack", "zendesk"])
@pytest.mark.parametrize("offset", [-240, 0, 240])
def test_signed_timestamps_within_the_tolerance_are_accepted(client, connections, provider, offset):  # noqa: F811
    headers = signed_headers(provider, EVENT, ts=int(time.time()) + offset)
    response = client.post(f"/api/v1/webhooks/{provider}/", EVENT, content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
