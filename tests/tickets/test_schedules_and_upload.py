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
