"""Email replies: threading headers, subject tag, Cc, idempotence, a real SMTP round trip, failures."""

from __future__ import annotations

import socket
from email import policy
from email.parser import BytesParser

import pytest
from django.core import mail
from django.core.mail import get_connection

from apps.core.errors import ProviderError, ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.email.inbound import email_receive
from apps.tickets.email.outbound import email_reply_send, reply_subject
from apps.tickets.models import Message
from apps.tickets.services.replies import reply_send

from .standins import smtp_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(build_email, django_capture_on_commit_callbacks):
    """A ticket from Dana (Tom in Cc) and a follow-up from Dana; returns ``(ticket, follow_up)``."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket, _, _ = email_receive(
            raw=build_email(
                "Export fails with E-EXPORT-504.",
                subject="Export failing",
                message_id="<c1@northwind.example>",
                headers={"Cc": "Tom Berger <tom.berger@northwind.example>, support@switchboard.example"},
            )
        )
        _, follow_up, _ = email_receive(
            raw=build_email(
                "Any news?",
                subject="Re: Export failing",
                message_id="<c2@northwind.example>",
                headers={
                    "In-Reply-To": "<c1@northwind.example>",
                    "References": "<c1@northwind.example>",
                    "Cc": "Tom Berger <tom.berger@northwind.example>, billing@switchboard.example",
                },
            )
        )
    return ticket, follow_up


def test_reply_carries_threading_headers_and_subject_tag(thread):
    ticket, follow_up = thread
    answer = reply_send(ticket=ticket, body="We fixed the export; please retry.", author_kind=AuthorKind.AGENT)
    sent = email_reply_send(answer)
    (outgoing,) = mail.outbox
    assert outgoing.extra_headers["Message-ID"] == sent.extra_headers["Message-ID"]
    assert outgoing.subject == f"Re: Export failing [#{ticket.pk}]"
    assert outgoing.to == ["dana.ruiz@northwind.example"]
    assert outgoing.cc == ["tom.berger@northwind.example"]  # never our own addresses
    assert outgoing.from_email == "Support <support@switchboard.example>"
    headers = outgoing.extra_headers
    assert headers["In-Reply-To"] == "<c2@northwind.example>"
    assert headers["References"] == "<c1@northwind.example> <c2@northwind.example>"
    assert headers["Message-ID"].endswith("@switchboard.example>") and "Auto-Submitted" not in headers
    answer.refresh_from_db()
    assert answer.email_message_id == headers["Message-ID"]
    assert answer.email_references == ["<c1@northwind.example>", "<c2@northwind.example>"]


def test_customer_answer_to_our_reply_threads_back(thread, build_email, django_capture_on_commit_callbacks):
    ticket, _ = thread
    answer = reply_send(ticket=ticket, body="Fixed.", author_kind=AuthorKind.AI)
    email_reply_send(answer)
    answer.refresh_from_db()
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-replied"
    with django_capture_on_commit_callbacks(execute=True):
        same, message, created = email_receive(
            raw=build_email(
                "Works now, thanks!",
                subject=mail.outbox[0].subject,
                message_id="<c3@northwind.example>",
                headers={"In-Reply-To": answer.email_message_id},
            )
        )
    assert created and same.pk == ticket.pk


def test_sending_twice_sends_once(thread):
    ticket, _ = thread
    answer = reply_send(ticket=ticket, body="Done.", author_kind=AuthorKind.AGENT)
    assert email_reply_send(answer) is not None
    answer.refresh_from_db()
    assert email_reply_send(answer) is None
    assert len(mail.outbox) == 1


def test_our_reply_coming_back_in_is_not_stored_again(thread, django_capture_on_commit_callbacks):
    ticket, _ = thread
    answer = reply_send(ticket=ticket, body="Done.", author_kind=AuthorKind.AGENT)
    email_reply_send(answer)
    echoed = mail.outbox[0].message().as_bytes()  # e.g. a mailing list or Bcc sending our own mail back
    count = Message.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        same, message, created = email_receive(raw=echoed)
    assert not created and message.pk == answer.pk and Message.objects.count() == count


def test_internal_notes_and_customer_messages_are_refused(thread):
    ticket, follow_up = thread
    note = reply_send(ticket=ticket, body="Internal", author_kind=AuthorKind.AGENT, is_internal=True)
    with pytest.raises(ValidationError, match="Internal notes"):
        email_reply_send(note)
    with pytest.raises(ValidationError, match="Only replies"):
        email_reply_send(follow_up)
    assert mail.outbox == []


def test_real_smtp_round_trip(thread, settings):
    ticket, _ = thread
    outbox: list = []
    server, port = smtp_server(outbox)
    try:
        connection = get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port)
        answer = reply_send(ticket=ticket, body="Grüße — fixed ✅", author_kind=AuthorKind.AGENT)
        email_reply_send(answer, connection=connection)
    finally:
        server.shutdown()
    (sent,) = outbox
    assert sorted(sent.recipients) == ["dana.ruiz@northwind.example", "tom.berger@northwind.example"]
    wire = BytesParser(policy=policy.default).parsebytes(sent.data)
    assert wire["Subject"] == f"Re: Export failing [#{ticket.pk}]"
    assert wire["In-Reply-To"] == "<c2@northwind.example>"
    assert wire["Message-ID"] == Message.objects.get(pk=answer.pk).email_message_id
    assert wire.get_content().splitlines()[0] == "Grüße — fixed ✅"  # then the rating link


def test_mail_server_down_raises_and_marks_nothing(thread):
    ticket, _ = thread
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=port, timeout=2)
    answer = reply_send(ticket=ticket, body="Done.", author_kind=AuthorKind.AGENT)
    with pytest.raises(ProviderError, match="mail server"):
        email_reply_send(answer, connection=connection)
    answer.refresh_from_db()
    assert answer.email_message_id == ""


def test_reply_subject_strips_prefixes_and_old_tags(thread):
    ticket, _ = thread
    ticket.subject = f"RE: AW: Fwd: Invoice wrong [#{ticket.pk}]"
    assert reply_subject(ticket) == f"Re: Invoice wrong [#{ticket.pk}]"
    ticket.subject = ""
    assert reply_subject(ticket) == f"Re: Your request [#{ticket.pk}]"


def test_emailed_reply_ends_with_a_signed_rating_link_that_records_csat(thread, client):
    """The rating link under an emailed answer opens the public rating page and records the customer's CSAT."""
    import re
    from urllib.parse import urlsplit

    from apps.analytics.models import Feedback

    ticket, _ = thread
    answer = reply_send(ticket=ticket, body="We fixed the export; please retry.", author_kind=AuthorKind.AGENT)
    email_reply_send(answer)
    body = mail.outbox[0].body
    assert body.startswith("We fixed the export; please retry.")
    link = re.search(r"Rate it here: (\S+)", body).group(1)
    response = client.post(urlsplit(link).path, {"csat": "4", "helpful": "true"})
    assert response.status_code == 200
    feedback = Feedback.objects.get(ticket=ticket)
    assert feedback.csat == 4
    tampered = client.post(urlsplit(link).path[:-3] + "xx/", {"csat": "1"})
    assert tampered.status_code == 400
    assert Feedback.objects.filter(ticket=ticket).count() == 1
