"""JSON Lines: one JSON object per line. Without a mapping, keys named like our fields are used; a mapping
may name nested values with a dotted path (``requester.email``). Keys no field uses go to metadata."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from apps.core.errors import ValidationError

from .csv_reader import fingerprint
from .fields import FIELDS, REQUIRED, RawRow
from .mapping import Mapping

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MISSING = object()


def _lookup(obj: dict[str, Any], column: str) -> Any:
    if column in obj:
        return obj[column]
    if "." not in column:
        return _MISSING
    value: Any = obj
    for part in column.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _clean_strings(value: Any) -> Any:
    """JSON may carry lone surrogates (``"\\ud800"``) that no database accepts: replace them with U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {_clean_strings(k).replace("\x00", ""): _clean_strings(v) for k, v in value.items()}
    return value


def _lines(stream: IO[str], chunk: int = 1 << 16) -> Iterator[str]:
    r"""The stream's lines split on ``\n`` only, as JSON Lines defines them (a ``\r\n`` line keeps its ``\r``,
    which JSON reads as whitespace). Iterating a stream opened with ``newline=""`` would also split on a lone
    ``\r`` and turn one line into two rows."""
    pending = ""
    for block in iter(lambda: stream.read(chunk), ""):
        parts = (pending + block).split("\n")
        pending = parts.pop()
        yield from parts
    if pending:
        yield pending


class JsonlReader:
    """Iterate ``RawRow``s from a JSON Lines text stream.

    Raises ``ValidationError`` when the first object lacks the column of a required field (a wrong mapping or
    wrong file), so nothing is attempted; later rows without it are bad rows.
    """

    format_name = "jsonl"
    defaults: dict[str, Any] = {}

    def __init__(self, stream: IO[str], mapping: Mapping | None = None):
        self.stream = stream
        self._explicit = mapping is not None
        self._mapping: Mapping = mapping or {name: name for name in FIELDS}
        self.columns = {name: ", ".join(c) if isinstance(c, list) else c for name, c in self._mapping.items()}
        missing = [name for name in REQUIRED if name not in self._mapping]
        if missing:
            raise ValidationError(f"The mapping has no column for the required field(s): {', '.join(missing)}.")

    def __iter__(self) -> Iterator[RawRow]:
        number = 0
        checked = False
        top_level = {
            c.split(".")[0] for col in self._mapping.values() for c in (col if isinstance(col, list) else [col])
        }
        for line_no, line in enumerate(_lines(self.stream), start=1):
            if not line.strip():
                continue
            number += 1
            try:
                obj = json.loads(line)
            except ValueError as exc:
                yield RawRow(number, line_no, {}, {}, "", problem=f"invalid JSON ({exc})")
                continue
            except RecursionError:
                yield RawRow(number, line_no, {}, {}, "", problem="JSON nested too deeply")
                continue
            if not isinstance(obj, dict):
                yield RawRow(number, line_no, {}, {}, "", problem=f"expected a JSON object, got {type(obj).__name__}")
                continue
            obj = _clean_strings(obj)
            if not checked:
                checked = True
                absent = [
                    f"{self._mapping[n]!r} (for {n})"
                    for n in REQUIRED
                    if _lookup(obj, str(self._mapping[n])) is _MISSING
                ]
                if absent:
                    raise ValidationError(
                        f"Missing column(s): {'; '.join(absent)} in the first object (line {line_no}). "
                        f"Its keys are: {', '.join(obj) or '(none)'}. Map your keys with --mapping."
                    )
            values: dict[str, Any] = {}
            for name, column in self._mapping.items():
                if isinstance(column, list):
                    found = [_lookup(obj, c) for c in column]
                    values[name] = [v for v in found if v is not _MISSING and v not in (None, "")]
                else:
                    value = _lookup(obj, column)
                    if value is not _MISSING:
                        values[name] = value
            extra = {key: value for key, value in obj.items() if key not in top_level}
            yield RawRow(number, line_no, values, extra, "" if values.get("external_id") else fingerprint(values))
