"""Slack through ``slack_sdk``: ``chat.postMessage`` for alerts and ``SignatureVerifier`` for inbound requests.

Connection: credentials ``bot_token`` (xoxb-…) and ``signing_secret``; options ``channel`` (required for posting),
``timeout``, ``retries``, ``backoff``; ``base_url`` only for a self-hosted proxy or a stand-in (``…/api/``).
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from apps.core.errors import ValidationError
from apps.integrations.connections import connection_credentials, connection_option, vendor_call


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 0) or 0
        return status == 429 or status >= 500
    return isinstance(exc, OSError)  # URLError, timeouts, refused connections


def slack_client(connection) -> WebClient:
    """A ``WebClient`` for the connection (its own retry handlers off: retries are ``vendor_call``'s)."""
    kwargs = {
        "token": connection_credentials(connection).get("bot_token", ""),
        "timeout": int(connection_option(connection, "timeout", 10.0)),
        "retry_handlers": [],
    }
    if connection.base_url:
        kwargs["base_url"] = connection.base_url.rstrip("/") + "/"
    return WebClient(**kwargs)


class SlackAlerts:
    """The Slack connection's client for the connection screen's test button."""

    source = "slack"

    def __init__(self, connection):
        self.connection = connection

    def ping(self) -> dict:
        """``auth.test``: the bot's workspace and user; raises ``ProviderError``."""
        client = slack_client(self.connection)
        answer = vendor_call(self.connection, "slack.auth_test", client.auth_test, transient=_transient)
        return {"team": answer.get("team", "?"), "bot": answer.get("user", "?")}


def slack_post(*, connection, text: str, blocks: list[dict]) -> str:
    """Post to the connection's channel; returns the message ``ts``. Raises ``ProviderError`` (after bounded
    retries of 429/5xx/network errors) or ``ValidationError`` when no channel is configured."""
    channel = connection_option(connection, "channel", "")
    if not channel:
        raise ValidationError(f"Slack connection {connection.name!r} has no alert channel.")
    client = slack_client(connection)
    response = vendor_call(
        connection,
        "slack.chat_postMessage",
        lambda: client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False),
        transient=_transient,
    )
    return str(response.get("ts") or "")


def slack_request_valid(*, signing_secret: str, body: bytes, headers) -> bool:
    """Whether an inbound Slack request is signed with ``signing_secret`` (``X-Slack-Signature`` v0 HMAC-SHA256 of
    ``v0:<X-Slack-Request-Timestamp>:<body>``, timestamp within 5 minutes), via slack_sdk's ``SignatureVerifier``."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not signing_secret or not timestamp.isascii() or not timestamp.isdigit():
        return False  # a missing or garbled timestamp is a failed check, never an error
    try:
        return SignatureVerifier(signing_secret).is_valid(
            body=body, timestamp=timestamp, signature=headers.get("X-Slack-Signature", "")
        )
    except (ValueError, TypeError):  # a body that is not UTF-8, a signature with non-ASCII characters
        return False
