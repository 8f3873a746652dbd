from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from apps.core.choices import Role

DEMO_PASSWORD = "switchboard-demo"  # noqa: S105 — documented demo login, created only by seed_demo


class Command(BaseCommand):
    help = "Print the URL and the demo login for each role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **options):
        users = get_user_model().objects.filter(username__in=["admin", "lead", "agent"]).order_by("username")
        self.stdout.write(self.style.SUCCESS(f"\nSwitchboard is starting on {url}"))
        if not users:
            self.stdout.write("No demo users: run `python manage.py seed_demo` or create a superuser.")
        for role in (Role.ADMIN, Role.LEAD, Role.AGENT):
            for user in users:
                if user.role == role:
                    self.stdout.write(f"  {Role(role).label:<13} user {user.username:<6} password {DEMO_PASSWORD}")
        self.stdout.write("")
