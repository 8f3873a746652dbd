"""Separating the new text of an email reply from the quoted history and the signature.

Pipeline (plain text): talon's ``quotations.extract_from_plain`` and mail-parser-reply (all its languages) each
propose where the quote starts; our post-filter (``quote_start``) proposes the first quote start it recognises from
``patterns.py``; the earliest wins. When the quoted part holds answers written between ``>`` blocks (inline or
bottom-posted replies), those answers become the visible text. ``signature.signature_split`` then takes the
signature off the new text. HTML mail goes through talon's ``extract_from_html`` first (see ``htmltext.py``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from . import patterns as p
from .signature import signature_split

logger = logging.getLogger(__name__)

# Libraries get at most this much text; the new text of a reply sits at the top, the rest is quote or overflow.
LIBRARY_MAX_CHARS = 60_000
LIBRARY_MAX_LINES = 1_000  # talon silently keeps only the first 1,000 lines (its MAX_LINES_COUNT)
HEADER_MAX_LINES = 4  # a reply header wraps over at most this many lines
OUTLOOK_WINDOW = 7  # header labels of one Outlook block sit within this many lines


@dataclass(frozen=True)
class ReplyParts:
    """The parts of one message body. ``reply_text`` is the new text with its signature (what talon calls the reply);
    ``visible_text`` is the new text without signature; ``inline_reply`` is True when the answers were written
    between quoted lines (only the answers are in ``visible_text``; the quoted lines are in ``quoted_text``)."""

    visible_text: str
    quoted_text: str
    signature: str
    reply_text: str
    inline_reply: bool = False


@lru_cache(maxsize=1)
def _talon():
    import warnings

    import talon
    from talon import quotations

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        talon.init()  # registers the XPath extensions extract_from_html needs; the ML signature part stays off
    return quotations


def _mail_parser_reply():
    from mailparser_reply import EmailReplyParser
    from mailparser_reply.constants import MAIL_LANGUAGES

    return EmailReplyParser(languages=list(MAIL_LANGUAGES))


def normalize_newlines(text: str) -> str:
    """``\\r\\n`` and ``\\r`` to ``\\n``; zero-width characters and the BOM removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", text)


def _library_reply(text: str) -> str | None:
    """The new text according to talon, then mail-parser-reply; ``None`` when a library fails."""
    try:
        reply = _talon().extract_from_plain(text)
    except Exception:  # a library bug must not lose the message: fall back to our own filters
        logger.warning("talon failed on a message; using the post-filters only", exc_info=True)
        reply = text
    try:
        parsed = _mail_parser_reply().read(reply)
    except Exception:
        logger.warning("mail-parser-reply failed on a message; using talon's result", exc_info=True)
        return reply
    if not parsed.replies:
        return reply
    first = parsed.replies[0]
    if first.headers:  # the text starts with a quote header: no new text above it
        return ""
    return first.full_body


def _consumed_lines(lines: list[str], reply: str) -> int | None:
    """How many lines of ``lines`` the library's ``reply`` covers (it is a prefix modulo whitespace)."""
    wanted = [line.strip() for line in reply.split("\n") if line.strip()]
    if not wanted:
        return 0
    index = 0
    for want in wanted:
        while index < len(lines) and lines[index].strip() != want:
            index += 1
        if index == len(lines):
            return None  # the library changed the text: don't trust its cut
        index += 1
    return index


def _is_quote_line(line: str) -> bool:
    return line.lstrip().startswith(">")


def _header_window(lines: list[str], end: int) -> int | None:
    """If a reply header ends on line ``end``, the index of its first line, else ``None``.

    Forms: the verb last ("On … <a@b.c> wrote:"), the verb before the author ("Am … schrieb Max <m@x.de>:",
    wrapped as "<m@x.de\n>:"), and verbless ("ср, 30 апр. 2025 г. в 15:19, John <j@x.com>:"). The first line must
    start like a header (a lead word such as On/Am/Le/El/Op/W dniu, or a date), or — for the verb-last form only —
    the header must hold a date or an address.
    """
    last = lines[end].strip()
    if not last.endswith((":", "：")) and not p.WROTE_END.search(last):
        return None
    verb_end = bool(p.WROTE_END.search(last))
    verbless_end = bool(p.VERBLESS_END.search(last))
    fallback = None
    for size in range(1, HEADER_MAX_LINES + 1):
        start = end - size + 1
        if start < 0 or (size > 1 and not lines[start].strip()):
            break
        window = " ".join(line.strip() for line in lines[start : end + 1])
        if len(window) > 400:
            break
        has_date = bool(p.DATE_OR_TIME.search(window))
        has_address = bool(p.EMAIL_ADDRESS.search(window))
        first = lines[start].lstrip("> ").strip()
        lead = bool(p.HEADER_LEAD.match(first))
        date_start = bool(p.HEADER_DATE_START.match(first))
        if verb_end and (lead or (date_start and (has_date or has_address))):
            return start
        if (lead or date_start) and (has_date or has_address) and p.WROTE_NAMED.search(window):
            return start
        if (
            (verbless_end or p.VERBLESS_END.search(window))
            and has_date
            and has_address
            and (lead or date_start or size == 1)
        ):
            return start
        if verb_end and fallback is None and (has_date or has_address):
            fallback = start  # e.g. "... <a@b.c> kirjoitti:" whose first line we have not found yet
    return fallback


def _outlook_block(lines: list[str], start: int) -> bool:
    """True when a header block (From:/Sent:/To:/Subject: in any language) starts at ``start``: two kinds of label
    within a few lines, and an address or a dated Sent/Date line among them (so "From: the dashboard" prose is
    not a header)."""
    match = p.HEADER_LINE.match(lines[start].lstrip("> "))
    if not match:
        return False
    kind = p.LABEL_KIND.get(match.group(1).lower())
    if kind not in ("from", "sent"):
        return False
    kinds = {kind}
    block = [lines[start]]
    for line in lines[start + 1 : start + OUTLOOK_WINDOW]:
        other = p.HEADER_LINE.match(line.lstrip("> "))
        if other:
            kinds.add(p.LABEL_KIND.get(other.group(1).lower()))
            block.append(line)
    evidence = any(p.EMAIL_ADDRESS.search(line) for line in lines[start : start + OUTLOOK_WINDOW]) or any(
        p.LABEL_KIND.get(p.HEADER_LINE.match(b.lstrip("> ")).group(1).lower()) == "sent" and re.search(r"\d", b)
        for b in block
    )
    return len(kinds) >= 2 and bool(kinds & {"to", "subject", "sent"}) and evidence


def quote_start(lines: list[str]) -> tuple[int, str] | None:
    """Index of the first line of the quoted history in ``lines`` and its kind, or ``None``.

    Kinds: ``quote`` (a ``>`` line), ``header`` ("On … wrote:" in any language, or a verbless
    "<date>, <name> <address>:" header, over up to 4 lines), ``outlook`` (a From:/Sent:/To:/Subject: block),
    ``original`` ("-----Original Message-----", forwarded-message separators), ``mobile`` (a "Sent from my …"
    line followed by more text: the text after it is the quoted message).
    """
    last_content = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        header_first = _header_window(lines, index)
        if header_first is not None:
            return header_first, "header"
        if _is_quote_line(line):
            return index, "quote"
        if p.ORIGINAL_MESSAGE.match(stripped) or p.BEGIN_FORWARDED.match(stripped):
            return index, "original"
        if _outlook_block(lines, index):
            return index, "outlook"
        if p.MOBILE_SIGNATURE.match(stripped) and index < last_content:
            return index + 1, "mobile"
    return None


def _extend_up(lines: list[str], cut: int) -> int:
    """Move a cut up over blank lines and separator lines ("_____", "-----", "====") directly above it."""
    while cut > 0:
        above = lines[cut - 1]
        if above.strip() and not (p.SEPARATOR_LINE.match(above) and not p.SIGNATURE_DELIMITER.match(above.strip())):
            break
        cut -= 1
    return cut


def _inline_answers(region: list[str]) -> tuple[list[int], int | None]:
    """Indexes (in ``region``) of answers written between or below ``>`` blocks, and where a trailing footer starts.

    Unquoted lines after the first ``>`` line are answers, except: a run glued between two ``>`` lines (no blank
    line on either side) is a broken wrap of the quote; scanning stops at the next unquoted quote start (another
    header block); unquoted text from a separator, signature delimiter or list footer on is a footer.
    """
    answers: list[int] = []
    seen_quote = False
    footer_at = None
    index = 0
    while index < len(region):
        line = region[index]
        stripped = line.strip()
        if _is_quote_line(line):
            seen_quote = True
            index += 1
            continue
        if not stripped or not seen_quote:
            index += 1
            continue
        if (
            p.SEPARATOR_LINE.match(stripped)
            or p.SIGNATURE_DELIMITER.match(stripped)
            or p.LIST_FOOTER.match(stripped)
            or p.MOBILE_SIGNATURE.match(stripped)
        ):
            footer_at = index
            break
        if (
            _header_window(region, index) is not None
            or _outlook_block(region, index)
            or p.ORIGINAL_MESSAGE.match(stripped)
        ):
            break
        run_end = index
        while run_end + 1 < len(region) and region[run_end + 1].strip() and not _is_quote_line(region[run_end + 1]):
            run_end += 1
        glued_above = index > 0 and _is_quote_line(region[index - 1])
        glued_below = run_end + 1 < len(region) and _is_quote_line(region[run_end + 1])
        if not (glued_above and glued_below):
            answers.extend(range(index, run_end + 1))
        index = run_end + 1
    return answers, footer_at


def _join(lines: list[str]) -> str:
    return "\n".join(lines).strip("\n").rstrip()


def _squeeze(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reply_split(text: str, *, sender: str = "") -> ReplyParts:
    """Split a plain-text body into new text, quoted history and signature.

    ``text``: the decoded body (any newline style). ``sender``: the From display name and/or address, used to
    recognise a signature that starts with the sender's name. Never raises on odd input: when a library fails,
    the post-filters still run. Data source: the message itself.
    """
    text = normalize_newlines(text)
    lines = text.split("\n")
    head = "\n".join(lines[:LIBRARY_MAX_LINES])[:LIBRARY_MAX_CHARS]
    library_cut = None
    library = _library_reply(head)
    if library is not None:
        consumed = _consumed_lines(lines, library)
        # A cut at the very end of a truncated head says nothing about the rest of the text.
        if consumed is not None and (consumed < len(head.split("\n")) or len(head) == len(text)):
            library_cut = consumed
    own = quote_start(lines)
    own_cut, kind = own if own is not None else (len(lines), None)
    if library_cut == 0 and own_cut > 0 and text.strip():
        # A library puts the whole message in the quote (talon does so for a lone "From: x" first line) while
        # no quote start is recognised there: keep the text rather than lose all of it.
        library_cut = None
    if library_cut is not None and library_cut < own_cut:
        cut, kind = library_cut, "library"
    else:
        cut = own_cut
    cut = _extend_up(lines, cut)
    reply_lines, region = lines[:cut], lines[cut:]

    signature_extra = ""
    if kind in ("quote", "header", "library") and any(_is_quote_line(line) for line in region):
        answers, footer_at = _inline_answers(region)
        if answers:
            keep = set(answers)
            answer_text = _squeeze(
                "\n".join(line if i in keep else "" for i, line in enumerate(region[: (answers[-1] + 1)]))
            )
            quoted_lines = [line for i, line in enumerate(region) if i not in keep]
            if footer_at is not None:
                signature_extra = _join(region[footer_at:])
                quoted_lines = [line for i, line in enumerate(region[:footer_at]) if i not in keep]
            reply_text = _squeeze(_join(reply_lines) + "\n\n" + answer_text)
            visible, signature = signature_split(reply_text, sender=sender)
            if signature_extra:
                signature = (signature + "\n\n" + signature_extra).strip()
            return ReplyParts(
                visible_text=visible,
                quoted_text=_join(quoted_lines).strip(),
                signature=signature,
                reply_text=reply_text,
                inline_reply=True,
            )
    reply_text = _join(reply_lines).strip()
    visible, signature = signature_split(reply_text, sender=sender)
    return ReplyParts(
        visible_text=visible, quoted_text=_join(region).strip(), signature=signature, reply_text=reply_text
    )
