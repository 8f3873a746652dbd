"""Which ticket an incoming email belongs to (reads only).

Order: the Message-IDs it answers (In-Reply-To, then References newest first) against every stored message of
an email ticket (customer messages and our own replies, which carry the Message-ID we sent); then a ticket
reference in the subject (``[#123]``), accepted only from someone already in that ticket's conversation.
A reply from a person who was CC'd answers one of those Message-IDs, so it joins the thread.
"""

from __future__ import annotations

import logging
import re

from django.db.models import Q

from apps.tickets.models import Message, Ticket

from .parse import ParsedEmail

logger = logging.getLogger(__name__)

SUBJECT_TICKET_REF = re.compile(r"\[#(\d{1,12})\]")
_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|tr|rv|ref|antw|odp|r)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def subject_base(subject: str) -> str:
    """``subject`` without reply/forward prefixes (Re:, AW:, Fwd:, SV: …) and without our ``[#id]`` tag."""
    return SUBJECT_TICKET_REF.sub("", _PREFIX.sub("", subject or "")).strip()


def subject_ticket_id(subject: str) -> int | None:
    """The ticket id of a ``[#123]`` tag in ``subject`` (the last one), or ``None``."""
    found = SUBJECT_TICKET_REF.findall(subject or "")
    return int(found[-1]) if found else None


def ticket_participants(ticket: Ticket) -> set[str]:
    """Lower-cased addresses that took part in ``ticket``: its contact and everyone in From/To/Cc/Reply-To of its
    email messages (stored in ``Message.email_headers``)."""
    people: set[str] = set()
    if ticket.contact_id and ticket.contact.email:
        people.add(ticket.contact.email.lower())
    for headers in ticket.messages.exclude(email_headers={}).values_list("email_headers", flat=True):
        for name in ("From", "To", "Cc", "Reply-To"):
            people.update(a.lower() for a in re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", headers.get(name, "")))
    return people


def thread_find(*, parsed: ParsedEmail) -> Ticket | None:
    """The ticket ``parsed`` continues, or ``None`` for a new conversation. Data: ``Message.email_message_id`` of
    stored messages, ``Ticket`` by id for a subject tag."""
    ids = parsed.thread_ids()
    if ids:
        found = Message.objects.filter(email_message_id__in=ids).values_list("email_message_id", "ticket_id")
        matches = dict(found)
        for mid in ids:
            if mid in matches:
                return Ticket.objects.select_related("contact").get(pk=matches[mid])
        ticket = Ticket.objects.filter(source="email", external_id__in=ids).select_related("contact").first()
        if ticket is not None:
            return ticket
    ticket_id = subject_ticket_id(parsed.subject)
    if ticket_id is None:
        return None
    ticket = Ticket.objects.filter(pk=ticket_id).select_related("contact").first()
    if ticket is None:
        return None
    sender = parsed.from_.email.lower() if parsed.from_ else ""
    if sender and sender in ticket_participants(ticket):
        return ticket
    logger.info("subject tag [#%s] from %s ignored: not a participant of that ticket", ticket_id, sender or "?")
    return None


def message_already_stored(*, parsed: ParsedEmail, key: str) -> Message | None:
    """The stored message for this email (same dedupe key, or the same Message-ID, which also catches our own
    outgoing replies coming back in), or ``None``."""
    condition = Q(external_id=key)
    if parsed.message_id:
        condition |= Q(email_message_id=parsed.message_id)
    return Message.objects.filter(condition).select_related("ticket").order_by("id").first()
