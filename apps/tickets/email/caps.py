"""Limits for what one email may put into a ticket, and the linguistic excerpt of an oversized body.

Nothing over a limit is dropped silently: non-text payloads (base64 images pasted as text, 700 KB runs of ``>``)
are replaced by a bracketed note saying how much was removed, an over-long text becomes its beginning and end with
a note in the middle, and attachments over a limit keep their name, type and size with a ``skipped_reason``.
Limits come from settings (or the environment) so a team can raise them; defaults are below.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from django.conf import settings

# A whitespace-free run this long is not language (base64, hex dumps, repeated characters).
NONTEXT_TOKEN_CHARS = 400
URL_TOKEN_CHARS = 2_048  # a URL longer than this is tracking data
_NONTEXT_TOKEN = re.compile(rf"\S{{{NONTEXT_TOKEN_CHARS},}}")
_BASE64_LINE = re.compile(r"^\s*[A-Za-z0-9+/]{40,}={0,2}\s*$")
_BASE64_TAIL = re.compile(r"^\s*[A-Za-z0-9+/]{4,}={0,2}\s*$")
BASE64_RUN_LINES = 3  # this many base64-looking lines in a row are an encoded blob


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass(frozen=True)
class EmailLimits:
    """Size limits for one inbound email (characters for text, bytes for attachments).

    Settings / environment: ``EMAIL_VISIBLE_MAX_CHARS`` (new text kept on the message and sent to triage, default
    20,000), ``EMAIL_QUOTED_MAX_CHARS`` (quoted history kept, default 20,000), ``EMAIL_ATTACHMENT_MAX_BYTES``
    (one file, default 10 MB), ``EMAIL_ATTACHMENTS_MAX_TOTAL_BYTES`` (all files of one message, default 25 MB),
    ``EMAIL_MAX_ATTACHMENTS`` (files per message, default 50).
    """

    visible_max_chars: int = 20_000
    quoted_max_chars: int = 20_000
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachments_max_total_bytes: int = 25 * 1024 * 1024
    max_attachments: int = 50

    @classmethod
    def from_settings(cls) -> EmailLimits:
        return cls(
            visible_max_chars=_setting("EMAIL_VISIBLE_MAX_CHARS", cls.visible_max_chars),
            quoted_max_chars=_setting("EMAIL_QUOTED_MAX_CHARS", cls.quoted_max_chars),
            attachment_max_bytes=_setting("EMAIL_ATTACHMENT_MAX_BYTES", cls.attachment_max_bytes),
            attachments_max_total_bytes=_setting("EMAIL_ATTACHMENTS_MAX_TOTAL_BYTES", cls.attachments_max_total_bytes),
            max_attachments=_setting("EMAIL_MAX_ATTACHMENTS", cls.max_attachments),
        )


def human_size(size: int) -> str:
    """``1536`` → ``"1.5 KB"`` (binary units, one decimal)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def nontext_strip(text: str) -> tuple[str, int]:
    """Replace non-linguistic payloads in ``text`` by a note; return ``(text, characters removed)``.

    Removed: whitespace-free runs of ≥ 400 characters (URLs only from 2,048), ``data:`` URIs, and runs of
    ≥ 3 consecutive base64-looking lines. Each removal leaves ``[non-text data removed: N characters]``.
    """
    removed = 0

    def token(match: re.Match) -> str:
        nonlocal removed
        value = match.group(0)
        if value.lower().startswith(("http://", "https://", "<http")) and len(value) < URL_TOKEN_CHARS:
            return value
        removed += len(value)
        return f"[non-text data removed: {len(value):,} characters]"

    text = _NONTEXT_TOKEN.sub(token, text)
    lines = text.split("\n")
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        nonlocal removed
        if len(run) >= BASE64_RUN_LINES:
            size = sum(len(line) for line in run)
            removed += size
            out.append(f"[non-text data removed: {size:,} characters]")
        else:
            out.extend(run)
        run.clear()

    for line in lines:
        if _BASE64_LINE.match(line) and not line.strip().isalpha():
            run.append(line)
            continue
        if len(run) >= BASE64_RUN_LINES and _BASE64_TAIL.match(line):
            run.append(line)  # the short last line of an encoded blob
            flush()
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out), removed


def _cut_at_boundary(text: str, limit: int, *, from_end: bool = False) -> str:
    """At most ``limit`` characters of ``text`` from its start (or end), cut at a paragraph, line or sentence end."""
    if len(text) <= limit:
        return text
    piece = text[-limit:] if from_end else text[:limit]
    separators = ("\n\n", "\n", ". ", " ")
    for separator in separators:
        position = piece.find(separator) if from_end else piece.rfind(separator)
        if position != -1 and (limit - position if from_end else position) > limit // 2:
            return piece[position + len(separator) :] if from_end else piece[: position + len(separator.strip())]
    return piece


def text_excerpt(text: str, *, max_chars: int, label: str = "Body") -> tuple[str, str]:
    """Return ``(excerpt, note)``: ``text`` itself and ``""`` when it fits, else its first ~3/4 and last ~1/4 (cut
    at paragraph, line or sentence ends) joined by a marker saying how many characters were left out, and a note
    for the message's parse notes."""
    if len(text) <= max_chars:
        return text, ""
    marker_budget = 120
    head = _cut_at_boundary(text, (max_chars - marker_budget) * 3 // 4)
    tail = _cut_at_boundary(text, (max_chars - marker_budget) // 4, from_end=True)
    omitted = len(text) - len(head) - len(tail)
    excerpt = f"{head.rstrip()}\n\n[… {omitted:,} characters left out of this {len(text):,}-character message …]\n\n"
    excerpt += tail.lstrip()
    note = f"{label} shortened from {len(text):,} to {len(excerpt):,} characters (limit {max_chars:,})."
    return excerpt, note
