"""What the extractors produce and the chunker consumes: a document's text with its structure kept."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

# Bump when extraction or chunking changes, so re-ingesting rebuilds chunks of otherwise unchanged documents.
PIPELINE_VERSION = "1"


@dataclass(frozen=True)
class Section:
    """A run of body text under a heading path (``("Refunds", "Annual plans")``); ``()`` = before any heading.

    ``location`` is shown with the heading but not searched (``"page 3"`` of a PDF); ``published_at`` is a date
    written in the heading (changelog entries).
    """

    heading_path: tuple[str, ...]
    text: str
    published_at: datetime | None = None
    location: str = ""


@dataclass
class ParsedDocument:
    """One document ready to chunk.

    ``external_id`` identifies it inside its source (relative path, ``file.csv#row-key``); ``question`` is set for
    a question/answer pair (``sections`` then holds the answer); ``fields`` holds extra metadata such as
    ``product_area``. ``error`` is set instead of text when extraction failed.
    """

    external_id: str
    title: str
    format: str
    sections: list[Section] = field(default_factory=list)
    url: str = ""
    question: str = ""
    published_at: datetime | None = None
    error: str = ""

    @property
    def text(self) -> str:
        """The plain text stored on the document: headings as Markdown-style lines, then their body text."""
        parts = [f"Q: {self.question}"] if self.question else []
        last_path: tuple[str, ...] = ()
        for section in self.sections:
            if section.heading_path and section.heading_path != last_path:
                parts.append("#" * len(section.heading_path) + " " + section.heading_path[-1])
                last_path = section.heading_path
            parts.append(section.text)
        return "\n\n".join(p for p in parts if p.strip())

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) of everything that shapes the chunks: title, URL, date, text and the pipeline version."""
        digest = hashlib.sha256()
        published = self.published_at.isoformat() if self.published_at else ""
        for part in (PIPELINE_VERSION, self.format, self.title, self.url, self.question, published):
            digest.update(part.encode())
            digest.update(b"\x00")
        for section in self.sections:
            digest.update((" › ".join(section.heading_path) + "|" + section.location).encode())
            digest.update(b"\x00")
            digest.update(section.text.encode())
            digest.update(b"\x01")
            digest.update((section.published_at.isoformat() if section.published_at else "").encode())
        return digest.hexdigest()
