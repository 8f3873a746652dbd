"""The inbound-mail webhook's two jobs besides storing: checking the caller and finding the raw message.

Authentication (``EMAIL_INBOUND_SECRET``), any one of:
- ``X-Inbound-Signature: sha256=<hex>``: HMAC-SHA256 of the request body with the secret (our own senders);
- ``X-Inbound-Token: <secret>`` (a relay that can only add a fixed header);
- HTTP Basic auth with the secret as password (SendGrid Inbound Parse: ``https://inbound:<secret>@host/...``);
- Mailgun's form fields ``timestamp``, ``token``, ``signature`` = HMAC-SHA256(secret, timestamp + token), the
  timestamp within 15 minutes (Mailgun's webhook signing key is the secret).
Comparisons are constant-time. Bodies: raw MIME (``message/rfc822``), or a form (multipart or urlencoded) with
the raw message in ``email`` (SendGrid, "POST the raw, full MIME message") or ``body-mime`` (Mailgun's
``/mime`` route). Multipart forms are read with the standard ``email`` parser so a 30 MB message is not refused
by ``DATA_UPLOAD_MAX_MEMORY_SIZE``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs

RAW_FIELDS = ("email", "body-mime")
MAILGUN_MAX_AGE_SECONDS = 15 * 60
RAW_CONTENT_TYPES = ("message/rfc822", "application/octet-stream", "text/plain")


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    """Fields of a ``multipart/form-data`` or ``application/x-www-form-urlencoded`` body, as bytes (first value of
    each name). Files and fields alike; ``{}`` for other content types."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        parsed = parse_qs(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        return {k: v[0].encode("latin-1") for k, v in parsed.items() if v}
    if kind != "multipart/form-data":
        return {}
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    form = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, bytes] = {}
    if not form.is_multipart():
        return fields
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name or name in fields:
            continue
        payload = part.get_payload(decode=True)
        if payload is None:  # a nested message part: keep its bytes
            inner = part.get_payload()
            payload = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
        fields[str(name)] = payload
    return fields


def raw_message(content_type: str, body: bytes, fields: dict[str, bytes]) -> bytes | None:
    """The raw RFC 822 message carried by a webhook request, or ``None`` when there is none."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in RAW_CONTENT_TYPES:
        return body or None
    for name in RAW_FIELDS:
        if fields.get(name):
            return fields[name]
    return None


def _hmac_hex(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), data, hashlib.sha256).hexdigest()


def request_authentic(*, secret: str, headers: dict, body: bytes, fields: dict[str, bytes]) -> bool:
    """True when the request proves it knows ``secret`` in one of the ways listed in the module docstring.
    ``headers``: request headers (case-insensitive mapping, e.g. ``request.headers``)."""
    if not secret:
        return False
    signature = headers.get("X-Inbound-Signature", "")
    if signature:
        given = signature.split("=", 1)[1] if signature.lower().startswith("sha256=") else signature
        if hmac.compare_digest(given.strip().lower(), _hmac_hex(secret, body)):
            return True
    token = headers.get("X-Inbound-Token", "")
    if token and hmac.compare_digest(token.encode("utf-8"), secret.encode("utf-8")):
        return True
    authorization = headers.get("Authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            _, _, password = base64.b64decode(authorization[6:].strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            password = ""
        if password and hmac.compare_digest(password.encode("utf-8"), secret.encode("utf-8")):
            return True
    stamp, nonce, mailgun = (fields.get(k, b"").decode("latin-1") for k in ("timestamp", "token", "signature"))
    if stamp and nonce and mailgun:
        try:
            fresh = abs(time.time() - int(stamp)) <= MAILGUN_MAX_AGE_SECONDS
        except ValueError:
            fresh = False
        if fresh and hmac.compare_digest(mailgun.lower(), _hmac_hex(secret, (stamp + nonce).encode("latin-1"))):
            return True
    return False
