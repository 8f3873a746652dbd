"""Structure-aware chunking: one chunk per section (split at paragraphs, then sentences, when long) and one
per question/answer pair, each carrying the field that says what it is about (``title``) for embedding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .parsed import ParsedDocument

MAX_CHARS = 1200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
HEADING_SEPARATOR = " › "


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk before embedding. ``title``: embedded as its own field (the question, or document title plus
    heading path); ``heading``: the path shown in citations; ``published_at``: the entry's own date, if any."""

    title: str
    heading: str
    text: str
    published_at: datetime | None = None


def chunk_document(document: ParsedDocument, *, max_chars: int = MAX_CHARS) -> list[ChunkDraft]:
    """The chunks of a parsed document, in reading order (empty when it has no text)."""
    drafts: list[ChunkDraft] = []
    for section in document.sections:
        path = HEADING_SEPARATOR.join(section.heading_path)
        heading = f"{path} · {section.location}" if path and section.location else (path or section.location)
        title = document.question or HEADING_SEPARATOR.join(p for p in (document.title, *section.heading_path) if p)
        published = section.published_at or document.published_at
        drafts.extend(
            ChunkDraft(title[:1000], heading[:1000], piece, published)
            for piece in split_text(section.text, max_chars=max_chars)
        )
    return drafts


def split_text(text: str, *, max_chars: int = MAX_CHARS) -> list[str]:
    """Greedy packing of paragraphs into pieces of at most ``max_chars`` characters; a paragraph that is too
    long is split at sentence ends, and a sentence that is too long at the last space before the limit."""
    units: list[tuple[str, str]] = []  # (text, separator from the previous unit)
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            units.append((paragraph, "\n\n"))
            continue
        parts = [part for sentence in _SENTENCE_END.split(paragraph) for part in _hard_wrap(sentence, max_chars)]
        units.extend((part, "\n\n" if n == 0 else " ") for n, part in enumerate(parts))
    pieces: list[str] = []
    current = ""
    for unit, separator in units:
        joined = f"{current}{separator}{unit}" if current else unit
        if len(joined) <= max_chars:
            current = joined
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def _hard_wrap(sentence: str, max_chars: int) -> list[str]:
    out = []
    while len(sentence) > max_chars:
        cut = sentence.rfind(" ", 0, max_chars)
        cut = cut if cut > max_chars // 2 else max_chars
        out.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        out.append(sentence)
    return out
