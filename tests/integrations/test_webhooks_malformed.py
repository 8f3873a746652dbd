"""Validly signed but malformed webhook bodies are refused with 400 JSON, never a 500, for every provider.

The bodies are signed with the connection's real secret, so the signature check passes and the body's shape is
what is tested: arrays, strings, events without an id, ids and types of the wrong JSON type, NaN/Infinity, NUL
characters and lone surrogates (which PostgreSQL's jsonb cannot store), and deeply nested documents.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import Connection, WebhookDelivery

pytestmark = pytest.mark.django_db

SECRETS = {
    "stripe": {"webhook_secret": "whsec_malformed_secret_0123456789"},
    "slack": {"signing_secret": "slack-signing-secret-malformed-01"},
    "zendesk": {"webhook_secret": "zendesk-signing-secret-malformed"},
    "freshdesk": {"webhook_secret": "freshdesk-basic-auth-password-01"},
    "intercom": {"client_secret": "intercom-client-secret-malformed"},
}
PROVIDERS = tuple(SECRETS)


def signed_headers(provider: str, body: bytes, *, ts: int | None = None) -> dict:
    """Django test-client headers that sign ``body`` the way ``provider`` does, with the test secret."""
    secret = next(iter(SECRETS[provider].values())).encode()
    ts = int(time.time()) if ts is None else ts
    if provider == "stripe":
        sig = hmac.new(secret, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        return {"HTTP_STRIPE_SIGNATURE": f"t={ts},v1={sig}"}
    if provider == "slack":
        sig = hmac.new(secret, f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
        return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(ts), "HTTP_X_SLACK_SIGNATURE": f"v0={sig}"}
    if provider == "zendesk":
        stamp = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        sig = base64.b64encode(hmac.new(secret, stamp.encode() + body, hashlib.sha256).digest()).decode()
        return {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sig, "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": stamp}
    if provider == "freshdesk":
        return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"hook:" + secret).decode()}
    return {"HTTP_X_HUB_SIGNATURE": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest()}


@pytest.fixture
def connections(db):
    for provider, values in SECRETS.items():
        conn = Connection.objects.create(kind=provider, name=f"{provider} malformed")
        connection_set_credentials(connection=conn, values=values)


def post(client, provider: str, body: bytes, **headers):
    return client.post(
        f"/api/v1/webhooks/{provider}/",
        body,
        content_type="application/json",
        **{**signed_headers(provider, body), **headers},
    )


def assert_refused_as_json(response, status=400):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] and error["message"]


@pytest.mark.parametrize(
    "body",
    [b"[]", b'"str"', b"1", b"null", b'{"type":"x"}', b'{"id":["a"],"type":1}', b'{"id":"evt_1","type":{"a":1}}'],
)
def test_signed_malformed_stripe_bodies_are_400_json(client, connections, body):
    assert_refused_as_json(post(client, "stripe", body))
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "provider,body",
    [
        ("slack", b'{"type":"event_callback","event":"app_mention"}'),  # event is not an object
        ("slack", b'{"type":"event_callback","event_id":["Ev1"]}'),
        ("slack", b'{"type":1}'),
        ("slack", b'{"type":"url_verification","challenge":{"x":1}}'),
        ("slack", b'{"type":"event_callback","event":{"type":["app_mention"]}}'),
        ("intercom", b'{"id":"n1","topic":["conversation.user.created"]}'),
        ("intercom", b'{"id":"n1","topic":7}'),
        ("zendesk", b'{"type":["zen:event-type:ticket.created"]}'),
    ],
)
def test_signed_bodies_with_fields_of_the_wrong_type_are_400_json(client, connections, provider, body):
    assert_refused_as_json(post(client, provider, body))
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    "body",
    [
        b'{"id":"evt_nan","type":"x","amount":NaN}',
        b'{"id":"evt_inf","type":"x","amount":1e999}',
        b'{"id":"evt_nul","type":"x","note":"a\\u0000b"}',
        b'{"id":"evt_sur","type":"x","note":"\\ud800"}',
        b'{"id":"evt_deep","type":"x","d":' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"id":"evt_bin","type":"x","note":"\xff\xfe"}',
    ],
    ids=["nan", "infinity", "nul", "lone-surrogate", "deep", "not-utf8"],
)
def test_signed_bodies_postgres_cannot_store_are_400_json(client, connections, provider, body):
    assert_refused_as_json(post(client, provider, body))
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "provider,headers",
    [
        ("slack", {"HTTP_X_SLACK_REQUEST_TIMESTAMP": "soon", "HTTP_X_SLACK_SIGNATURE": "v0=abc"}),
        ("slack", {"HTTP_X_SLACK_REQUEST_TIMESTAMP": "", "HTTP_X_SLACK_SIGNATURE": "v0=é"}),
        ("zendesk", {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": "é", "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": "x"}),
        ("freshdesk", {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode("hook:pässword".encode()).decode()}),
        ("intercom", {"HTTP_X_HUB_SIGNATURE": "sha1=é"}),
        ("stripe", {"HTTP_STRIPE_SIGNATURE": "t=é,v1=é"}),
        ("stripe", {"HTTP_STRIPE_SIGNATURE": f"t={int(time.time())},v1=é"}),
    ],
)
def test_garbled_signature_headers_are_401_json(client, connections, provider, headers):
    assert_refused_as_json(post(client, provider, b'{"id":"x","type":"y"}', **headers), status=401)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
KEYS = ("id", "type", "topic", "event", "event_id", "trigger_id", "challenge", "ticket", "detail", "data", "command")
SHAPED = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(provider=st.sampled_from(PROVIDERS), value=JSON | SHAPED)
def test_any_signed_json_is_accepted_or_refused_with_400_never_500(client, connections, provider, value):
    body = json.dumps(value).encode()
    response = post(client, provider, body)
    assert response.status_code in (200, 400), (provider, body, response.content[:300])
    assert response["Content-Type"] == "application/json"
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "invalid_payload"


@pytest.mark.parametrize(
    "body",
    [b"command=%2Fswitchboard&text=a%00b&trigger_id=1.2.3", b"payload=%5B%5D", b"payload=%7B%22type%22%3A1%7D"],
    ids=["nul-in-field", "payload-array", "payload-type-number"],
)
def test_signed_malformed_slack_form_bodies_are_400_json(client, connections, body):
    response = client.post(
        "/api/v1/webhooks/slack/",
        body,
        content_type="application/x-www-form-urlencoded",
        **signed_headers("slack", body),
    )
    assert_refused_as_json(response)
    assert not WebhookDelivery.objects.exists()


def test_a_zendesk_invocation_id_with_control_characters_is_not_stored_as_the_delivery_id(client, connections):
    body = b'{"ticket":{"id":1,"subject":"s","description":"d","requester":{"email":"a@b.test"}}}'
    response = post(client, "zendesk", body, HTTP_X_ZENDESK_WEBHOOK_INVOCATION_ID="inv\x00-1")
    assert response.status_code == 200
    assert WebhookDelivery.objects.get().delivery_id.startswith("sha256:")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(("command", "text", "trigger_id", "payload", "type")), st.text()))
def test_any_signed_slack_form_is_accepted_or_refused_with_400_never_500(client, connections, fields):
    from urllib.parse import urlencode

    body = urlencode(fields).encode()
    response = client.post(
        "/api/v1/webhooks/slack/",
        body,
        content_type="application/x-www-form-urlencoded",
        **signed_headers("slack", body),
    )
    assert response.status_code in (200, 400), (body, response.content[:300])
