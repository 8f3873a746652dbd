"""What the customer wrote now: the latest customer message without quoted history, signatures or disclaimers.

Triggers and the classifier look only at this text, so a refund mentioned in our own quoted reply, or a legal
disclaimer under the customer's signature, fires nothing.
"""

from __future__ import annotations

import re
import threading

from django.conf import settings
from mailparser_reply import EmailReplyParser

# Reply headers and sign-offs to recognise. Each language adds regexes run over every message (about 0.1 ms per
# language for a 500-character email), so the default is the languages the workspace sees; mail-parser-reply
# also knows cs, da, ja, ko, pl, sv and zh.
DEFAULT_REPLY_LANGUAGES = ("en", "de", "fr", "es", "it", "nl")
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$\n?", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_local = threading.local()


def _parser() -> EmailReplyParser:
    if not hasattr(_local, "parser"):
        languages = list(getattr(settings, "TRIAGE_REPLY_LANGUAGES", DEFAULT_REPLY_LANGUAGES))
        _local.parser = EmailReplyParser(languages=languages)
    return _local.parser


def text_now(body: str) -> str:
    """``body`` reduced to what its author wrote in this message.

    Drops reply headers with everything quoted below them ("On … wrote:", "Am … schrieb", Outlook blocks; in
    ``settings.TRIAGE_REPLY_LANGUAGES``, through mail-parser-reply), signatures and disclaimers after the
    sign-off, and ``>`` lines.
    Returns the ``>``-free text when the parser would leave nothing.
    """
    if not body:
        return ""
    unquoted = _QUOTED_LINE.sub("", body.replace("\r\n", "\n"))
    if "\n" not in unquoted.strip():  # one line (most chat messages): no reply header or signature block to drop
        return unquoted.strip()
    try:
        reply = _parser().read(unquoted).replies
        current = reply[0].body if reply else ""
    except Exception:  # the parser's regexes can fail on odd input; keep the unquoted text then
        current = ""
    current = current.strip() or unquoted.strip()
    return _BLANK_RUNS.sub("\n\n", current)
