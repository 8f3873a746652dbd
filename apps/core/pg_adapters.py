"""psycopg adapters for speed (registered by ``CoreConfig.ready`` before any connection opens).

``FastListDumper``: psycopg's text-format list dumper, escaping quotes and backslashes of each element with
``bytes.replace`` instead of ``re.sub`` with a template, which Python 3.11 expands once per match (about a
microsecond per quote). Django's ``bulk_create`` on PostgreSQL sends each column as one array (``UNNEST``), so a
batch of Decision traces or handoff packages (JSON, hundreds of quotes each) spent ~8% of bulk triage there. The
bytes are the same (tested); psycopg is pinned in pyproject.toml because this overrides ``ListDumper._dump_list``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import adapters
from psycopg.abc import Buffer
from psycopg.types.array import ListDumper


class FastListDumper(ListDumper):
    """``ListDumper`` with the element escaping done by ``bytes.replace`` (same output)."""

    def _dump_list(self, obj: list[Any], tokens: list[Buffer], needs_quotes: Callable[[Buffer], object]) -> None:
        if not obj:
            tokens.append(b"{}")
            return
        dump = self.sub_dumper.dump if self.sub_dumper else self._dump_item
        delimiter = self.delimiter
        tokens.append(b"{")
        for item in obj:
            if item is None:
                tokens.append(b"NULL")
            elif isinstance(item, list):
                self._dump_list(item, tokens, needs_quotes)
            elif (ad := dump(item)) is None:
                tokens.append(b"NULL")
            else:
                if needs_quotes(ad):
                    ad = b'"' + bytes(ad).replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
                tokens.append(ad)
            tokens.append(delimiter)
        tokens[-1] = b"}"


def fast_list_dumper_register() -> None:
    """Make ``FastListDumper`` psycopg's dumper for Python lists (text format) in every connection opened after."""
    adapters.register_dumper(list, FastListDumper)
