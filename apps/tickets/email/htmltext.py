"""HTML mail to readable text: talon removes the quoted part of an HTML reply, html2text renders the rest."""

from __future__ import annotations

import logging
import re
import warnings

import html2text

from .quotes import _talon

logger = logging.getLogger(__name__)

# html2text escapes Markdown characters ("1\\." "\\*"); the product shows plain text, so undo the escapes.
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")


HTML_MAX_CHARS = 2_000_000  # beyond this even the markup is not worth converting
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]{200,}", re.IGNORECASE)
_NOT_TEXT = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_shrink(html: str) -> tuple[str, str]:
    """Drop what never becomes text (inline ``data:`` images, scripts, styles) and cap the rest at
    ``HTML_MAX_CHARS``; return ``(html, note)`` with ``note`` empty unless something was cut."""
    size = len(html)
    html = _DATA_URI.sub("data:,", html)
    if len(html) > HTML_MAX_CHARS:
        html = _NOT_TEXT.sub("", html)
    if len(html) > HTML_MAX_CHARS:
        html = html[:HTML_MAX_CHARS]
        return html, f"HTML body of {size:,} characters cut to its first {HTML_MAX_CHARS:,} before conversion."
    return html, ""


def html_to_text(html: str) -> str:
    """Render ``html`` as plain text: no line wrapping (``body_width=0``), links as their text, images dropped,
    blockquotes as ``>`` lines, non-breaking spaces as spaces, at most one blank line in a row."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    converter.ignore_tables = False
    text = converter.handle(html or "")
    text = _MD_ESCAPE.sub(r"\1", text).replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_reply_extract(html: str) -> str:
    """The HTML of the new text of an HTML reply (talon ``extract_from_html``); ``html`` unchanged when talon fails."""
    if not html or not html.strip():
        return ""
    quotations = _talon()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # html5lib's DataLossWarning on Office namespaces
            return quotations.extract_from_html(html)
    except Exception:  # talon bug on odd HTML: keep the whole message rather than lose it
        logger.warning("talon could not split an HTML reply; keeping the whole HTML", exc_info=True)
        return html
