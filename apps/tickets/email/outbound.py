"""Sending replies by email through Django's email backend (SMTP in production), threaded into the customer's
conversation: ``Message-ID`` we generate and store, ``In-Reply-To`` / ``References`` from the last inbound email,
subject ``Re: <subject> [#<ticket id>]`` so replies without headers still find the ticket."""

from __future__ import annotations

import logging
import smtplib
from email.utils import getaddresses, make_msgid, parseaddr

from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from apps.core.errors import ProviderError, ValidationError
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket

from .caps import human_size
from .conf import own_addresses, setting, support_address
from .threads import subject_base

logger = logging.getLogger(__name__)

MAX_REFERENCES = 20


def reply_subject(ticket: Ticket) -> str:
    """``Re: <ticket subject without Re:/AW:/[#id]> [#<id>]`` (``Your request`` when the ticket has no subject)."""
    return f"Re: {subject_base(ticket.subject) or 'Your request'} [#{ticket.pk}]"


def _message_id() -> str:
    domain = setting("EMAIL_MESSAGE_ID_DOMAIN", "") or parseaddr(support_address())[1].rpartition("@")[2]
    return make_msgid(idstring="sb", domain=domain or None)


def _last_inbound(ticket: Ticket) -> Message | None:
    return (
        ticket.messages.filter(author_kind=AuthorKind.CUSTOMER, is_internal=False)
        .exclude(email_message_id="")
        .order_by("-created_at", "-id")
        .first()
    )


def _cc(last: Message | None, *, to: str) -> list[str]:
    """Everyone the customer's last email went to in Cc, and its author when that is not the contact; never us."""
    if last is None:
        return []
    headers = last.email_headers or {}
    people = getaddresses([headers.get("From", ""), headers.get("Cc", "")])
    ours = own_addresses() | {to.lower()}
    found: list[str] = []
    for _name, address in people:
        if address and "@" in address and address.lower() not in ours and address.lower() not in map(str.lower, found):
            found.append(address)
    return found


def _send(email: EmailMessage) -> None:
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        raise ProviderError(f"The mail server refused or did not answer: {error}") from error


def email_reply_send(message: Message, *, connection=None) -> EmailMessage | None:
    """Email ``message`` (an AI or agent reply of an email ticket) to the ticket's contact; return the sent email,
    or ``None`` when it was already sent (its ``email_message_id`` is set), so a retried delivery sends once.

    Threading: ``In-Reply-To`` is the last customer email's Message-ID, ``References`` its references plus it
    (last 20); the generated ``Message-ID`` is stored on ``message`` (with the other headers) after the backend
    accepted the email, so the customer's answer threads back here. People CC'd on that email stay in Cc (our own
    addresses never). AI and agent replies end with a signed rating link (CSAT, ``apps.analytics``).
    AI replies carry ``Auto-Submitted: auto-replied`` (RFC 3834) so autoresponders don't answer.
    ``connection``: a Django email connection (default ``get_connection()``). Raises ``ValidationError`` for
    internal notes, customer messages, empty bodies or a ticket without a contact address; ``ProviderError`` when
    the mail server fails (nothing is marked as sent).
    """
    if message.is_internal:
        raise ValidationError("Internal notes are never emailed.", extra={"message": message.pk})
    if message.author_kind not in (AuthorKind.AI, AuthorKind.AGENT, AuthorKind.SYSTEM):
        raise ValidationError("Only replies from the AI, an agent or the system are emailed.")
    if message.email_message_id:
        return None
    if not message.body.strip():
        raise ValidationError("An email reply needs some text.")
    ticket = Ticket.objects.select_related("contact").get(pk=message.ticket_id)
    to = ticket.contact.email if ticket.contact_id else ""
    if not to:
        raise ValidationError(f"Ticket #{ticket.pk} has no customer email address to reply to.")
    last = _last_inbound(ticket)
    references = [*(last.email_references or []), last.email_message_id][-MAX_REFERENCES:] if last else []
    message_id = _message_id()
    headers = {"Message-ID": message_id, "X-Switchboard-Ticket": str(ticket.pk)}
    if last is not None:
        headers["In-Reply-To"] = last.email_message_id
        headers["References"] = " ".join(references)
    if message.author_kind == AuthorKind.AI:
        headers["Auto-Submitted"] = "auto-replied"
    body = message.body
    if message.author_kind in (AuthorKind.AI, AuthorKind.AGENT):  # CSAT for AI- and human-handled answers alike
        from apps.analytics.services.feedback import feedback_footer

        body = f"{body}\n\n--\n{feedback_footer(ticket_id=ticket.pk, message_id=message.pk)}"
    email = EmailMessage(
        subject=reply_subject(ticket),
        body=body,
        from_email=support_address(),
        to=[to],
        cc=_cc(last, to=to),
        headers=headers,
        connection=connection or get_connection(),
    )
    _send(email)
    with transaction.atomic():
        message.email_message_id = message_id
        message.email_in_reply_to = headers.get("In-Reply-To", "")
        message.email_references = references
        message.email_headers = {
            "From": email.from_email,
            "To": ", ".join(email.to),
            "Cc": ", ".join(email.cc),
            "Subject": email.subject,
            "Message-ID": message_id,
        }
        message.save(update_fields=["email_message_id", "email_in_reply_to", "email_references", "email_headers"])
    logger.info("reply %s of ticket %s emailed as %s", message.pk, ticket.pk, message_id)
    return email


def email_skipped_notice_send(*, message: Message, connection=None) -> EmailMessage | None:
    """Tell the sender of ``message`` (an inbound email) which attachments were not stored and why; returns the
    email, or ``None`` when nothing was skipped or the sender is unknown. Threaded like a reply; not stored as a
    ticket message (the ticket's internal note records it). Raises ``ProviderError`` when the mail server fails."""
    skipped = list(message.attachments.exclude(skipped_reason="").exclude(filename="full-message.txt"))
    headers = message.email_headers or {}
    sender = parseaddr(headers.get("Reply-To") or headers.get("From", ""))[1]
    if not skipped or not sender:
        return None
    files = "\n".join(f"- {a.filename} ({human_size(a.size)}): {a.skipped_reason}" for a in skipped[:100])
    body = (
        f"We received your email and opened request #{message.ticket_id}, but {len(skipped)} attachment(s) were "
        f"not stored because they are over our size limits:\n\n{files}\n\nYour message itself reached us. Please "
        "send these files as a download link, or in several smaller emails replying to this one."
    )
    references = [*(message.email_references or []), message.email_message_id][-MAX_REFERENCES:]
    email = EmailMessage(
        subject=f"Re: {subject_base(headers.get('Subject', '')) or 'Your request'} [#{message.ticket_id}]",
        body=body,
        from_email=support_address(),
        to=[sender],
        headers={
            "Message-ID": _message_id(),
            "In-Reply-To": message.email_message_id,
            "References": " ".join(r for r in references if r),
            "Auto-Submitted": "auto-replied",
        },
        connection=connection or get_connection(),
    )
    _send(email)
    return email
