"""Slack alerts through the real slack_sdk WebClient against a stand-in, idempotent per key."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationError
from apps.integrations.alerts import alert_post
from apps.integrations.alerts.slack import slack_request_valid
from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import AlertPost, CallLog, Connection
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def slack(standin):  # noqa: F811
    server = standin({("POST", r"/api/chat\.postMessage"): {"ok": True, "channel": "C0ALERTS", "ts": "1733.0001"}})
    conn = Connection.objects.create(
        kind="slack",
        name="Slack",
        base_url=server.url + "/api/",
        options={"channel": "C0ALERTS", "retries": 1, "backoff": 0.01},
    )
    connection_set_credentials(connection=conn, values={"bot_token": "xoxb-test-token", "signing_secret": "s3cret"})
    return server, conn


def test_alert_posted_once_with_counts_and_links(slack):
    server, conn = slack
    args = {
        "key": "spike:E-5031",
        "text": "E-5031 spike",
        "counts": {"tickets": 14, "customers": 9},
        "links": ["https://jira.example/browse/SUP-1"],
    }
    assert alert_post(**args) is True
    assert alert_post(**args) is False
    [request] = server.hits("POST")
    assert request.headers["authorization"] == "Bearer xoxb-test-token"
    sent = request.json
    assert sent["channel"] == "C0ALERTS" and sent["text"] == "E-5031 spike"
    blocks = str(sent["blocks"])
    assert "*tickets*\\n14" in blocks and "*customers*\\n9" in blocks and "SUP-1" in blocks
    post = AlertPost.objects.get()
    assert (post.ok, post.message_ts, post.channel, post.attempts) == (True, "1733.0001", "C0ALERTS", 1)


def test_slack_500_recorded_then_retried_by_the_next_call(slack):
    server, conn = slack
    server.route("POST", r"/api/chat\.postMessage", Reply(500, {"ok": False, "error": "internal_error"}))
    assert alert_post(key="k1", text="Alert", counts={}, links=[]) is False
    assert len(server.hits("POST")) == 2  # one bounded retry
    post = AlertPost.objects.get()
    assert not post.ok and "internal_error" in post.error
    conn.refresh_from_db()
    assert conn.healthy is False and CallLog.objects.get(connection=conn).ok is False
    server.route("POST", r"/api/chat\.postMessage", {"ok": True, "ts": "2.0"})
    assert alert_post(key="k1", text="Alert", counts={}, links=[]) is True
    assert AlertPost.objects.get().attempts == 2


def test_slack_refusal_is_not_retried(slack):
    server, _ = slack
    server.route("POST", r"/api/chat\.postMessage", {"ok": False, "error": "channel_not_found"})
    assert alert_post(key="k2", text="Alert", counts={}, links=[]) is False
    assert len(server.hits("POST")) == 1 and "channel_not_found" in AlertPost.objects.get().error


def test_local_alert_log_without_slack():
    assert alert_post(key="local-1", text="Spike", counts={"tickets": 3}, links=[]) is True
    assert alert_post(key="local-1", text="Spike", counts={"tickets": 3}, links=[]) is False
    assert AlertPost.objects.get().channel == "local"
    with pytest.raises(ValidationError, match="key"):
        alert_post(key="", text="x", counts={}, links=[])


def test_signature_verifier():
    import hashlib
    import hmac
    import time

    body, ts = b"token=x&command=%2Fswitchboard", str(int(time.time()))
    sig = "v0=" + hmac.new(b"s3cret", f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
    assert slack_request_valid(signing_secret="s3cret", body=body, headers=headers)
    assert not slack_request_valid(signing_secret="s3cret", body=body + b"&x=1", headers=headers)
    assert not slack_request_valid(signing_secret="", body=body, headers=headers)


def test_connection_test_button_uses_auth_test(slack):
    from apps.integrations.connections import connection_test

    server, conn = slack
    server.route("POST", r"/api/auth\.test", {"ok": True, "team": "Acme", "user": "switchboard"})
    ok, message = connection_test(connection=conn)
    assert ok and "Acme" in message and "switchboard" in message
    server.route("POST", r"/api/auth\.test", {"ok": False, "error": "invalid_auth"})
    ok, message = connection_test(connection=conn)
    assert not ok and "invalid_auth" in message
