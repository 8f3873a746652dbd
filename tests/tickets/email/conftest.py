"""Fixtures for the email channel tests: settings, a message builder, media in a temporary folder."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

SECRET = "inbound-test-secret"


@pytest.fixture(autouse=True)
def email_settings(settings, tmp_path):
    settings.EMAIL_INBOUND_SECRET = SECRET
    settings.EMAIL_SUPPORT_ADDRESS = "Support <support@switchboard.example>"
    settings.EMAIL_OWN_ADDRESSES = "billing@switchboard.example"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@pytest.fixture
def build_email():
    """Build raw bytes of an email: ``build_email(body, subject=…, sender=…, headers={…}, attachments=[…])``."""

    def build(
        body: str = "Hello",
        *,
        subject: str = "Help",
        sender: str = "Dana Ruiz <dana.ruiz@northwind.example>",
        to: str = "support@switchboard.example",
        message_id: str | None = None,
        headers: dict | None = None,
        attachments: list[tuple[str, str, bytes]] | None = None,
    ) -> bytes:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        if message_id:
            message["Message-ID"] = message_id
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(body)
        for filename, content_type, data in attachments or []:
            maintype, subtype = content_type.split("/", 1)
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return message.as_bytes()

    return build


@pytest.fixture(autouse=True)
def triage_calls(probe_triage):
    """Triage enqueued by intake goes to the probe task (the engine is tested elsewhere); the list of calls."""
    return probe_triage
