"""Reading files into documents and chunks (no database access here; services store the results)."""

from .chunking import ChunkDraft, chunk_document, split_text
from .extract import format_for, max_file_bytes, parse_file
from .parsed import ParsedDocument, Section

__all__ = [
    "ChunkDraft",
    "ParsedDocument",
    "Section",
    "chunk_document",
    "format_for",
    "max_file_bytes",
    "parse_file",
    "split_text",
]
