"""manage.py connections_local: create the local demo billing and CRM connections (when none exist)."""

from django.core.management.base import BaseCommand

from apps.integrations.connections import connections_ensure_local


class Command(BaseCommand):
    help = "Create the local demo billing and CRM connections with default allow-lists (idempotent)."

    def handle(self, *args, **options):
        created = connections_ensure_local()
        names = ", ".join(c.name for c in created) or "none (connections exist already)"
        self.stdout.write(f"Local connections created: {names}")
