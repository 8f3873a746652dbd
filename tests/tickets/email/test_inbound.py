"""Receiving email into tickets: new tickets, threading (F14), deduplication, attachments, automatic mail."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.tickets.choices import AuthorKind, TicketStatus
from apps.tickets.email.inbound import email_receive
from apps.tickets.models import Attachment, Message, Ticket

from .test_parse import failure_case

pytestmark = pytest.mark.django_db


def receive(raw: bytes, callbacks, **kwargs):
    with callbacks(execute=True):
        return email_receive(raw=raw, **kwargs)


def test_new_email_opens_a_ticket_and_enqueues_triage(build_email, probe_triage, django_capture_on_commit_callbacks):
    raw = build_email(
        "I can't log in since this morning.\n\nThanks,\nDana Ruiz\nNorthwind Traders",
        subject="Login broken",
        message_id="<a1@northwind.example>",
    )
    ticket, message, created = receive(raw, django_capture_on_commit_callbacks, mailbox="support")
    assert created and ticket.source == "email" and ticket.channel == "email"
    assert ticket.subject == "Login broken" and ticket.external_id == "<a1@northwind.example>"
    assert ticket.contact.email == "dana.ruiz@northwind.example" and ticket.contact.name == "Dana Ruiz"
    assert ticket.organization.domain == "northwind.example"
    assert message.body == "I can't log in since this morning."
    assert message.author_kind == AuthorKind.CUSTOMER
    assert (message.external_id, message.email_message_id) == ("<a1@northwind.example>", "<a1@northwind.example>")
    assert message.email_headers["parse"]["signature"] == "Thanks,\nDana Ruiz\nNorthwind Traders"
    assert message.email_headers["mailbox"] == "support"
    assert probe_triage == [("ticket", ticket.pk)]


def test_same_email_delivered_twice_is_stored_once(build_email, probe_triage, django_capture_on_commit_callbacks):
    raw = build_email("Where is my invoice?", message_id="<dup@northwind.example>")
    first = receive(raw, django_capture_on_commit_callbacks)
    again = receive(raw, django_capture_on_commit_callbacks)
    assert first[2] is True and again[2] is False
    assert (again[0].pk, again[1].pk) == (first[0].pk, first[1].pk)
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert len(probe_triage) == 1


def test_email_without_message_id_is_deduplicated_by_content(build_email, django_capture_on_commit_callbacks):
    raw = build_email("My client sends no id header.", headers={"Date": "Tue, 03 Jun 2025 10:12:00 +0000"})
    assert b"message-id" not in raw.lower()
    _, message, created = receive(raw, django_capture_on_commit_callbacks)
    _, again, created_again = receive(raw, django_capture_on_commit_callbacks)
    assert created and not created_again and again.pk == message.pk
    assert message.external_id.startswith("sha256:")


@pytest.mark.dataset
def test_f14_reply_from_a_ccd_person_joins_the_thread(
    shared_cases, build_email, probe_triage, django_capture_on_commit_callbacks
):
    case = failure_case(shared_cases, "F14")["input"]
    existing = case["extra"]["existing_ticket"]
    original = build_email(
        "Please give Dana editor access to the Finance folder.",
        subject=case["subject"].removeprefix("Re: "),
        sender=existing["requester"],
        message_id=existing["first_message_id"],
        headers={"Cc": ", ".join(existing["cc"])},
    )
    ticket, first, _ = receive(original, django_capture_on_commit_callbacks)
    reply = build_email(
        case["body"],
        subject=case["subject"],
        sender=case["extra"]["from_address"],
        message_id="<approval-1@northwind.example>",
        headers=case["extra"]["headers"],
    )
    same_ticket, message, created = receive(reply, django_capture_on_commit_callbacks)
    assert created and same_ticket.pk == ticket.pk
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2
    assert message.body == case["body"] and message.author_kind == AuthorKind.CUSTOMER
    assert message.email_in_reply_to == existing["first_message_id"]
    assert message.email_headers["From"] == case["extra"]["from_address"]
    assert ticket.contact.email == existing["requester"]  # the requester stays the ticket's contact
    assert probe_triage == [("ticket", ticket.pk), ("ticket", ticket.pk)]


def test_reply_to_a_later_message_in_references_threads(build_email, django_capture_on_commit_callbacks):
    ticket, _, _ = receive(build_email("First", message_id="<t1@x.example>"), django_capture_on_commit_callbacks)
    receive(
        build_email("Second", message_id="<t2@x.example>", headers={"In-Reply-To": "<t1@x.example>"}),
        django_capture_on_commit_callbacks,
    )
    third = build_email(
        "Third, from a client that drops In-Reply-To",
        message_id="<t3@x.example>",
        headers={"References": "<unknown@elsewhere.example> <t2@x.example>"},
    )
    same, message, created = receive(third, django_capture_on_commit_callbacks)
    assert created and same.pk == ticket.pk and ticket.messages.count() == 3


def test_subject_tag_threads_only_for_participants(build_email, django_capture_on_commit_callbacks):
    ticket, _, _ = receive(build_email("Original", message_id="<s1@x.example>"), django_capture_on_commit_callbacks)
    tagged = f"Re: Help [#{ticket.pk}]"
    same, _, _ = receive(build_email("More details", subject=tagged), django_capture_on_commit_callbacks)
    assert same.pk == ticket.pk
    stranger = build_email("I want in", subject=tagged, sender="mallory@evil.example")
    other, _, created = receive(stranger, django_capture_on_commit_callbacks)
    assert created and other.pk != ticket.pk


def test_follow_up_reopens_a_resolved_ticket(build_email, django_capture_on_commit_callbacks):
    ticket, _, _ = receive(build_email("Broken", message_id="<r1@x.example>"), django_capture_on_commit_callbacks)
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.RESOLVED)
    receive(
        build_email("Still broken", message_id="<r2@x.example>", headers={"In-Reply-To": "<r1@x.example>"}),
        django_capture_on_commit_callbacks,
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


@pytest.mark.dataset
def test_f16_only_the_new_text_is_stored(shared_cases, build_email, django_capture_on_commit_callbacks):
    case = failure_case(shared_cases, "F16")["input"]
    _, message, _ = receive(build_email(case["body"], subject=case["subject"]), django_capture_on_commit_callbacks)
    assert message.body == "Thanks, that fixed it!"
    assert "refund" in message.email_headers["parse"]["quoted_text"]


def test_attachments_are_stored_and_oversized_ones_recorded(settings, build_email, django_capture_on_commit_callbacks):
    settings.EMAIL_ATTACHMENT_MAX_BYTES = 1000
    raw = build_email(
        "Screenshots attached.",
        message_id="<att@x.example>",
        attachments=[
            ("error.png", "image/png", b"\x89PNG" + b"0" * 500),
            ("dump.zip", "application/zip", b"z" * 5000),
        ],
    )
    ticket, message, _ = receive(raw, django_capture_on_commit_callbacks)
    png, zipped = message.attachments.order_by("id")
    assert (png.filename, png.content_type, png.size, png.skipped_reason) == ("error.png", "image/png", 504, "")
    assert png.file.read() == b"\x89PNG" + b"0" * 500
    assert (zipped.filename, zipped.size, bool(zipped.file)) == ("dump.zip", 5000, False)
    assert "limit per file" in zipped.skipped_reason
    note = ticket.messages.get(is_internal=True)
    assert note.author_kind == AuthorKind.SYSTEM and "dump.zip" in note.body
    (notice,) = mail.outbox  # the sender learns which file did not arrive (django-q runs synchronously in tests)
    assert notice.to == ["dana.ruiz@northwind.example"] and "dump.zip" in notice.body
    assert notice.extra_headers["In-Reply-To"] == "<att@x.example>"
    assert f"[#{ticket.pk}]" in notice.subject


def test_capped_body_keeps_the_full_text_as_a_file(settings, build_email, django_capture_on_commit_callbacks):
    settings.EMAIL_VISIBLE_MAX_CHARS = 2000
    text = "\n".join(f"Line {i}: the sync job failed again with a timeout." for i in range(400))
    _, message, _ = receive(build_email(text, message_id="<big@x.example>"), django_capture_on_commit_callbacks)
    assert len(message.body) <= 2000 and "characters left out" in message.body
    full = Attachment.objects.get(message=message, filename="full-message.txt")
    assert full.file.read().decode("utf-8").strip() == text
    assert message.ticket.messages.filter(is_internal=True, body__contains="Body shortened").exists()
    assert mail.outbox == []  # nothing skipped, nothing to tell the sender


def test_automatic_mail_is_stored_without_triage(build_email, probe_triage, django_capture_on_commit_callbacks):
    ticket, _, _ = receive(build_email("Question", message_id="<q1@x.example>"), django_capture_on_commit_callbacks)
    probe_triage.clear()
    auto = build_email(
        "I am out of the office until Monday.",
        subject="Automatic reply: Help",
        message_id="<ooo@x.example>",
        headers={"In-Reply-To": "<q1@x.example>", "Auto-Submitted": "auto-replied"},
    )
    same, message, created = receive(auto, django_capture_on_commit_callbacks)
    assert created and same.pk == ticket.pk and message.author_kind == AuthorKind.SYSTEM
    assert probe_triage == []


def test_html_only_and_empty_emails_get_readable_bodies(django_capture_on_commit_callbacks):
    html = (
        b"From: p@acme.example\r\nSubject: VAT\r\nMessage-ID: <h1@acme.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<div>Invoice <b>INV-2231</b> has the wrong VAT number.</div>\r\n"
    )
    _, message, _ = receive(html, django_capture_on_commit_callbacks)
    assert message.body == "Invoice INV-2231 has the wrong VAT number."
    empty = b"From: p@acme.example\r\nSubject: help\r\nMessage-ID: <e1@acme.example>\r\n\r\n"
    ticket, message, _ = receive(empty, django_capture_on_commit_callbacks)
    assert ticket.subject == "help" and message.body == "[This email had no text.]"
    assert message.email_headers["parse"]["flags"]["empty"] is True


def test_reused_message_id_with_different_content_is_not_dropped(build_email, django_capture_on_commit_callbacks):
    first = build_email("Form submission: printer jammed", subject="Web form", message_id="<form@site.example>")
    second = build_email("Form submission: password reset", subject="Web form", message_id="<form@site.example>")
    _, one, created_one = receive(first, django_capture_on_commit_callbacks)
    _, two, created_two = receive(second, django_capture_on_commit_callbacks)
    _, again, created_again = receive(second, django_capture_on_commit_callbacks)
    assert created_one and created_two and not created_again
    assert one.pk != two.pk and again.pk == two.pk
    assert Message.objects.filter(author_kind=AuthorKind.CUSTOMER).count() == 2
