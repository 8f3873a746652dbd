"""manage.py crm_sync [--connection NAME] [--limit N]: update Organizations from the CRM connection."""

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.integrations.crm.sync import crm_sync
from apps.integrations.models import Connection


class Command(BaseCommand):
    help = "Update Organizations (status, tier, plan, contract dates, account manager) from the CRM connection."

    def add_arguments(self, parser):
        parser.add_argument("--connection", default="", help="Connection name (default: the enabled CRM one)")
        parser.add_argument("--limit", type=int, default=200)

    def handle(self, *args, connection: str, limit: int, **options):
        conn = None
        if connection:
            conn = Connection.objects.filter(name=connection, service="crm").first()
            if conn is None:
                raise CommandError(f"No CRM connection named {connection!r}.")
        try:
            report = crm_sync(connection=conn, limit=limit)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.accounts} CRM accounts read, {report.updated} organizations updated, "
            f"{len(report.unmatched)} unmatched"
        )
        for name in report.unmatched[:20]:
            self.stdout.write(f"  unmatched: {name}")
