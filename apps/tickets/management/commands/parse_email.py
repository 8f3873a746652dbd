"""``manage.py parse_email PATH [--json] [--sender "Name <address>"]``: what the product keeps of one email."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.tickets.email.parse import ParsedEmail, file_parse


def _section(title: str, text: str) -> str:
    return f"== {title} ==\n{text if text else '(none)'}\n"


class Command(BaseCommand):
    help = (
        "Parse one email the way the email channel does and print what the product keeps: the visible (new) text, "
        "the quoted part, the signature and the thread keys. PATH: a raw RFC 822 message (.eml, or any file that "
        "starts with headers), an HTML body (.html) or a plain-text body (.txt)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="An .eml, .html or .txt file")
        parser.add_argument("--json", action="store_true", help="Print JSON (key visible_text first)")
        parser.add_argument("--sender", default="", help="Author of a .txt body (helps find name signatures)")

    def handle(self, *args, **options) -> None:
        try:
            parsed = file_parse(options["path"], sender=options["sender"])
        except OSError as error:
            raise CommandError(f"Cannot read {options['path']}: {error.strerror or error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(parsed.to_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(self._text(parsed))

    @staticmethod
    def _text(parsed: ParsedEmail) -> str:
        keys = [
            f"subject:     {parsed.subject or '(none)'}",
            f"from:        {parsed.from_ or '(none)'}",
            f"message-id:  {parsed.message_id or '(none)'}",
            f"in-reply-to: {parsed.in_reply_to or '(none)'}",
            f"references:  {' '.join(parsed.references) or '(none)'}",
        ]
        attachments = [
            f"{a.filename} ({a.content_type}, {a.size:,} bytes)"
            + (f" NOT STORED: {a.skipped_reason}" if a.skipped_reason else "")
            for a in parsed.attachments
        ]
        return "\n".join(
            [
                _section("visible text", parsed.visible_text),
                _section("quoted", parsed.quoted_text),
                _section("signature", parsed.signature),
                _section("thread keys", "\n".join(keys)),
                _section("attachments", "\n".join(attachments)),
                _section("notes", "\n".join(parsed.notes)),
            ]
        )
