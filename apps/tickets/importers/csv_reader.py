"""Generic CSV: a header row, then one ticket per row. The delimiter (``,`` ``;`` tab ``|``) is taken from the
header line. Without a mapping, columns named like our fields are used (``body``, ``subject``…)."""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from apps.core.errors import ValidationError

from .fields import FIELDS, REQUIRED, RawRow
from .mapping import Mapping

MAX_FIELD_BYTES = 16 * 1024 * 1024
csv.field_size_limit(MAX_FIELD_BYTES)
_DELIMITERS = (",", ";", "\t", "|")


def fingerprint(values: dict[str, Any]) -> str:
    """Stable id for a row without one: a hash of its mapped values in field order (32 hex chars)."""
    text = "\x1f".join(repr(values.get(name, "")) for name in FIELDS)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class CsvReader:
    """Iterate ``RawRow``s from a CSV text stream.

    Subclasses (named datasets) set ``preset`` (their fixed mapping), ``defaults`` (fixed values such as the
    channel), ``extra_names`` (renames of kept columns) and ``extra_skip`` (columns not worth keeping).
    Raises ``ValidationError`` for an empty file or columns the mapping names that the header lacks.
    """

    format_name: ClassVar[str] = "csv"
    preset: ClassVar[Mapping | None] = None
    defaults: ClassVar[dict[str, Any]] = {}
    extra_names: ClassVar[dict[str, str]] = {}
    extra_skip: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, stream: IO[str], mapping: Mapping | None = None):
        first = stream.readline()
        if not first.strip():
            raise ValidationError("The file is empty: expected a header row with column names.")
        delimiter = max(_DELIMITERS, key=first.count) if any(d in first for d in _DELIMITERS) else ","
        self._reader = csv.reader(itertools.chain([first], stream), delimiter=delimiter)
        self.header = [name.replace("\x00", "").strip() for name in next(self._reader)]
        mapping = {**(self.preset or {}), **(mapping or {})} or {n: n for n in FIELDS if n in self.header}
        self.columns: dict[str, str] = {}
        missing = []
        for name, column in mapping.items():
            columns = column if isinstance(column, list) else [column]
            missing += [f"{c!r} (for {name})" for c in columns if c not in self.header]
            self.columns[name] = ", ".join(columns)
        missing += [f"a column for the required field {name!r}" for name in REQUIRED if name not in mapping]
        if missing:
            raise ValidationError(
                f"Missing column(s): {'; '.join(missing)}. The file has: {', '.join(self.header) or '(none)'}. "
                "Map your columns with --mapping (see `import_tickets --help`)."
            )
        self._mapping = mapping

    def __iter__(self) -> Iterator[RawRow]:
        index = {name: i for i, name in reversed(list(enumerate(self.header)))}  # first of duplicate names wins
        single = [(name, index[col]) for name, col in self._mapping.items() if isinstance(col, str)]
        multi = [(name, [index[c] for c in cols]) for name, cols in self._mapping.items() if isinstance(cols, list)]
        used = {index[c] for col in self._mapping.values() for c in (col if isinstance(col, list) else [col])}
        extras = [
            (self.extra_names.get(name, name), i)
            for i, name in enumerate(self.header)
            if i not in used and name and name not in self.extra_skip
        ]
        width = len(self.header)
        reader = self._reader
        number, previous_line = 0, reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ValidationError(
                    f"Row {number + 1} (line {previous_line + 1}) cannot be read as CSV: {exc}. "
                    "A field this large usually means an unclosed quote."
                ) from None
            line, previous_line = previous_line + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            number += 1
            if len(record) != width:
                yield RawRow(number, line, {}, {}, "", problem=f"expected {width} columns, found {len(record)}")
                continue
            values: dict[str, Any] = {name: record[i] for name, i in single}
            for name, positions in multi:
                values[name] = [record[i] for i in positions if record[i].strip()]
            extra = {name: record[i] for name, i in extras if record[i]}
            yield RawRow(number, line, values, extra, "" if values.get("external_id") else fingerprint(values))
