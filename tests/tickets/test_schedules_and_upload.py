"""The IMAP poll as a django-q2 schedule, and the admin's .eml upload."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from apps.tickets.models import Message, Ticket
from apps.tickets.schedules import IMAP_POLL_FUNC, imap_poll_scheduled_task

from .email.standins import Mailbox, imap_server

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _intake(settings, tmp_path, probe_triage):
    """Media in a temporary folder; triage enqueued by intake goes to the probe task; no IMAP configured."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_SUPPORT_ADDRESS = "Support <support@switchboard.example>"
    settings.IMAP_HOST = ""
    settings.IMAP_USER = ""
    return probe_triage


def _eml(body: str = "My invoice shows the wrong VAT number.", *, message_id: str = "<upload-1@northwind.example>"):
    message = EmailMessage()
    message["From"] = "Dana Ruiz <dana.ruiz@northwind.example>"
    message["To"] = "support@switchboard.example"
    message["Subject"] = "Wrong VAT number on invoice"
    message["Message-ID"] = message_id
    message["Date"] = "Tue, 01 Dec 2026 09:00:00 +0000"
    message.set_content(body)
    return message.as_bytes()


def test_setup_schedules_registers_the_imap_poll():
    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())  # idempotent
    schedules = Schedule.objects.filter(func=IMAP_POLL_FUNC)
    assert schedules.count() == 1
    assert schedules.get().schedule_type == Schedule.MINUTES and schedules.get().repeats == -1


def test_scheduled_poll_without_imap_settings_does_nothing(monkeypatch, caplog):
    monkeypatch.delenv("IMAP_HOST", raising=False)
    monkeypatch.delenv("IMAP_USER", raising=False)
    with caplog.at_level(logging.INFO, logger="apps.tickets.schedules"):
        assert imap_poll_scheduled_task() is None
    assert "not configured" in caplog.text
    assert not Ticket.objects.exists()


def test_scheduled_poll_with_imap_settings_reads_the_mailbox(settings):
    box = Mailbox()
    box.add(_eml(message_id="<imap-1@northwind.example>"))
    server, port = imap_server(box)
    try:
        settings.IMAP_HOST, settings.IMAP_PORT, settings.IMAP_SSL = "127.0.0.1", str(port), "false"
        settings.IMAP_USER, settings.IMAP_PASSWORD = box.user, box.password
        result = imap_poll_scheduled_task()
    finally:
        server.shutdown()
    assert result["created"] == 1 and not result["failed"]
    assert Message.objects.filter(email_message_id="<imap-1@northwind.example>").count() == 1


UPLOAD_URL = "/admin/tickets/ticket/upload-email/"


def _upload(client, *files):
    return client.post(UPLOAD_URL, {"files": list(files)}, follow=True)


def _file(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="message/rfc822")


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_change_list_has_the_upload_button(admin_client_):
    response = admin_client_.get("/admin/tickets/ticket/")
    assert response.status_code == 200
    assert UPLOAD_URL.encode() in response.content and b"Upload email" in response.content
    assert admin_client_.get(UPLOAD_URL).status_code == 200


def test_uploaded_eml_becomes_a_ticket_once(admin_client_, _intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(admin_client_, _file("vat.eml", _eml()))
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.subject == "Wrong VAT number on invoice"
    assert "wrong VAT number" in ticket.messages.get().body
    assert any(f"ticket #{ticket.pk}" in m and "stored as message" in m for m in _messages(response))
    assert _intake  # the new ticket was sent to triage

    again = _upload(admin_client_, _file("vat-again.eml", _eml()))
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert any("already stored" in m for m in _messages(again))


def test_several_files_are_reported_one_by_one(admin_client_):
    response = _upload(
        admin_client_,
        _file("a.eml", _eml("First question", message_id="<a@northwind.example>")),
        _file("b.eml", _eml("Second question", message_id="<b@northwind.example>")),
        _file("notes.txt", b"just some notes\nnot an email\n"),
    )
    texts = _messages(response)
    assert Ticket.objects.count() == 2
    assert sum("stored as message" in m for m in texts) == 2
    assert any(m.startswith("notes.txt: not an email") for m in texts)


def test_non_email_file_is_refused_and_nothing_stored(admin_client_):
    response = _upload(admin_client_, _file("photo.eml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary"))
    assert any("photo.eml: not an email" in m for m in _messages(response))
    assert not Ticket.objects.exists() and not Message.objects.exists()


def test_oversized_file_is_refused(admin_client_, settings):
    settings.EMAIL_INBOUND_MAX_BYTES = 100
    response = _upload(admin_client_, _file("big.eml", _eml("x" * 500)))
    assert any("big.eml" in m and "over the" in m for m in _messages(response))
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("client_fixture", ["lead_client", "agent_client", "client"])
def test_non_admins_cannot_upload(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(UPLOAD_URL, {"files": [_file("vat.eml", _eml())]})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    assert not Ticket.objects.exists()
