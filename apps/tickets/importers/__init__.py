"""Readers for ticket history files, one small module per format. Each reader turns a text stream into
``RawRow``s keyed by our field names; ``fields.RowCleaner`` validates them; ``services.imports`` loads them."""

from __future__ import annotations

from .bitext import BitextReader
from .csv_reader import CsvReader
from .fields import FIELDS, CleanRow, RawRow, RowCleaner, RowError
from .helpdesk import HelpdeskTicketsReader
from .jsonl_reader import JsonlReader
from .mapping import mapping_check, mapping_load

READERS: dict[str, type[CsvReader] | type[JsonlReader]] = {
    "csv": CsvReader,
    "jsonl": JsonlReader,
    "bitext": BitextReader,
    "helpdesk-tickets": HelpdeskTicketsReader,
}

__all__ = [
    "FIELDS",
    "READERS",
    "BitextReader",
    "CleanRow",
    "CsvReader",
    "HelpdeskTicketsReader",
    "JsonlReader",
    "RawRow",
    "RowCleaner",
    "RowError",
    "mapping_check",
    "mapping_load",
]
