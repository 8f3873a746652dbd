from django.core.management.base import BaseCommand

from apps.escalation.sweep import soft_triggers_sweep


class Command(BaseCommand):
    help = "Run the SLA-clock and soft-trigger sweep once now (the schedule runs it every minute); prints the counts."

    def handle(self, *args, **options):
        result = soft_triggers_sweep()
        self.stdout.write(self.style.SUCCESS(f"sweep: {result.as_dict()}"))
