"""Reading a mailbox over IMAP (stdlib ``imaplib``) into tickets.

Each poll searches the folder (``UNSEEN`` by default), fetches each message with ``BODY.PEEK[]`` (so it stays
unread until stored), hands the bytes to ``email_receive`` and only then flags it ``\\Seen``. A message that fails
is left unread and reported, and the others still go in; a re-read after a crash stores nothing twice because
``email_receive`` deduplicates. A message larger than ``EMAIL_INBOUND_MAX_BYTES`` is not downloaded: its headers
become a ticket that says so, and it is flagged in the mailbox for a person to look at.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from dataclasses import asdict, dataclass, field

from apps.core.errors import ApplicationError, ProviderError

from .caps import human_size
from .conf import setting, setting_bool, setting_int
from .inbound import email_receive

logger = logging.getLogger(__name__)

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class ImapSettings:
    host: str
    user: str
    password: str
    port: int = 993
    use_ssl: bool = True
    folder: str = "INBOX"
    search: str = "UNSEEN"
    mailbox: str = "support"
    batch: int = 50
    max_bytes: int = 40 * 1024 * 1024
    timeout: float = 30.0

    @classmethod
    def from_settings(cls) -> ImapSettings:
        """From settings/env (see ``conf.py``). Raises ``ApplicationError`` when ``IMAP_HOST`` or ``IMAP_USER`` is
        missing."""
        host, user = setting("IMAP_HOST"), setting("IMAP_USER")
        if not host or not user:
            raise ApplicationError("IMAP is not configured: set IMAP_HOST, IMAP_USER and IMAP_PASSWORD.")
        use_ssl = setting_bool("IMAP_SSL", True)
        return cls(
            host=host,
            user=user,
            password=setting("IMAP_PASSWORD"),
            port=setting_int("IMAP_PORT", 993 if use_ssl else 143),
            use_ssl=use_ssl,
            folder=setting("IMAP_FOLDER", "INBOX") or "INBOX",
            search=setting("IMAP_SEARCH", "UNSEEN") or "UNSEEN",
            mailbox=setting("IMAP_MAILBOX_NAME", "support") or "support",
            batch=setting_int("IMAP_BATCH", 50),
            max_bytes=setting_int("EMAIL_INBOUND_MAX_BYTES", 40 * 1024 * 1024),
        )


@dataclass
class ImapPollResult:
    """Counts of one poll; ``failed`` holds ``(uid, error)`` for messages left unread for the next poll."""

    found: int = 0
    created: int = 0
    duplicates: int = 0
    too_large: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _connect(config: ImapSettings) -> imaplib.IMAP4:
    if config.use_ssl:
        return imaplib.IMAP4_SSL(config.host, config.port, timeout=config.timeout)
    return imaplib.IMAP4(config.host, config.port, timeout=config.timeout)


def _check(response: tuple, what: str) -> list:
    status, data = response
    if status != "OK":
        raise ProviderError(f"IMAP {what} failed: {data!r}")
    return data


def _fetched_bytes(data: list) -> bytes:
    """The literal of a FETCH response (``[(b'1 (UID 1 BODY[] {123}', b'<bytes>'), b')']``)."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise ProviderError("IMAP FETCH returned no message body")


def _too_large_stub(headers: bytes, size: int, limit: int) -> bytes:
    note = (
        f"[This email is {human_size(size)}, over the {human_size(limit)} limit, so it was not downloaded. "
        "It is flagged in the mailbox; open it there.]"
    )
    head = headers.rstrip(b"\r\n")
    head = re.sub(rb"(?im)^content-(?:type|transfer-encoding):.*(?:\r?\n[ \t].*)*\r?\n?", b"", head + b"\r\n")
    return head.rstrip(b"\r\n") + b"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + note.encode() + b"\r\n"


def imap_receive_one(imap: imaplib.IMAP4, uid: bytes, *, config: ImapSettings, result: ImapPollResult) -> None:
    """Fetch message ``uid`` from the selected folder, store it, flag it ``\\Seen``; failures go to ``result``."""
    name = uid.decode()
    try:
        meta = b" ".join(
            x if isinstance(x, bytes) else x[0] for x in _check(imap.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
        )
        match = _SIZE.search(meta)
        size = int(match.group(1)) if match else 0
        if size > config.max_bytes:
            headers = _fetched_bytes(_check(imap.uid("FETCH", uid, "(BODY.PEEK[HEADER])"), "FETCH header"))
            raw = _too_large_stub(headers, size, config.max_bytes)
            result.too_large += 1
            flags = "(\\Seen \\Flagged)"
        else:
            raw = _fetched_bytes(_check(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH"))
            flags = "(\\Seen)"
        _, _, created = email_receive(raw=raw, mailbox=config.mailbox)
        _check(imap.uid("STORE", uid, "+FLAGS", flags), "STORE")
    except (ApplicationError, imaplib.IMAP4.error, OSError) as error:
        logger.warning("IMAP message %s left unread: %s", name, error)
        result.failed.append((name, str(error)))
        return
    if created:
        result.created += 1
    else:
        result.duplicates += 1


def imap_poll(*, config: ImapSettings | None = None) -> ImapPollResult:
    """Read up to ``config.batch`` messages matching ``config.search`` from ``config.folder`` into tickets.

    ``config`` defaults to ``ImapSettings.from_settings()``. Returns an ``ImapPollResult``. Raises
    ``ProviderError`` when the server cannot be reached, the login fails or the folder cannot be selected (one bad
    message never stops the others; it is reported in ``failed`` and left unread).
    """
    config = config or ImapSettings.from_settings()
    result = ImapPollResult()
    try:
        imap = _connect(config)
    except (OSError, imaplib.IMAP4.error) as error:
        raise ProviderError(f"Cannot reach IMAP server {config.host}:{config.port}: {error}") from error
    try:
        try:
            imap.login(config.user, config.password)
        except imaplib.IMAP4.error as error:
            raise ProviderError(f"IMAP login failed for {config.user}: {error}") from error
        _check(imap.select(config.folder), f"SELECT {config.folder}")
        uids = _check(imap.uid("SEARCH", None, config.search), "SEARCH")[0].split()
        result.found = len(uids)
        for uid in uids[: config.batch]:
            imap_receive_one(imap, uid, config=config, result=result)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    return result
