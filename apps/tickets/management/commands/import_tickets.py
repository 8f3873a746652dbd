"""``manage.py import_tickets PATH --format csv|jsonl|bitext|helpdesk-tickets [--mapping FILE] …``"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from apps.core.errors import ApplicationError
from apps.tickets.importers import FIELDS, READERS, mapping_load
from apps.tickets.services.imports import ImportRejected, ImportResult, tickets_import

EPILOG = f"""
Mapping file (--mapping): a JSON object from our field to your column, e.g.
  {{"external_id": "Ticket ID", "body": "Description", "created_at": "Created", "tags": ["Tag 1", "Tag 2"]}}
Fields: {", ".join(FIELDS)}. Only body is required. Without a mapping, columns named like the fields are used.
See apps/tickets/importers/fields.py for formats (dates, enums) and apps/tickets/importers/<format>.py for the
named data sets. Re-running the same file imports nothing twice (same source + external_id).
"""


class _Bar:
    """tqdm progress in bytes of the file, with rows read in the postfix."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar: tqdm | None = None

    def start(self, total_bytes: int) -> None:
        if self.enabled:
            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, desc="reading", file=sys.stderr)

    def advance(self, bytes_read: int, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(min(bytes_read, self.bar.total) - self.bar.n)
            self.bar.set_postfix(rows=f"{rows:,}", refresh=False)

    def phase(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_description(text)
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(BaseCommand):
    help = "Import ticket history from a CSV / JSON Lines file or a named data set, all or nothing."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs):
        parser = super().create_parser(prog_name, subcommand, epilog=EPILOG, **kwargs)
        from argparse import RawDescriptionHelpFormatter

        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=list(READERS), help="default: from the file extension (.csv/.jsonl)")
        parser.add_argument("--mapping", type=Path, help="JSON file: our field -> your column")
        parser.add_argument("--source", help="source name stored on the tickets (default: import, or the format)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, list the bad ones")
        parser.add_argument("--triage", action="store_true", help="enqueue triage of the imported tickets")
        parser.add_argument("--encoding", help="the file's encoding when detection is not wanted (e.g. cp1252)")
        parser.add_argument("--max-errors", type=int, default=50, help="bad rows to print (default 50)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        fmt = options["format"] or {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(path.suffix.lower())
        if not fmt:
            raise CommandError(f"Cannot tell the format of {path.name}: pass --format ({', '.join(READERS)}).")
        bar = _Bar(enabled=not options["no_progress"] and sys.stderr.isatty())
        try:
            mapping = mapping_load(options["mapping"]) if options["mapping"] else None
            result = tickets_import(
                path=path,
                format=fmt,
                mapping=mapping,
                source=options["source"],
                skip_invalid=options["skip_invalid"],
                triage=options["triage"],
                encoding=options["encoding"],
                progress=bar,
            )
        except ImportRejected as exc:
            bar.close()
            self._print_errors(exc.result, options["max_errors"])
            raise CommandError(exc.message) from None
        except ApplicationError as exc:
            bar.close()
            raise CommandError(exc.message) from None
        bar.close()
        self._print_errors(result, options["max_errors"])
        self._print_summary(result)

    def _print_errors(self, result: ImportResult, limit: int) -> None:
        for error in result.errors[:limit]:
            self.stderr.write(f"  {error}")
        if len(result.errors) > limit:
            self.stderr.write(f"  … and {len(result.errors) - limit} more (raise --max-errors to see them)")

    def _print_summary(self, result: ImportResult) -> None:
        out = self.stdout.write
        note = "" if result.encoding in ("utf-8", "utf-8-sig") else f" (decoded as {result.encoding})"
        out(f"Imported {result.format} into source {result.source!r}{note}")
        out(f"  rows read            {result.rows_read:>10,}")
        out(f"  imported             {result.imported:>10,}  ({result.messages:,} messages)")
        out(f"  skipped (duplicates) {result.duplicates:>10,}")
        out(f"  skipped (invalid)    {result.invalid:>10,}")
        out(f"  new categories       {result.categories_created:>10,}")
        out(f"  new organizations    {result.organizations_created:>10,}")
        out(f"  new contacts         {result.contacts_created:>10,}")
        out(f"  time                 {result.seconds:>10.2f} s  ({result.rows_per_s:,.0f} rows/s)")
        if result.triage_enqueued is True:
            out(f"  triage enqueued for {len(result.ticket_ids):,} tickets (batches of 500)")
        elif result.triage_enqueued is False:
            self.stderr.write(
                self.style.WARNING(
                    "  triage NOT enqueued: apps.workflows.tasks.triage_batch does not exist yet. The tickets are "
                    "imported; triage them later with `manage.py triage`."
                )
            )
