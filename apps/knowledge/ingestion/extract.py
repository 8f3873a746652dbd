"""Files into ``ParsedDocument``s: Markdown, HTML (BeautifulSoup + html2text), plain text, PDF (pypdf), Q/A CSV.

Every extractor reads bytes and a file name and never raises for bad content: a file that cannot be read comes
back as one ``ParsedDocument`` with ``error`` set, so the ingestion records the failure and carries on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import html2text
from bs4 import BeautifulSoup
from django.conf import settings

from apps.knowledge.choices import DocumentFormat

from .markdown import markdown_sections, parse_when, split_front_matter
from .parsed import ParsedDocument, Section

EXTENSIONS = {
    ".md": DocumentFormat.MARKDOWN,
    ".markdown": DocumentFormat.MARKDOWN,
    ".html": DocumentFormat.HTML,
    ".htm": DocumentFormat.HTML,
    ".txt": DocumentFormat.TEXT,
    ".text": DocumentFormat.TEXT,
    ".pdf": DocumentFormat.PDF,
    ".csv": DocumentFormat.QA_CSV,
    ".tsv": DocumentFormat.QA_CSV,
}
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024

_QUESTION_COLUMNS = ("question", "q", "title", "query", "prompt")
_ANSWER_COLUMNS = ("answer", "a", "response", "body", "text")
_ID_COLUMNS = ("id", "key", "external_id")
_URL_COLUMNS = ("url", "link")
_HEADING_COLUMNS = ("category", "section", "topic", "heading")
_DATE_COLUMNS = ("published_at", "date", "updated_at")
_DROP_HTML = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg", "iframe", "template")


def max_file_bytes() -> int:
    """Largest accepted file, in bytes (``settings.KNOWLEDGE_MAX_FILE_BYTES``, default 10 MiB)."""
    return int(getattr(settings, "KNOWLEDGE_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def format_for(name: str) -> str | None:
    """The document format implied by a file name's extension, or ``None`` when unsupported."""
    return EXTENSIONS.get(Path(name).suffix.lower())


def title_from_name(name: str) -> str:
    """``"refund-policy_v2.md"`` → ``"Refund policy v2"``."""
    stem = re.sub(r"[-_]+", " ", Path(name).stem).strip()
    return (stem[:1].upper() + stem[1:]) if stem else "Untitled"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to Windows-1252 with replacement characters."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_file(*, data: bytes, name: str, external_id: str | None = None) -> list[ParsedDocument]:
    """Extract the documents of one file (a Q/A CSV gives one document per row; other formats one).

    ``name``: the file name (its extension picks the extractor); ``external_id``: the key inside the source
    (default ``name``). Unsupported types, oversized or unreadable files give a single document with ``error``.
    """
    external_id = external_id or name
    fmt = format_for(name)
    title = title_from_name(name)
    if fmt is None:
        allowed = ", ".join(sorted(EXTENSIONS))
        return [
            ParsedDocument(external_id, title, DocumentFormat.TEXT, error=f"Unsupported file type; use {allowed}.")
        ]
    if len(data) > max_file_bytes():
        return [
            ParsedDocument(
                external_id, title, fmt, error=f"File is {len(data):,} bytes; the limit is {max_file_bytes():,} bytes."
            )
        ]
    try:
        if fmt == DocumentFormat.MARKDOWN:
            return [parse_markdown(decode_text(data), external_id=external_id, fallback_title=title)]
        if fmt == DocumentFormat.HTML:
            return [parse_html(decode_text(data), external_id=external_id, fallback_title=title)]
        if fmt == DocumentFormat.TEXT:
            return [parse_text(decode_text(data), external_id=external_id, title=title)]
        if fmt == DocumentFormat.PDF:
            return [parse_pdf(data, external_id=external_id, fallback_title=title)]
        return parse_qa_csv(decode_text(data), external_id=external_id, tab=name.lower().endswith(".tsv"))
    except Exception as exc:  # any library failure on a bad file becomes that file's error, never a crash
        return [ParsedDocument(external_id, title, fmt, error=f"Could not read {fmt} file: {exc}")]


def parse_markdown(text: str, *, external_id: str, fallback_title: str) -> ParsedDocument:
    """Markdown with optional front matter (``title``, ``url``, ``published_at``/``date``)."""
    meta, body = split_front_matter(text)
    h1, sections = markdown_sections(body, title=meta.get("title", ""))
    return ParsedDocument(
        external_id=external_id,
        title=meta.get("title") or h1 or fallback_title,
        format=DocumentFormat.MARKDOWN,
        sections=sections,
        url=meta.get("url", ""),
        published_at=parse_when(meta.get("published_at") or meta.get("date", "")),
    )


def parse_html(html: str, *, external_id: str, fallback_title: str) -> ParsedDocument:
    """HTML page: drops scripts, navigation and chrome, keeps ``<main>``/``<article>`` (or ``<body>``), converts it
    to Markdown with html2text and splits by heading. Title, canonical URL and publication time come from the head."""
    soup = BeautifulSoup(html, "lxml")
    title = _meta(soup, "og:title") or (soup.title.get_text(" ", strip=True) if soup.title else "")
    canonical = soup.find("link", rel="canonical")
    url = (canonical.get("href", "") if canonical else "") or _meta(soup, "og:url")
    time_tag = soup.find("time", attrs={"datetime": True})
    published = _meta(soup, "article:published_time") or (time_tag["datetime"] if time_tag else "")
    for tag in soup(list(_DROP_HTML)):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_emphasis = True
    converter.unicode_snob = True
    markdown = converter.handle(str(root))
    h1, sections = markdown_sections(markdown, title=title)
    return ParsedDocument(
        external_id=external_id,
        title=title or h1 or fallback_title,
        format=DocumentFormat.HTML,
        sections=sections,
        url=url if url.startswith(("http://", "https://")) else "",
        published_at=parse_when(published),
    )


def _meta(soup: BeautifulSoup, name: str) -> str:
    tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
    return (tag.get("content") or "").strip() if tag else ""


def parse_text(text: str, *, external_id: str, title: str) -> ParsedDocument:
    """Plain text: one untitled section (the chunker splits it at blank lines)."""
    body = text.replace("\r\n", "\n").strip()
    return ParsedDocument(
        external_id=external_id, title=title, format=DocumentFormat.TEXT, sections=[Section((), body)] if body else []
    )


def parse_pdf(data: bytes, *, external_id: str, fallback_title: str) -> ParsedDocument:
    """PDF through pypdf: one section per page (``location`` "page N" in the heading), title from the metadata."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return ParsedDocument(external_id, fallback_title, DocumentFormat.PDF, error="The PDF is password-protected.")
    title = ((reader.metadata.title if reader.metadata else "") or "").strip()
    sections = []
    for number, page in enumerate(reader.pages, start=1):
        text = re.sub(r"[ \t]+\n", "\n", page.extract_text() or "").strip()
        if text:
            sections.append(Section((), text, location=f"page {number}"))
    return ParsedDocument(
        external_id=external_id, title=title or fallback_title, format=DocumentFormat.PDF, sections=sections
    )


def parse_qa_csv(text: str, *, external_id: str, tab: bool = False) -> list[ParsedDocument]:
    """A CSV (or TSV) of question/answer pairs, one document per row, keyed ``file#<id>`` (the ``id`` column) or
    ``file#q-<hash of the question>``. Columns (case-insensitive): question|q|title|query|prompt,
    answer|a|response|body|text, optional id, url, category (heading), published_at|date.
    Rows without a question or an answer come back as error documents naming the row."""
    dialect = "excel-tab" if tab else _sniff(text)
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {(name or "").strip().lower(): name for name in (reader.fieldnames or [])}

    def pick(candidates):
        return next((columns[c] for c in candidates if c in columns), None)

    q_col, a_col = pick(_QUESTION_COLUMNS), pick(_ANSWER_COLUMNS)
    if not q_col or not a_col:
        found = ", ".join(columns) or "none"
        return [
            ParsedDocument(
                external_id,
                title_from_name(external_id),
                DocumentFormat.QA_CSV,
                error=f"CSV needs a question column and an answer column; found: {found}.",
            )
        ]
    id_col, url_col, heading_col, date_col = (
        pick(c) for c in (_ID_COLUMNS, _URL_COLUMNS, _HEADING_COLUMNS, _DATE_COLUMNS)
    )
    documents: list[ParsedDocument] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):
        question = (row.get(q_col) or "").strip()
        answer = (row.get(a_col) or "").strip()
        key = (row.get(id_col) or "").strip() if id_col else ""
        if not key and question:
            key = "q-" + hashlib.sha1(" ".join(question.lower().split()).encode()).hexdigest()[:12]
        key = key or f"row-{row_number}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}-{seen[key]}"
        doc_id = f"{external_id}#{key}"
        if not question or not answer:
            missing = "question" if not question else "answer"
            documents.append(
                ParsedDocument(
                    doc_id,
                    question or f"Row {row_number}",
                    DocumentFormat.QA,
                    error=f"Row {row_number}: empty {missing}.",
                )
            )
            continue
        heading = (row.get(heading_col) or "").strip() if heading_col else ""
        documents.append(
            ParsedDocument(
                external_id=doc_id,
                title=question,
                format=DocumentFormat.QA,
                question=question,
                sections=[Section((heading,) if heading else (), answer)],
                url=(row.get(url_col) or "").strip() if url_col else "",
                published_at=parse_when(row.get(date_col) or "") if date_col else None,
            )
        )
    return documents


def _sniff(text: str) -> str | type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return "excel"
