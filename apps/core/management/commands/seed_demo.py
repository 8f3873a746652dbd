from django.core.management.base import BaseCommand, CommandError

from apps.core.demo.seeder import demo_workspace_delete, demo_workspace_exists, demo_workspace_seed
from apps.core.errors import ApplicationError
from apps.tickets.models import Ticket


class Command(BaseCommand):
    help = (
        "Generate the demo workspace: Tallyflow, a fictional SaaS company with users per role, queues, categories, "
        "customer accounts, billing history, 90 days of tickets, open tickets and knowledge articles."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=2500, help="Historical tickets to generate (default 2500)")
        parser.add_argument("--seed", type=int, default=42, help="Random seed: the same seed gives the same workspace")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any ticket exists already")
        parser.add_argument("--reset", action="store_true", help="Delete an existing demo workspace first")
        parser.add_argument(
            "--no-follow-up", action="store_true", help="Skip knowledge ingestion, classifier training and triage"
        )

    def handle(self, *args, tickets: int, seed: int, if_empty: bool, reset: bool, no_follow_up: bool, **options):
        if tickets < 1:
            raise CommandError("--tickets must be at least 1")
        if if_empty and Ticket.objects.exists():
            self.stdout.write("Tickets exist already: demo workspace not seeded (--if-empty).")
            return
        if reset and demo_workspace_exists():
            self.stdout.write(f"Deleted {demo_workspace_delete()} demo tickets and their accounts.")
        verbose = options["verbosity"] > 0
        try:
            summary = demo_workspace_seed(
                tickets=tickets,
                seed=seed,
                follow_up=not no_follow_up,
                log=self.stdout.write if verbose else print_nothing,
            )
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        counts = summary.counts
        self.stdout.write(self.style.SUCCESS(f"Demo workspace seeded in {summary.seconds:.1f} s"))
        self.stdout.write(
            f"  {counts['users']} users, {counts['queues']} queues, {counts['categories']} categories, "
            f"{counts['organizations']} accounts, {counts['contacts']} contacts"
        )
        self.stdout.write(
            f"  {counts['tickets']} historical tickets, {counts['open_tickets']} open tickets, "
            f"{counts['messages']} messages"
        )
        self.stdout.write(
            f"  billing: {counts['billing_customers']} customers, {counts['billing_invoices']} invoices, "
            f"{counts['billing_charges']} charges, {counts['billing_refunds']} refunds"
        )
        for name, org in summary.scenarios.items():
            self.stdout.write(f"  scenario {name}: {org}")
        for name, result in summary.steps:
            self.stdout.write(f"  {name}: {result}")


def print_nothing(_: str) -> None:
    return None
