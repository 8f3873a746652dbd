"""Receiving one email: parse, deduplicate, thread, store through the intake services, keep attachments."""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction

from apps.tickets.choices import AuthorKind, Channel, TicketSource
from apps.tickets.models import Attachment, Message, Ticket
from apps.tickets.services.intake import message_receive, ticket_receive
from apps.tickets.services.replies import reply_send

from .caps import EmailLimits, human_size
from .conf import own_addresses, setting_bool
from .parse import ParsedEmail, email_parse
from .threads import message_already_stored, thread_find

logger = logging.getLogger(__name__)

MAX_TICKET_EXTERNAL_ID = 200
MAX_MESSAGE_EXTERNAL_ID = 300
NOTICE_TASK = "apps.tickets.email.tasks.email_skipped_notice_task"


def _bounded_key(key: str, limit: int) -> str:
    return key if len(key) <= limit else "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _body(parsed: ParsedEmail) -> str:
    """The text stored on the message and read by triage: the visible text, or a bracketed statement of what the
    email held when it had no new text (so an empty email is never mistaken for a question)."""
    if parsed.visible_text.strip():
        return parsed.visible_text
    names = [a.filename for a in parsed.attachments]
    if names:
        return f"[This email had no text; attachments: {', '.join(names[:20])}{' …' if len(names) > 20 else ''}]"
    if parsed.quoted_text.strip():
        return "[This email had no new text above the quoted message.]"
    return "[This email had no text.]"


def _headers(parsed: ParsedEmail, *, mailbox: str) -> dict:
    """``Message.email_headers``: the main headers plus what parsing found (quoted part, signature, notes)."""
    return {
        **parsed.headers,
        "mailbox": mailbox,
        "parse": {
            "quoted_text": parsed.quoted_text,
            "signature": parsed.signature,
            "inline_reply": parsed.inline_reply,
            "html_only": parsed.html_only,
            "auto_submitted": parsed.auto_submitted,
            "notes": parsed.notes,
            "flags": parsed.flags,
            "content_hash": parsed.content_hash,
        },
    }


def _attachments_store(*, message: Message, parsed: ParsedEmail, limits: EmailLimits) -> list[Attachment]:
    stored = []
    for item in parsed.attachments:
        attachment = Attachment(
            message=message,
            filename=item.filename,
            content_type=item.content_type[:200],
            size=item.size,
            skipped_reason=item.skipped_reason[:300],
        )
        if item.content is not None:
            attachment.file.save(item.filename, ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    if parsed.body_capped and parsed.full_text:
        data = parsed.full_text.encode("utf-8", "replace")
        attachment = Attachment(
            message=message, filename="full-message.txt", content_type="text/plain; charset=utf-8", size=len(data)
        )
        if len(data) <= limits.attachment_max_bytes:
            attachment.file.save("full-message.txt", ContentFile(data), save=False)
        else:
            attachment.skipped_reason = f"full text ({human_size(len(data))}) is over the per-file limit"
        attachment.save()
        stored.append(attachment)
    return stored


def _loss_note(parsed: ParsedEmail, *, notify: bool) -> str:
    notes = [n for n in parsed.notes if not n.startswith("HTML-only")]
    if not (parsed.body_capped or parsed.attachments_skipped or notes):
        return ""
    lines = ["Email intake notes:", *(f"- {n}" for n in notes)]
    skipped = [a for a in parsed.attachments if a.skipped_reason]
    lines += [f"- not stored: {a.filename} ({human_size(a.size)}): {a.skipped_reason}" for a in skipped[:100]]
    if parsed.body_capped:
        lines.append("- The full text is attached as full-message.txt.")
    if skipped and notify:
        lines.append(f"- The sender ({parsed.from_.email}) is being told which files were not stored.")
    return "\n".join(lines)


def email_receive(*, raw: bytes, mailbox: str = "support") -> tuple[Ticket, Message, bool]:
    """Store one raw RFC 822 email as a new ticket or as a message in the ticket it continues.

    ``raw``: the message bytes as delivered (webhook, IMAP, upload). ``mailbox``: our name for the address it
    reached (kept on the message and the ticket). Returns ``(ticket, message, created)``; ``created`` is False
    when the same email was already stored (same Message-ID, or the same sender, date, subject and text when it
    has none) — a webhook retry or an IMAP re-read stores nothing twice.
    Threading: In-Reply-To / References against stored Message-IDs (so a CC'd person's reply joins the ticket),
    then a ``[#id]`` subject tag from a participant. New tickets and follow-ups go through
    ``ticket_receive`` / ``message_receive``, which enqueue triage — except for automatic mail (auto-replies,
    bulk, lists, or mail from our own addresses), which is stored without triage as a system message.
    Capped bodies and skipped attachments leave an internal note on the ticket; the sender of skipped attachments
    is told by email after commit (``EMAIL_NOTIFY_SKIPPED``). Raises ``ValidationError`` (from intake) when the
    message cannot be stored.
    """
    limits = EmailLimits.from_settings()
    parsed = email_parse(raw, limits=limits)
    key = _bounded_key(parsed.dedupe_key, MAX_MESSAGE_EXTERNAL_ID)
    existing = message_already_stored(parsed=parsed, key=key)
    if existing is not None:
        stored_hash = ((existing.email_headers or {}).get("parse") or {}).get("content_hash")
        if not stored_hash or stored_hash == parsed.content_hash:
            return existing.ticket, existing, False
        # A sender that reuses one Message-ID for different messages (some form mailers do): keep both.
        key = _bounded_key(f"{parsed.dedupe_key}#{parsed.content_hash[:16]}", MAX_MESSAGE_EXTERNAL_ID)
        again = Message.objects.filter(external_id=key).select_related("ticket").first()
        if again is not None:
            return again.ticket, again, False

    sender = parsed.from_.email.lower() if parsed.from_ else ""
    automatic = parsed.auto_submitted or sender in own_addresses()
    contact = (parsed.reply_to or [parsed.from_])[0] if (parsed.reply_to or parsed.from_) else None
    notify = bool(
        parsed.attachments_skipped and not automatic and sender and setting_bool("EMAIL_NOTIFY_SKIPPED", True)
    )
    common = {
        "body": _body(parsed),
        "email_message_id": parsed.message_id[:300],
        "email_in_reply_to": parsed.in_reply_to[:300],
        "email_references": parsed.references[-50:],
        "email_headers": _headers(parsed, mailbox=mailbox),
        "triage": not automatic,
    }
    with transaction.atomic():
        ticket = thread_find(parsed=parsed)
        if ticket is not None:
            message, created = message_receive(
                ticket=ticket,
                external_id=key,
                author_kind=AuthorKind.SYSTEM if automatic else AuthorKind.CUSTOMER,
                **common,
            )
        else:
            ticket, created = ticket_receive(
                source=TicketSource.EMAIL,
                external_id=_bounded_key(key, MAX_TICKET_EXTERNAL_ID),
                channel=Channel.EMAIL,
                subject=parsed.subject,
                contact_email=contact.email if contact else "",
                contact_name=contact.name if contact else "",
                metadata={"email": {"mailbox": mailbox, "automatic": automatic, "to": parsed.headers.get("To", "")}},
                message_external_id=key,
                **common,
            )
            message = ticket.messages.get(external_id=key)
        if not created:
            return ticket, message, False
        _attachments_store(message=message, parsed=parsed, limits=limits)
        note = _loss_note(parsed, notify=notify)
        if note:
            reply_send(ticket=ticket, body=note, author_kind=AuthorKind.SYSTEM, is_internal=True)
        if notify:
            message_id = message.pk

            def enqueue() -> None:
                from django_q.tasks import async_task

                async_task(NOTICE_TASK, message_id, group="email")

            transaction.on_commit(enqueue)
    logger.info("email %s stored as message %s on ticket %s", key, message.pk, ticket.pk)
    return ticket, message, True
