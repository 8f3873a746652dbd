"""django-q2 tasks of the email channel: thin wrappers that load rows by id and call one service."""

from __future__ import annotations

from apps.tickets.models import Message

from .imap import ImapPollResult, imap_poll
from .outbound import email_skipped_notice_send


def email_skipped_notice_task(message_id: int) -> bool:
    """Send the "attachments not stored" notice for inbound message ``message_id``; True when an email went out."""
    message = Message.objects.filter(pk=message_id).first()
    return bool(message and email_skipped_notice_send(message=message))


def imap_poll_task() -> dict:
    """Poll the IMAP mailbox configured in settings/env once (schedule this every minute or two)."""
    result: ImapPollResult = imap_poll()
    return result.as_dict()
