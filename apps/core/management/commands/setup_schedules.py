from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django_q.models import Schedule


class Command(BaseCommand):
    help = "Register (idempotently) the recurring django-q2 tasks that apps declare in their schedules.py."

    def handle(self, *args, **options):
        count = 0
        for config in apps.get_app_configs():
            if not config.name.startswith("apps."):
                continue
            try:
                module = import_module(f"{config.name}.schedules")
            except ModuleNotFoundError:
                continue
            for spec in module.SCHEDULES:
                Schedule.objects.update_or_create(
                    name=spec["name"], defaults={k: v for k, v in spec.items() if k != "name"}
                )
                count += 1
                self.stdout.write(f"  {spec['name']}: {spec['func']}")
        self.stdout.write(self.style.SUCCESS(f"{count} schedules registered"))
