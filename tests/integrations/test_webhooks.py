"""Signed webhooks in: signature checks with the vendors' schemes, one row per delivery, work done in the task."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest

from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import AlertPost, Connection, WebhookDelivery
from apps.tickets.models import Ticket

pytestmark = pytest.mark.django_db

STRIPE_SECRET = "whsec_test_secret_123"
SLACK_SECRET = "slack-signing-secret-0123456789"
ZENDESK_SECRET = "zendesk-signing-secret"
FRESHDESK_SECRET = "freshdesk-basic-auth-password"
INTERCOM_SECRET = "intercom-client-secret"


def _zendesk_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _connection(kind, values):
    conn = Connection.objects.create(kind=kind, name=f"{kind} hooks")
    connection_set_credentials(connection=conn, values=values)
    return conn


def _stripe_headers(body: bytes, secret=STRIPE_SECRET):
    ts = int(time.time())
    sig = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"HTTP_STRIPE_SIGNATURE": f"t={ts},v1={sig}"}


def _post(client, provider, body: bytes, capture, **headers):
    with capture(execute=True):
        return client.post(f"/api/v1/webhooks/{provider}/", body, content_type="application/json", **headers)


DISPUTE = {
    "id": "evt_1Dispute",
    "object": "event",
    "type": "charge.dispute.created",
    "data": {
        "object": {
            "id": "dp_1",
            "object": "dispute",
            "amount": 4900,
            "currency": "usd",
            "charge": "ch_9",
            "reason": "duplicate",
        }
    },
}


def test_stripe_event_verified_processed_and_duplicate_stored_once(client, django_capture_on_commit_callbacks):
    _connection("stripe", {"api_key": "sk_test_x", "webhook_secret": STRIPE_SECRET})
    body = json.dumps(DISPUTE).encode()
    first = _post(client, "stripe", body, django_capture_on_commit_callbacks, **_stripe_headers(body))
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    again = _post(client, "stripe", body, django_capture_on_commit_callbacks, **_stripe_headers(body))
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "delivery": first.json()["delivery"]}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.provider, delivery.delivery_id, delivery.event_type) == (
        "stripe",
        "evt_1Dispute",
        DISPUTE["type"],
    )
    assert delivery.status == "processed" and delivery.duplicates == 1
    alert = AlertPost.objects.get()
    assert alert.key == "stripe:evt_1Dispute" and "49.00 USD" in alert.text
    from apps.integrations.webhooks.tasks import webhook_process

    assert webhook_process(delivery.pk) == "processed" and AlertPost.objects.count() == 1  # a task re-run: no-op


@pytest.mark.parametrize("headers", [{}, {"HTTP_STRIPE_SIGNATURE": "t=1,v1=deadbeef"}, "wrong-secret"])
def test_stripe_bad_signature_is_rejected(client, django_capture_on_commit_callbacks, headers):
    _connection("stripe", {"webhook_secret": STRIPE_SECRET})
    body = json.dumps(DISPUTE).encode()
    if headers == "wrong-secret":
        headers = _stripe_headers(body, secret="whsec_other")
    response = _post(client, "stripe", body, django_capture_on_commit_callbacks, **headers)
    assert response.status_code == 401
    if headers:
        assert "Stripe signature check failed" in response.json()["error"]["message"]
    else:
        assert response.json()["error"]["message"] == "Missing signature header Stripe-Signature."
    assert not WebhookDelivery.objects.exists() and not AlertPost.objects.exists()


def test_no_secret_configured_refuses(client, django_capture_on_commit_callbacks):
    response = _post(client, "intercom", b"{}", django_capture_on_commit_callbacks)
    assert response.status_code == 401 and "No intercom signing secret" in response.json()["error"]["message"]
    assert client.post("/api/v1/webhooks/acme/", b"{}", content_type="application/json").status_code == 404


def _slack_headers(body: bytes, secret=SLACK_SECRET, ts=None):
    ts = str(ts or int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": ts, "HTTP_X_SLACK_SIGNATURE": sig}


def test_slack_signed_requests(client, django_capture_on_commit_callbacks):
    _connection("slack", {"bot_token": "xoxb-1", "signing_secret": SLACK_SECRET})
    challenge = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    response = _post(client, "slack", challenge, django_capture_on_commit_callbacks, **_slack_headers(challenge))
    assert response.json() == {"challenge": "abc123"}
    event = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention"}}).encode()
    for _ in range(2):  # Slack retries deliver the same event_id again
        _post(client, "slack", event, django_capture_on_commit_callbacks, **_slack_headers(event))
    assert WebhookDelivery.objects.get().delivery_id == "Ev1"
    stale = _slack_headers(event, ts=int(time.time()) - 3600)  # a replayed request outside 5 minutes
    assert _post(client, "slack", event, django_capture_on_commit_callbacks, **stale).status_code == 401
    forged = _slack_headers(event, secret="another-secret")
    response = _post(client, "slack", event, django_capture_on_commit_callbacks, **forged)
    assert response.status_code == 401 and "Slack signature" in response.json()["error"]["message"]


def test_zendesk_ticket_webhook_creates_one_ticket(client, django_capture_on_commit_callbacks):
    _connection("zendesk", {"email": "a@acme.test", "api_token": "t", "webhook_secret": ZENDESK_SECRET})
    body = json.dumps(
        {
            "ticket": {
                "id": 35436,
                "subject": "Checkout error",
                "description": "E-5031 when I click Pay",
                "requester": {"email": "maya@shop.test", "name": "Maya"},
                "via": {"channel": "web"},
            }
        }
    ).encode()
    ts = _zendesk_now()
    sig = base64.b64encode(hmac.new(ZENDESK_SECRET.encode(), ts.encode() + body, hashlib.sha256).digest()).decode()
    headers = {
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sig,
        "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": ts,
        "HTTP_X_ZENDESK_WEBHOOK_INVOCATION_ID": "inv-1",
    }
    assert _post(client, "zendesk", body, django_capture_on_commit_callbacks, **headers).json()["status"] == "accepted"
    assert (
        _post(client, "zendesk", body, django_capture_on_commit_callbacks, **headers).json()["status"] == "duplicate"
    )
    ticket = Ticket.objects.get(source="zendesk")
    assert (ticket.external_id, ticket.channel, ticket.contact.email) == ("35436", "web", "maya@shop.test")
    assert WebhookDelivery.objects.get().result["ticket_id"] == ticket.pk
    bad = {**headers, "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": base64.b64encode(b"x" * 32).decode()}
    assert _post(client, "zendesk", body, django_capture_on_commit_callbacks, **bad).status_code == 401


def test_freshdesk_basic_auth_and_intercom_hub_signature(client, django_capture_on_commit_callbacks):
    _connection("freshdesk", {"api_key": "k", "webhook_secret": FRESHDESK_SECRET})
    _connection("intercom", {"access_token": "t", "client_secret": INTERCOM_SECRET})
    fd = json.dumps(
        {
            "freshdesk_webhook": {
                "ticket_id": 77,
                "ticket_subject": "Refund",
                "ticket_description": "Hi",
                "ticket_contact_email": "li@acme.test",
            }
        }
    ).encode()
    wrong = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"hook:guess").decode()}
    assert _post(client, "freshdesk", fd, django_capture_on_commit_callbacks, **wrong).status_code == 401
    right = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"hook:{FRESHDESK_SECRET}".encode()).decode()}
    assert _post(client, "freshdesk", fd, django_capture_on_commit_callbacks, **right).status_code == 200
    ic = json.dumps(
        {
            "type": "notification_event",
            "id": "notif_1",
            "topic": "conversation.user.created",
            "data": {
                "item": {
                    "id": "215",
                    "created_at": 1733040000,
                    "state": "open",
                    "source": {
                        "body": "<p>Export <b>fails</b></p>",
                        "delivered_as": "customer_initiated",
                        "author": {"email": "jo@acme.test"},
                    },
                }
            },
        }
    )
    ic = ic.encode()
    sig = "sha1=" + hmac.new(INTERCOM_SECRET.encode(), ic, hashlib.sha1).hexdigest()
    response = _post(client, "intercom", ic, django_capture_on_commit_callbacks, HTTP_X_HUB_SIGNATURE=sig)
    assert response.status_code == 200
    assert Ticket.objects.get(source="freshdesk").external_id == "77"
    intercom = Ticket.objects.get(source="intercom")
    assert intercom.channel == "chat" and intercom.messages.first().body == "Export fails"
    unreadable = b"not json"
    sig = "sha1=" + hmac.new(INTERCOM_SECRET.encode(), unreadable, hashlib.sha1).hexdigest()
    response = _post(client, "intercom", unreadable, django_capture_on_commit_callbacks, HTTP_X_HUB_SIGNATURE=sig)
    assert response.status_code == 400 and "not JSON" in response.json()["error"]["message"]


def test_follow_ups_from_zendesk_and_intercom_join_the_ticket(client, django_capture_on_commit_callbacks):
    from tests.factories import TicketFactory

    _connection("zendesk", {"webhook_secret": ZENDESK_SECRET})
    _connection("intercom", {"client_secret": INTERCOM_SECRET})
    zd_ticket = TicketFactory(source="zendesk", external_id="900")
    ic_ticket = TicketFactory(source="intercom", external_id="215")

    def zendesk(body, invocation):
        ts = _zendesk_now()
        sig = hmac.new(ZENDESK_SECRET.encode(), ts.encode() + body, hashlib.sha256).digest()
        headers = {
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": base64.b64encode(sig).decode(),
            "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": ts,
            "HTTP_X_ZENDESK_WEBHOOK_INVOCATION_ID": invocation,
        }
        return _post(client, "zendesk", body, django_capture_on_commit_callbacks, **headers)

    comment = {
        "type": "zen:event-type:ticket.comment_added",
        "detail": {"id": "900"},
        "event": {"comment": {"id": "c-1", "body": "Still broken", "is_public": True, "author": {"is_staff": False}}},
    }
    zendesk(json.dumps(comment).encode(), "inv-a")
    zendesk(json.dumps(comment).encode(), "inv-b")  # a re-fired webhook with a new invocation id
    staff = {**comment, "event": {"comment": {"id": "c-2", "body": "Agent note", "author": {"is_staff": True}}}}
    zendesk(json.dumps(staff).encode(), "inv-c")
    assert list(zd_ticket.messages.values_list("body", flat=True)).count("Still broken") == 1
    assert not zd_ticket.messages.filter(body="Agent note").exists()
    assert WebhookDelivery.objects.get(delivery_id="inv-c").status == "ignored"

    replied = {
        "type": "notification_event",
        "id": "notif_2",
        "topic": "conversation.user.replied",
        "data": {
            "item": {
                "id": "215",
                "conversation_parts": {
                    "conversation_parts": [{"id": "p-7", "body": "<p>Any news?</p>", "author": {"type": "user"}}]
                },
            }
        },
    }
    body = json.dumps(replied).encode()
    sig = "sha1=" + hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()
    _post(client, "intercom", body, django_capture_on_commit_callbacks, HTTP_X_HUB_SIGNATURE=sig)
    assert ic_ticket.messages.filter(body="Any news?", external_id="intercom:p-7").count() == 1
    orphan = {**replied, "id": "notif_3", "data": {"item": {**replied["data"]["item"], "id": "404"}}}
    body = json.dumps(orphan).encode()
    sig = "sha1=" + hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()
    _post(client, "intercom", body, django_capture_on_commit_callbacks, HTTP_X_HUB_SIGNATURE=sig)
    failed = WebhookDelivery.objects.get(delivery_id="notif_3")
    assert failed.status == "failed" and "No intercom ticket 404" in failed.error


def test_slack_slash_command_form_body(client, django_capture_on_commit_callbacks):
    _connection("slack", {"signing_secret": SLACK_SECRET})
    body = b"command=%2Fswitchboard&text=status&trigger_id=13345224609.738474920.8088930838d88f008e0"
    response = client.post(
        "/api/v1/webhooks/slack/", body, content_type="application/x-www-form-urlencoded", **_slack_headers(body)
    )
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivery_id.startswith("13345224609") and delivery.event_type == "/switchboard"


@pytest.mark.dataset
def test_f19_duplicate_deliveries_one_ticket_per_message_one_tracker_issue(
    client, django_capture_on_commit_callbacks, shared_cases
):
    """Case F19: each message webhook fired twice; dedupe on message id, then one tracker issue links 3 reports."""
    from apps.integrations.trackers import bug_report

    case = next(
        c for c in map(json.loads, (shared_cases / "failure_cases.jsonl").read_text().splitlines()) if c["id"] == "F19"
    )
    _connection("intercom", {"client_secret": INTERCOM_SECRET})
    for n, delivery in enumerate(case["input"]["extra"]["deliveries"]):
        note = {
            "type": "notification_event",
            "id": f"notif_{n}",
            "topic": "conversation.user.created",
            "data": {
                "item": {
                    "id": delivery["msg_id"],
                    "state": "open",
                    "source": {
                        "body": case["input"]["body"],
                        "author": {"email": f"{delivery['customer']}@shop.test"},
                    },
                }
            },
        }
        body = json.dumps(note).encode()
        sig = "sha1=" + hmac.new(INTERCOM_SECRET.encode(), body, hashlib.sha1).hexdigest()
        _post(client, "intercom", body, django_capture_on_commit_callbacks, HTTP_X_HUB_SIGNATURE=sig)
    tickets = list(Ticket.objects.filter(source="intercom"))
    assert len(tickets) == 3  # 6 deliveries, 3 messages
    links = [bug_report(signature="E-5031", summary="Checkout E-5031", steps="Click Pay", ticket=t) for t in tickets]
    assert {lk.issue_id for lk in links} == {links[0].issue_id} and links[-1].customers == 3
