"""Importing ticket history in bulk: read a file, validate every row, load set-wise, all or nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.importers import READERS, CleanRow, RowCleaner, RowError
from apps.tickets.importers.encoding import detect_encoding, open_text
from apps.tickets.importers.mapping import Mapping
from apps.workflows.models import Category

from . import import_sql
from .triage_queue import TRIAGE_BATCH, triage_enqueue_on_commit

MAX_SOURCE = 32
DEFAULT_SOURCES = {"csv": "import", "jsonl": "import", "bitext": "bitext", "helpdesk-tickets": "helpdesk-tickets"}


class ImportProgress(Protocol):
    """What the import reports while it runs (the command draws a progress bar from it)."""

    def start(self, total_bytes: int) -> None: ...
    def advance(self, bytes_read: int, rows: int) -> None: ...
    def phase(self, text: str) -> None: ...


@dataclass
class ImportResult:
    """Counts of one import. ``duplicates``: rows whose ``source`` + ``external_id`` was already stored or
    appeared earlier in the file; ``invalid``: rows with errors (listed in ``errors``)."""

    source: str
    format: str
    encoding: str = ""
    rows_read: int = 0
    imported: int = 0
    duplicates: int = 0
    invalid: int = 0
    messages: int = 0
    organizations_created: int = 0
    contacts_created: int = 0
    categories_created: int = 0
    seconds: float = 0.0
    errors: list[RowError] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)
    triage_enqueued: bool | None = None  # None: not asked; False: the triage task does not exist yet

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


class ImportRejected(ValidationError):
    """Rows were invalid and ``skip_invalid`` was off: nothing was written. ``result.errors`` lists them."""

    def __init__(self, result: ImportResult):
        super().__init__(
            f"{result.invalid} of {result.rows_read} rows are invalid; nothing was imported. "
            "Fix them, or pass --skip-invalid to import the valid rows.",
            extra={"errors": [str(e) for e in result.errors]},
        )
        self.result = result


def tickets_import(
    *,
    path: Path,
    format: str,
    mapping: Mapping | None = None,
    source: str | None = None,
    skip_invalid: bool = False,
    triage: bool = False,
    encoding: str | None = None,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Import the tickets in ``path`` (formats: ``csv``, ``jsonl``, ``bitext``, ``helpdesk-tickets``).

    Rows are validated one by one (``importers.fields``), streamed into a temp table with COPY, then inserted
    set-wise: categories (by slug), organizations and contacts (deduplicated), tickets
    (``ON CONFLICT (source, external_id) DO NOTHING``), and a customer message plus the agent answer per new
    ticket. ``source`` defaults to ``import`` for csv/jsonl and to the format name otherwise; ``mapping`` is our
    field → their column. All or nothing: any invalid row raises ``ImportRejected`` and writes nothing, unless
    ``skip_invalid``. ``triage`` enqueues ``apps.workflows.tasks.triage_batch`` in chunks of 500 after commit.
    Raises ``ValidationError`` for an unknown format, an unreadable encoding or missing columns.
    """
    if format not in READERS:
        raise ValidationError(f"Unknown format {format!r}; use one of {', '.join(READERS)}.")
    source = source or DEFAULT_SOURCES[format]
    if len(source) > MAX_SOURCE:
        raise ValidationError(f"Source name {source!r} is longer than {MAX_SOURCE} characters.")
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"No such file: {path}")
    started = time.perf_counter()
    result = ImportResult(source=source, format=format, encoding=detect_encoding(path, encoding))
    if progress:
        progress.start(path.stat().st_size)

    with transaction.atomic(), connection.cursor() as cursor, open_text(path, result.encoding) as stream:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('tickets_import'))")  # one import at a time
        cursor.execute("SET LOCAL work_mem = '64MB'")  # joins and sorts of the staged rows stay in memory
        reader = READERS[format](stream, mapping)
        cleaner = RowCleaner(columns=reader.columns, defaults=reader.defaults, now=timezone.now())
        import_sql.staging_create(cursor)
        raw_stream = stream.buffer.raw
        import_sql.staging_copy(cursor, _valid_rows(reader, cleaner, result, progress, raw_stream))
        if result.errors and not skip_invalid:
            raise ImportRejected(result)
        if progress:
            progress.phase("writing tickets")
        categories, result.categories_created = _categories_ensure(cleaner.categories)
        result.organizations_created = import_sql.organizations_load(cursor)
        result.contacts_created = import_sql.contacts_load(cursor)
        result.imported = import_sql.tickets_load(cursor, source=source, categories=categories)
        result.duplicates = result.rows_read - result.invalid - result.imported  # in the file or stored before
        result.messages = import_sql.messages_load(cursor)
        cursor.execute("SELECT id FROM import_new ORDER BY id")
        result.ticket_ids = [row[0] for row in cursor.fetchall()]
        import_sql.staging_clear(cursor)
        if triage:
            result.triage_enqueued = triage_enqueue_on_commit(result.ticket_ids, task=TRIAGE_BATCH)
    result.seconds = time.perf_counter() - started
    return result


def _valid_rows(reader, cleaner: RowCleaner, result: ImportResult, progress, raw_stream) -> Iterator[CleanRow]:
    """Clean each raw row; count and keep errors; drop repeats of an external id within the file."""
    seen: set[str] = set()
    clean = cleaner.clean
    for raw in reader:
        result.rows_read += 1
        row, errors = clean(raw)
        if progress and result.rows_read % 2000 == 0:
            progress.advance(raw_stream.count, result.rows_read)
        if errors:
            result.invalid += 1
            result.errors.extend(errors)
            continue
        if row.external_id in seen:
            result.duplicates += 1
            continue
        seen.add(row.external_id)
        yield row
    if progress:
        progress.advance(raw_stream.count, result.rows_read)


def _categories_ensure(labels: dict[str, str]) -> tuple[dict[str, int], int]:
    """Get or create a ``workflows.Category`` per slug (``labels``: slug → name). Returns (slug → id, created)."""
    if not labels:
        return {}, 0
    existing = set(Category.objects.filter(slug__in=labels).values_list("slug", flat=True))
    missing = [Category(slug=slug, name=name) for slug, name in labels.items() if slug not in existing]
    Category.objects.bulk_create(missing, ignore_conflicts=True)
    ids = dict(Category.objects.filter(slug__in=labels).values_list("slug", "id"))
    return ids, len(ids) - len(existing)
