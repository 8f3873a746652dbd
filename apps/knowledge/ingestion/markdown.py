"""Markdown (and HTML converted to Markdown) into heading-aware sections, with markdown-it-py's token stream."""

from __future__ import annotations

import re
from datetime import datetime

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import make_aware
from markdown_it import MarkdownIt

from .parsed import Section

_md = MarkdownIt("commonmark").enable("table")
_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_BODY_BLOCKS = {"paragraph_open", "bullet_list_open", "ordered_list_open", "blockquote_open", "table_open"}


def parse_when(value: str) -> datetime | None:
    """An ISO date or datetime (``2024-05-01``, ``2024-05-01T10:00:00Z``) as an aware UTC datetime, else ``None``."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value[:10])
            moment = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = make_aware(moment)
    return moment


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``key: value`` lines between leading ``---`` fences (title, url, published_at, product_area), and the body."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, text[match.end() :]


def heading_date(heading: str) -> datetime | None:
    """The ISO date written in a heading (changelog entries like ``2024-05-01 · v2.3``), if any."""
    match = _ISO_DATE.search(heading)
    return parse_when(match.group(1)) if match else None


def markdown_sections(text: str, *, title: str = "") -> tuple[str, list[Section]]:
    """Split Markdown into sections by heading; returns ``(first h1 or "", sections)``.

    A heading equal to ``title`` (the document's own h1) is not repeated in the heading paths. Body blocks keep
    their inline Markdown (links, emphasis) so later steps can cite or strip links; list items become ``- `` lines.
    """
    tokens = _md.parse(text)
    stack: list[tuple[int, str]] = []
    first_h1 = ""
    sections: list[Section] = []
    lines: list[str] = []
    list_depth = 0

    def flush():
        body = "\n".join(lines).strip()
        lines.clear()
        if body:
            path = tuple(h for _, h in stack)
            dated = next((heading_date(h) for _, h in reversed(stack) if heading_date(h)), None)
            sections.append(Section(heading_path=path, text=body, published_at=dated))

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            level = int(token.tag[1])
            heading = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            flush()
            if level == 1 and not first_h1:
                first_h1 = heading
            while stack and stack[-1][0] >= level:
                stack.pop()
            is_document_title = level == 1 and heading in (title, first_h1)
            if heading and not is_document_title:
                stack.append((level, heading))
            i += 3
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip())
        elif token.type == "inline":
            prefix = ("  " * (list_depth - 1) + "- ") if list_depth and _in_list_item(tokens, i) else ""
            lines.append(prefix + token.content.strip())
        elif token.type in ("paragraph_close", "table_close", "blockquote_close") and not list_depth:
            lines.append("")
        elif token.type == "html_block":
            lines.append(token.content.strip())
        i += 1
    flush()
    return first_h1, sections


def _in_list_item(tokens, index: int) -> bool:
    """True when the inline token at ``index`` is the first paragraph of a list item."""
    for back in (index - 1, index - 2):
        if back >= 0 and tokens[back].type == "list_item_open":
            return True
        if back >= 0 and tokens[back].type not in ("paragraph_open",):
            return False
    return False
