"""Raw RFC 822 bytes (or a plain-text body) to what the product keeps of one email.

MIME, headers, encoded words (RFC 2047) and RFC 2231 filenames: the standard library's ``email`` package with
``policy.default``. Reply splitting: ``quotes.reply_split`` (talon + mail-parser-reply + post-filters).
HTML-only mail: talon's HTML quote removal, then html2text. Limits: ``caps.EmailLimits``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from .caps import EmailLimits, human_size, nontext_strip, text_excerpt
from .htmltext import html_reply_extract, html_shrink, html_to_text
from .quotes import ReplyParts, normalize_newlines, reply_split

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_SNIFF_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "received",
    "mime-version",
    "content-type",
    "return-path",
    "delivered-to",
    "cc",
    "reply-to",
    "in-reply-to",
    "references",
}
# charset labels mail software writes for Windows-1252 text (the WHATWG encoding standard maps them the same way)
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso_8859-1": "cp1252",
    "x-user-defined": "cp1252",
    "unknown-8bit": "utf-8",
    "utf8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}


@dataclass
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@dataclass
class EmailAttachment:
    """One attached (or inline) file. ``content`` is ``None`` when the file was not kept (``skipped_reason`` says
    why); ``size`` is always the decoded size in bytes."""

    filename: str
    content_type: str
    size: int
    content: bytes | None = field(default=None, repr=False)
    skipped_reason: str = ""
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    """What the product keeps of one email. Text fields are ``str`` (never ``None``); addresses are ``Address``.

    ``visible_text``: the new text only (quotes and signature removed, capped with a note);
    ``reply_text``: the new text with its signature; ``quoted_text``: the quoted history (capped);
    ``notes``: what was capped or skipped, in words; ``flags``: the same as booleans and counts.
    """

    subject: str = ""
    from_: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    visible_text: str = ""
    quoted_text: str = ""
    signature: str = ""
    reply_text: str = ""
    html_only: bool = False
    inline_reply: bool = False
    auto_submitted: bool = False
    attachments: list[EmailAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flags: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    full_text: str = field(default="", repr=False)
    content_hash: str = ""

    @property
    def body_capped(self) -> bool:
        return bool(self.flags.get("body_capped"))

    @property
    def attachments_skipped(self) -> int:
        return sum(1 for a in self.attachments if a.skipped_reason)

    @property
    def dedupe_key(self) -> str:
        """The Message-ID, or ``sha256:<hash>`` of the sender, date, subject and text when there is none."""
        return self.message_id or f"sha256:{self.content_hash}"

    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, most specific first (In-Reply-To, then References newest first)."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [ref for ref in reversed(self.references) if ref not in ids]
        return ids

    def participants(self) -> list[str]:
        """Lower-cased addresses of From, To, Cc and Reply-To."""
        people = ([self.from_] if self.from_ else []) + self.to + self.cc + self.reply_to
        return list(dict.fromkeys(a.email.lower() for a in people if a.email))

    def to_dict(self) -> dict:
        """JSON-ready view: ``visible_text`` first, then ``quoted_text``, ``signature``, subject and thread keys."""
        return {
            "visible_text": self.visible_text,
            "quoted_text": self.quoted_text,
            "signature": self.signature,
            "subject": self.subject,
            "message_id": self.message_id,
            "in_reply_to": self.in_reply_to,
            "references": self.references,
            "from": str(self.from_) if self.from_ else "",
            "to": [str(a) for a in self.to],
            "cc": [str(a) for a in self.cc],
            "date": self.date.isoformat() if self.date else None,
            "html_only": self.html_only,
            "inline_reply": self.inline_reply,
            "attachments": [{k: v for k, v in asdict(a).items() if k != "content"} for a in self.attachments],
            "notes": self.notes,
            "flags": self.flags,
        }


# --- decoding ------------------------------------------------------------------------------------------------------
def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Decode ``payload`` with its declared ``charset``; on a missing, unknown or wrong label try UTF-8, then
    charset detection (chardet), then Windows-1252. Never raises."""
    label = (charset or "").strip().strip('"').lower()
    label = _CHARSET_ALIASES.get(label, label)
    if label == "cp1252":
        try:
            return (
                payload.decode("utf-8") if not payload.isascii() and _valid_utf8(payload) else payload.decode("cp1252")
            )
        except UnicodeDecodeError:
            return payload.decode("latin-1")
    if label:
        try:
            return payload.decode(label)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        import chardet

        guess = chardet.detect(payload[:100_000]).get("encoding")
        if guess:
            return payload.decode(guess, errors="replace")
    except (ImportError, LookupError):
        pass
    return payload.decode("cp1252", errors="replace")


def _valid_utf8(payload: bytes) -> bool:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header_text(value) -> str:
    """A header value as clean text: encoded words decoded by the policy; raw 8-bit bytes (sent without encoded
    words) re-decoded as UTF-8 or Windows-1252 instead of showing as surrogates; folding whitespace collapsed."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        raw = text.encode("utf-8", "surrogateescape")
        text = decode_bytes(raw, None)
    text = text.replace("\x00", "")  # NUL cannot be stored in PostgreSQL text or jsonb (found by fuzzing)
    return re.sub(r"\s+", " ", text).strip()


def _raw_headers(message: EmailMessage, name: str) -> list:
    """Header objects for ``name``, rebuilt from the raw value when it holds unencoded 8-bit bytes (the policy would
    show those as U+FFFD): the bytes are decoded as UTF-8 or Windows-1252 first, encoded words after."""
    found = []
    for raw_name, raw_value in message.raw_items():
        if raw_name.lower() != name.lower():
            continue
        try:
            if isinstance(raw_value, str) and any("\udc80" <= ch <= "\udcff" for ch in raw_value):
                repaired = decode_bytes(raw_value.encode("ascii", "surrogateescape"), None)
                found.append(policy.default.header_factory(raw_name, re.sub(r"\r?\n[ \t]+", " ", repaired)))
            else:
                found.append(message.policy.header_fetch_parse(raw_name, raw_value))
        except (IndexError, ValueError, TypeError, HeaderParseError):  # "Message-ID: <>", 'From: "x" <' (fuzzing)
            found.append(re.sub(r"\r?\n[ \t]+", " ", str(raw_value)))  # the text as sent
    return found


def _header(message: EmailMessage, name: str):
    values = _raw_headers(message, name)
    return values[0] if values else None


def _addresses(message: EmailMessage, name: str) -> list[Address]:
    values = _raw_headers(message, name)
    found: list[Address] = []
    for value in values:
        try:
            parsed = [(a.display_name, a.addr_spec) for a in value.addresses]
        except Exception:  # malformed header: fall back to the lenient parser
            parsed = getaddresses([_header_text(value)])
        for display, addr in parsed:
            addr = (addr or "").strip().strip("<>")
            if "@" in addr:
                found.append(Address(name=_header_text(display), email=addr))
    return found


def _ids(value) -> list[str]:
    return _MESSAGE_ID.findall(_header_text(value))


def _date(message: EmailMessage) -> datetime | None:
    value = _header(message, "Date")
    if value is None:
        return None
    try:
        parsed = getattr(value, "datetime", None) or parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def unflow(text: str, *, delsp: bool = False) -> str:
    """Undo ``format=flowed`` (RFC 3676): join soft-broken lines (ending with a space) of the same quote depth and
    remove space-stuffing. The signature delimiter ``"-- "`` is never joined."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for raw in text.split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        content = raw[depth:]
        if content.startswith(" "):
            content = content[1:]
        flowed = content.endswith(" ") and content != "-- "
        if pending is not None and depth == pending_depth:
            pending += content
        else:
            if pending is not None:
                out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
            pending, pending_depth = content, depth
        if flowed:
            if delsp:
                pending = pending[:-1]
            continue
        out.append(">" * pending_depth + (" " if pending_depth and pending else "") + pending)
        pending = None
    if pending is not None:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    text = decode_bytes(payload, part.get_content_charset())
    text = normalize_newlines(text)
    params = {k.lower(): v.lower() for k, v in part.get_params(header="content-type", failobj=[]) if v}
    if part.get_content_subtype() == "plain" and params.get("format") == "flowed":
        text = unflow(text, delsp=params.get("delsp") == "yes")
    return text


# --- MIME walking --------------------------------------------------------------------------------------------------
def _leaves(part: EmailMessage):
    """Leaf parts in order; a ``message/rfc822`` part (a forwarded email) is one leaf, not walked into."""
    if part.get_content_type() == "message/rfc822" and part is not None:
        yield part
        return
    if part.is_multipart():
        for sub in part.iter_parts():
            yield from _leaves(sub)
        return
    yield part


def _is_body_candidate(part: EmailMessage) -> bool:
    return (
        part.get_content_maintype() == "text"
        and part.get_content_subtype() in ("plain", "html")
        and not part.get_filename()
        and part.get_content_disposition() != "attachment"
    )


def _filename(part: EmailMessage, index: int) -> str:
    name = _header_text(part.get_filename() or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or ""
    if not name:
        subtype = part.get_content_subtype() or "bin"
        extension = {"rfc822": "eml", "plain": "txt", "jpeg": "jpg", "octet-stream": "bin"}.get(subtype, subtype)
        name = f"attachment-{index}.{extension}"
    return name[:300]


def _attachment_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return inner.as_bytes(policy=policy.SMTP) if hasattr(inner, "as_bytes") else b""
    return part.get_payload(decode=True) or b""


def _attachments(parts: list[EmailMessage], limits: EmailLimits, notes: list[str]) -> list[EmailAttachment]:
    found: list[EmailAttachment] = []
    kept_bytes = 0
    skipped = {"size": 0, "total": 0, "count": 0}
    for index, part in enumerate(parts, start=1):
        content = _attachment_bytes(part)
        attachment = EmailAttachment(
            filename=_filename(part, index),
            content_type=part.get_content_type(),
            size=len(content),
            inline=part.get_content_disposition() == "inline",
            content_id=_header_text(part.get("Content-ID", "")).strip("<>"),
        )
        if len(found) >= limits.max_attachments:
            attachment.skipped_reason = f"more than {limits.max_attachments} attachments in one message"
            skipped["count"] += 1
        elif attachment.size > limits.attachment_max_bytes:
            attachment.skipped_reason = (
                f"{human_size(attachment.size)} is over the {human_size(limits.attachment_max_bytes)} limit per file"
            )
            skipped["size"] += 1
        elif kept_bytes + attachment.size > limits.attachments_max_total_bytes:
            attachment.skipped_reason = (
                f"over the {human_size(limits.attachments_max_total_bytes)} limit for all files of one message"
            )
            skipped["total"] += 1
        else:
            attachment.content = content
            kept_bytes += attachment.size
        found.append(attachment)
    count = sum(skipped.values())
    if count:
        total = sum(a.size for a in found if a.skipped_reason)
        notes.append(
            f"{count} of {len(found)} attachments ({human_size(total)}) not stored: over the size limits "
            f"({human_size(limits.attachment_max_bytes)} per file, "
            f"{human_size(limits.attachments_max_total_bytes)} per message, {limits.max_attachments} files)."
        )
    return found


# --- public --------------------------------------------------------------------------------------------------------
def _finish(parsed: ParsedEmail, parts: ReplyParts, *, limits: EmailLimits, removed: int) -> ParsedEmail:
    visible, note = text_excerpt(parts.visible_text, max_chars=limits.visible_max_chars)
    quoted, quoted_note = text_excerpt(parts.quoted_text, max_chars=limits.quoted_max_chars, label="Quoted history")
    parsed.visible_text, parsed.quoted_text = visible, quoted
    parsed.signature = parts.signature[:5_000]
    parsed.reply_text = parts.reply_text if len(parts.reply_text) <= limits.visible_max_chars else visible
    parsed.inline_reply = parts.inline_reply
    if removed:
        parsed.notes.append(f"{removed:,} characters of non-text data (encoded images, binary runs) removed.")
    if note:
        parsed.notes.append(note)
    if quoted_note:
        parsed.notes.append(quoted_note)
    parsed.flags.update(
        body_capped=bool(note or removed),
        nontext_removed_chars=removed,
        attachments_skipped=parsed.attachments_skipped,
        html_only=parsed.html_only,
        inline_reply=parsed.inline_reply,
        empty=not parsed.visible_text.strip(),
    )
    return parsed


def _hash(*values: str) -> str:
    digest = hashlib.sha256()
    for value in values:
        digest.update(value.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def email_parse(raw: bytes, *, limits: EmailLimits | None = None) -> ParsedEmail:
    """Parse one raw RFC 822 message (``bytes`` exactly as received: SMTP, IMAP ``RFC822``, an ``.eml`` file).

    Returns a ``ParsedEmail``: decoded subject and addresses, thread keys (``message_id``, ``in_reply_to``,
    ``references`` as ``<id>`` strings), date (aware, UTC when the header has no zone), the new text split from
    quote and signature, attachments with bytes (or a ``skipped_reason``), and notes on anything capped.
    Plain text is preferred over HTML; HTML-only mail is converted to text. Never raises on malformed mail:
    defects degrade to empty fields. Raises ``TypeError`` when ``raw`` is not bytes.
    """
    if not isinstance(raw, bytes | bytearray):
        raise TypeError("email_parse needs the raw message as bytes")
    limits = limits or EmailLimits.from_settings()
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(bytes(raw))
    parsed = ParsedEmail()
    parsed.subject = _header_text(_header(message, "Subject"))
    senders = _addresses(message, "From")
    parsed.from_ = senders[0] if senders else None
    parsed.to, parsed.cc = _addresses(message, "To"), _addresses(message, "Cc")
    parsed.reply_to = _addresses(message, "Reply-To")
    message_ids = _ids(_header(message, "Message-ID"))
    parsed.message_id = message_ids[0] if message_ids else ""
    reply_ids = _ids(_header(message, "In-Reply-To"))
    parsed.in_reply_to = reply_ids[0] if reply_ids else ""
    parsed.references = list(dict.fromkeys(_ids(_header(message, "References"))))
    parsed.date = _date(message)
    auto = _header_text(_header(message, "Auto-Submitted")).lower()
    precedence = _header_text(_header(message, "Precedence")).lower()
    parsed.auto_submitted = bool(
        (auto and auto != "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or _header_text(_header(message, "X-Autoreply"))
        or _header_text(_header(message, "X-Autorespond"))
    )
    parsed.headers = {
        name: _header_text(_header(message, name))
        for name in ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "Auto-Submitted", "List-Id")
        if name in message  # membership does not parse the value (a malformed one may not parse)
    }

    leaves = list(_leaves(message))
    plain = [p for p in leaves if _is_body_candidate(p) and p.get_content_subtype() == "plain"]
    html = [p for p in leaves if _is_body_candidate(p) and p.get_content_subtype() == "html"]
    plain_text = "\n\n".join(t for t in (_part_text(p) for p in plain) if t.strip())
    body_parts = set(map(id, plain))
    sender = str(parsed.from_) if parsed.from_ else ""
    if plain_text.strip():
        text, removed = nontext_strip(plain_text)
        parts = reply_split(text, sender=sender)
        parsed.full_text = plain_text
    elif html:
        parsed.html_only = True
        body_parts = set(map(id, html))
        html_source, html_note = html_shrink(_part_text(html[0]))
        if html_note:
            parsed.notes.append(html_note)
        full_text = html_to_text(html_source)
        reply_html_text = html_to_text(html_reply_extract(html_source))
        full_text, removed = nontext_strip(full_text)
        reply_html_text, _ = nontext_strip(reply_html_text)
        parts = reply_split(reply_html_text, sender=sender)
        if len(reply_html_text) < len(full_text):  # what talon took away is the quoted history
            remainder = full_text[len(reply_html_text) :].strip() if full_text.startswith(reply_html_text) else ""
            quoted = "\n\n".join(q for q in (parts.quoted_text, remainder or full_text) if q)
            parts = ReplyParts(parts.visible_text, quoted, parts.signature, parts.reply_text, parts.inline_reply)
        parsed.full_text = full_text
        parsed.notes.append("HTML-only message converted to text.")
    else:
        parts, removed = ReplyParts("", "", "", ""), 0
    attachment_parts = [
        p
        for p in leaves
        if id(p) not in body_parts
        and not (_is_body_candidate(p) and p.get_content_subtype() == "html" and not parsed.html_only)
    ]
    parsed.attachments = _attachments(attachment_parts, limits, parsed.notes)
    parsed.content_hash = _hash(sender, parsed.headers.get("Date", ""), parsed.subject, parsed.full_text)
    return _finish(parsed, parts, limits=limits, removed=removed)


def looks_like_rfc822(data: bytes) -> bool:
    """True when ``data`` starts with at least two RFC 822 header lines (From:, Subject:, Received: …)."""
    head = data[:4096].decode("latin-1").replace("\r\n", "\n").split("\n\n", 1)[0]
    names = [line.split(":", 1)[0].lower() for line in head.split("\n") if _HEADER_LINE.match(line)]
    return len(set(names) & _SNIFF_HEADERS) >= 2 and _HEADER_LINE.match(head.split("\n", 1)[0]) is not None


def text_parse(text: str, *, sender: str = "", subject: str = "", limits: EmailLimits | None = None) -> ParsedEmail:
    """Parse a plain-text body (no headers): split new text, quote and signature, apply the text caps.
    ``sender``: display name and/or address of the author, used to find name signatures."""
    limits = limits or EmailLimits.from_settings()
    parsed = ParsedEmail(subject=subject)
    text = normalize_newlines(text)
    parsed.full_text = text
    clean, removed = nontext_strip(text)
    parts = reply_split(clean, sender=sender)
    parsed.content_hash = _hash(sender, subject, text)
    return _finish(parsed, parts, limits=limits, removed=removed)


def file_parse(path, *, sender: str = "", limits: EmailLimits | None = None) -> ParsedEmail:
    """Parse a file the way ``manage.py parse_email`` does: ``.eml`` (or any file starting with RFC 822 headers)
    as a raw message, ``.html``/``.htm`` as an HTML body, anything else as a plain-text body (UTF-8, falling back
    to charset detection). ``sender``: author name/address for plain-text bodies. Raises ``OSError`` when the
    file cannot be read."""
    from pathlib import Path

    data = Path(path).read_bytes()
    suffix = Path(path).suffix.lower()
    if suffix == ".eml" or looks_like_rfc822(data):
        return email_parse(data, limits=limits)
    if suffix in (".html", ".htm"):
        return email_parse(b"Content-Type: text/html; charset=utf-8\n\n" + data, limits=limits)
    return text_parse(decode_bytes(data, None), sender=sender, limits=limits)
