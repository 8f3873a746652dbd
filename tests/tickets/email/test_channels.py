"""Channels in: the inbound webhook (raw MIME, SendGrid and Mailgun shapes, signatures) and the IMAP poller."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest
from django.core.management import call_command
from django.test.client import BOUNDARY, encode_multipart
from django.urls import reverse

from apps.core.errors import ProviderError
from apps.tickets.email.imap import ImapSettings, imap_poll
from apps.tickets.models import Message, Ticket

from .conftest import SECRET
from .standins import Mailbox, imap_server

pytestmark = pytest.mark.django_db

URL = "/tickets/email/inbound/"


def encode_multipart_formdata(fields: dict) -> tuple[bytes, str]:
    """A multipart/form-data body as inbound-mail services post it, and its content type."""
    return encode_multipart(BOUNDARY, fields), f"multipart/form-data; boundary={BOUNDARY}"  # sent as-is


def signed(body: bytes, secret: str = SECRET) -> dict:
    return {"HTTP_X_INBOUND_SIGNATURE": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def test_url_name():
    assert reverse("tickets:email_inbound") == URL


def test_raw_mime_with_hmac_signature_is_stored_once(client, build_email):
    raw = build_email("Card declined at checkout.", subject="Payment", message_id="<w1@acme.example>")
    response = client.post(URL, data=raw, content_type="message/rfc822", **signed(raw))
    assert response.status_code == 201
    body = response.json()
    assert body["created"] is True
    ticket = Ticket.objects.get(pk=body["ticket"])
    assert ticket.subject == "Payment" and ticket.channel == "email"
    retry = client.post(URL, data=raw, content_type="message/rfc822", **signed(raw))
    assert retry.status_code == 200 and retry.json() == {**body, "created": False}
    assert Message.objects.count() == 1


def test_bad_or_missing_signature_is_refused_with_403(client, build_email):
    raw = build_email("Let me in", message_id="<w2@acme.example>")
    assert client.post(URL, data=raw, content_type="message/rfc822").status_code == 403
    forged = client.post(URL, data=raw, content_type="message/rfc822", **signed(raw, secret="wrong"))
    assert forged.status_code == 403 and "EMAIL_INBOUND_SECRET" in forged.json()["error"]
    tampered = client.post(URL, data=raw + b"extra", content_type="message/rfc822", **signed(raw))
    assert tampered.status_code == 403
    assert client.post(URL, data=raw, content_type="message/rfc822", HTTP_X_INBOUND_TOKEN="nope").status_code == 403
    assert Ticket.objects.count() == 0


def test_shared_token_header_is_accepted(client, build_email):
    raw = build_email("Token auth", message_id="<w3@acme.example>")
    response = client.post(URL, data=raw, content_type="message/rfc822", HTTP_X_INBOUND_TOKEN=SECRET)
    assert response.status_code == 201


def test_sendgrid_inbound_parse_raw_form_with_basic_auth(client, build_email):
    raw = build_email("Sent through SendGrid", subject="SG", message_id="<sg1@acme.example>")
    body, content_type = encode_multipart_formdata(
        {"email": raw.decode(), "to": "support@switchboard.example", "from": "dana.ruiz@northwind.example"}
    )
    auth = "Basic " + base64.b64encode(f"inbound:{SECRET}".encode()).decode()
    response = client.post(URL, data=body, content_type=content_type, HTTP_AUTHORIZATION=auth)
    assert response.status_code == 201
    assert Ticket.objects.get().subject == "SG"
    wrong = "Basic " + base64.b64encode(b"inbound:guess").decode()
    assert client.post(URL, data=body, content_type=content_type, HTTP_AUTHORIZATION=wrong).status_code == 403


def test_mailgun_body_mime_with_mailgun_signature(client, build_email):
    raw = build_email("Sent through Mailgun", subject="MG", message_id="<mg1@acme.example>")
    stamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(SECRET.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    fields = {"body-mime": raw.decode(), "timestamp": stamp, "token": token, "signature": signature}
    body, content_type = encode_multipart_formdata(fields)
    assert client.post(URL, data=body, content_type=content_type).status_code == 201
    stale = str(int(time.time()) - 3600)
    old_signature = hmac.new(SECRET.encode(), (stale + token).encode(), hashlib.sha256).hexdigest()
    body, content_type = encode_multipart_formdata({**fields, "timestamp": stale, "signature": old_signature})
    assert client.post(URL, data=body, content_type=content_type).status_code == 403


def test_large_message_in_a_form_is_not_refused_by_django_upload_limit(client, build_email, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # the webhook reads forms itself, within EMAIL_INBOUND_MAX_BYTES
    raw = build_email(
        "Big", message_id="<big-form@acme.example>", attachments=[("a.bin", "application/zip", b"0" * 50_000)]
    )
    body, content_type = encode_multipart_formdata({"email": raw.decode()})
    response = client.post(URL, data=body, content_type=content_type, HTTP_X_INBOUND_TOKEN=SECRET)
    assert response.status_code == 201
    assert Message.objects.get().attachments.get().size == 50_000


def test_errors_are_clear(client, settings, build_email):
    empty_form, content_type = encode_multipart_formdata({"subject": "no raw message"})
    response = client.post(URL, data=empty_form, content_type=content_type, HTTP_X_INBOUND_TOKEN=SECRET)
    assert response.status_code == 400 and "body-mime" in response.json()["error"]
    assert client.get(URL).status_code == 405
    settings.EMAIL_INBOUND_MAX_BYTES = 100
    raw = build_email("x" * 500)
    assert client.post(URL, data=raw, content_type="message/rfc822", **signed(raw)).status_code == 413
    settings.EMAIL_INBOUND_SECRET = ""
    assert client.post(URL, data=raw, content_type="message/rfc822", **signed(raw)).status_code == 503


@pytest.fixture
def mailbox():
    box = Mailbox()
    server, port = imap_server(box)
    box.port = port
    yield box
    server.shutdown()


def imap_config(mailbox: Mailbox, **changes) -> ImapSettings:
    values = {"host": "127.0.0.1", "port": mailbox.port, "user": mailbox.user, "password": mailbox.password}
    return ImapSettings(**{**values, "use_ssl": False, "timeout": 5, **changes})


def test_imap_poll_stores_new_mail_and_is_idempotent(mailbox, build_email, django_capture_on_commit_callbacks):
    first = mailbox.add(build_email("From IMAP one", subject="One", message_id="<i1@acme.example>"))
    mailbox.add(build_email("From IMAP two", subject="Two", message_id="<i2@acme.example>"))
    with django_capture_on_commit_callbacks(execute=True):
        result = imap_poll(config=imap_config(mailbox))
    assert (result.found, result.created, result.duplicates, result.failed) == (2, 2, 0, [])
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["One", "Two"]
    assert mailbox.flags[first] == {"\\Seen"}
    assert any(c.startswith("UID FETCH 1 (BODY.PEEK[])") for c in mailbox.commands)
    mailbox.flags[first].clear()  # a crash after storing but before flagging: the next poll re-reads it
    with django_capture_on_commit_callbacks(execute=True):
        again = imap_poll(config=imap_config(mailbox))
    assert (again.found, again.created, again.duplicates) == (1, 0, 1)
    assert Ticket.objects.count() == 2


def test_imap_one_bad_message_does_not_stop_the_others(mailbox, build_email, django_capture_on_commit_callbacks):
    bad = mailbox.add(build_email("Broken fetch", message_id="<i3@acme.example>"))
    mailbox.add(build_email("Fine", subject="Fine", message_id="<i4@acme.example>"))
    mailbox.fail_fetch.add(bad)
    with django_capture_on_commit_callbacks(execute=True):
        result = imap_poll(config=imap_config(mailbox))
    assert result.created == 1 and [uid for uid, _ in result.failed] == [str(bad)]
    assert mailbox.flags[bad] == set()  # left unread for the next poll
    assert Ticket.objects.get().subject == "Fine"


def test_imap_message_over_the_limit_becomes_a_flagged_headers_only_ticket(
    mailbox, build_email, django_capture_on_commit_callbacks
):
    big = mailbox.add(
        build_email(
            "Huge",
            subject="Scans",
            message_id="<i5@acme.example>",
            attachments=[("s.pdf", "application/pdf", b"0" * 9000)],
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = imap_poll(config=imap_config(mailbox, max_bytes=4000))
    assert result.too_large == 1 and result.created == 1
    ticket = Ticket.objects.get()
    assert ticket.subject == "Scans"
    assert "over the 3.9 KB limit, so it was not downloaded" in ticket.messages.get().body
    assert mailbox.flags[big] == {"\\Seen", "\\Flagged"}
    assert not any("BODY.PEEK[])" in c for c in mailbox.commands)


def test_imap_bad_login_raises_provider_error(mailbox):
    with pytest.raises(ProviderError, match="login failed"):
        imap_poll(config=imap_config(mailbox, password="wrong"))


def test_poll_imap_command_reads_env_settings(mailbox, settings, build_email, capsys):
    mailbox.add(build_email("Via the command", subject="Cmd", message_id="<i6@acme.example>"))
    settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SSL = "127.0.0.1", str(mailbox.port), "false"
    settings.IMAP_USER, settings.IMAP_PASSWORD = mailbox.user, mailbox.password
    call_command("poll_imap")
    assert "1 matching, 1 stored" in capsys.readouterr().out
    assert Ticket.objects.get().subject == "Cmd"
