"""Settings of the email channel, read from Django settings first and the environment second.

=================================  ==========================================================================
``EMAIL_INBOUND_SECRET``           shared secret of the inbound webhook (header token, HMAC key, Mailgun key)
``EMAIL_INBOUND_MAX_BYTES``        largest webhook request accepted, default 40 MB
``EMAIL_SUPPORT_ADDRESS``          From of replies, default ``DEFAULT_FROM_EMAIL``
``EMAIL_OWN_ADDRESSES``            comma-separated addresses of our own mailboxes (never CC'd, never customers)
``EMAIL_MESSAGE_ID_DOMAIN``        domain of the Message-IDs we generate, default the support address's domain
``EMAIL_NOTIFY_SKIPPED``           tell senders when attachments were not stored (default true)
``IMAP_HOST`` ``IMAP_PORT``        IMAP server (port default 993 with SSL, 143 without)
``IMAP_USER`` ``IMAP_PASSWORD``    IMAP login
``IMAP_SSL``                       IMAP over TLS, default true
``IMAP_FOLDER``                    folder to read, default ``INBOX``
``IMAP_SEARCH``                    which messages, default ``UNSEEN``
``IMAP_MAILBOX_NAME``              our name for that mailbox (stored on tickets), default ``support``
``IMAP_BATCH``                     messages per poll, default 50
=================================  ==========================================================================
"""

from __future__ import annotations

import os

from django.conf import settings


def setting(name: str, default: str = "") -> str:
    """``settings.<name>``, else the environment variable, else ``default`` (as text)."""
    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return str(value)


def setting_int(name: str, default: int) -> int:
    value = setting(name, "")
    return int(value) if value.strip() else default


def setting_bool(name: str, default: bool) -> bool:
    value = setting(name, "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


def support_address() -> str:
    return setting("EMAIL_SUPPORT_ADDRESS", "") or settings.DEFAULT_FROM_EMAIL


def own_addresses() -> set[str]:
    """Lower-cased addresses that are ours: the support address, ``DEFAULT_FROM_EMAIL``, ``EMAIL_OWN_ADDRESSES``."""
    from email.utils import parseaddr

    found = {parseaddr(support_address())[1].lower(), parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    found.update(a.strip().lower() for a in setting("EMAIL_OWN_ADDRESSES", "").split(",") if a.strip())
    return {a for a in found if a}
