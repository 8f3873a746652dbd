"""``manage.py poll_imap [--folder INBOX] [--search UNSEEN] [--batch 50]``: read the support mailbox once."""

from __future__ import annotations

from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import ApplicationError
from apps.tickets.email.imap import ImapSettings, imap_poll


class Command(BaseCommand):
    help = (
        "Fetch new messages from the IMAP mailbox in IMAP_HOST / IMAP_USER / IMAP_PASSWORD (see "
        "apps/tickets/email/conf.py) into tickets. Safe to run again: stored emails are not stored twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", help="IMAP folder (default IMAP_FOLDER or INBOX)")
        parser.add_argument("--search", help="IMAP search criteria (default IMAP_SEARCH or UNSEEN)")
        parser.add_argument("--batch", type=int, help="At most this many messages (default IMAP_BATCH or 50)")

    def handle(self, *args, **options) -> None:
        try:
            config = ImapSettings.from_settings()
            changes = {k: options[k] for k in ("folder", "search", "batch") if options.get(k)}
            result = imap_poll(config=replace(config, **changes))
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"{result.found} matching, {result.created} stored, {result.duplicates} already stored, "
            f"{result.too_large} too large (headers only), {len(result.failed)} failed"
        )
        for uid, error in result.failed:
            self.stderr.write(f"  uid {uid}: {error}")
        if result.failed:
            raise CommandError(f"{len(result.failed)} message(s) left unread; they will be retried on the next poll.")
