"""manage.py helpdesk_import (--connection NAME [--since X] | --provider zendesk --file export.json) [--triage]:
import Zendesk / Freshdesk / Intercom ticket history through the ticket import pipeline."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.integrations.helpdesks import PROVIDERS, helpdesk_export_rows, helpdesk_import, helpdesk_rows_import
from apps.integrations.models import Connection


class Command(BaseCommand):
    help = "Import helpdesk history from the vendor's API (a connection) or an export file."

    def add_arguments(self, parser):
        parser.add_argument("--connection", default="", help="Helpdesk connection name (reads the vendor's API)")
        parser.add_argument("--since", default="", help="Zendesk: Unix seconds; Freshdesk: ISO 8601 updated_since")
        parser.add_argument("--provider", choices=PROVIDERS, help="With --file: whose export it is")
        parser.add_argument("--file", type=Path, help="Export file: JSON (API page or list) or JSON lines")
        parser.add_argument("--triage", action="store_true", help="Triage the imported tickets afterwards")

    def handle(self, *args, connection: str, since: str, provider, file, triage: bool, **options):
        if bool(connection) == bool(file):
            raise CommandError("Give either --connection or --provider with --file.")
        try:
            if file:
                if not provider:
                    raise CommandError("--file needs --provider.")
                if not file.is_file():
                    raise CommandError(f"No such file: {file}")
                result = helpdesk_rows_import(
                    provider=provider, rows=helpdesk_export_rows(provider=provider, path=file), triage=triage
                )
            else:
                conn = Connection.objects.filter(name=connection, service="helpdesk").first()
                if conn is None:
                    raise CommandError(f"No helpdesk connection named {connection!r}.")
                result = helpdesk_import(connection=conn, since=since or None, triage=triage)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.rows_read} rows read, {result.imported} tickets imported, {result.duplicates} already stored, "
            f"{result.invalid} invalid ({result.seconds:.1f} s)"
        )
