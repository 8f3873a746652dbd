"""Receiving one ticket or one message from a channel (API, email, chat widget, helpdesk webhook).

Both services are idempotent: the same ticket (``source`` + ``external_id``) or message (``external_id``)
received twice is stored once, so a retried webhook or a re-delivered email never doubles anything.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.tickets.choices import AuthorKind, Channel, TicketStatus, Tier
from apps.tickets.importers.fields import FREE_MAIL_DOMAINS, MAX_EXTERNAL_ID, max_text_chars
from apps.tickets.models import Contact, Message, Organization, Ticket

from .triage_queue import TRIAGE_TICKET, triage_enqueue_on_commit

_REOPEN = (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.PENDING)


def _clean_text(text: str, *, name: str, limit: int, metadata: dict[str, Any]) -> str:
    text = (text or "").replace("\x00", "").strip()
    if len(text) > limit:
        metadata.setdefault("truncated", {})[name] = {"original_chars": len(text)}
        text = text[:limit]
    return text


def _lock(key: str) -> None:
    """Serialize concurrent intake of the same key until the transaction ends (PostgreSQL advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def organization_for(*, name: str = "", email: str = "", tier: str = "") -> Organization | None:
    """Find or create the customer's organization: by ``name`` (case-insensitive), else by the domain of
    ``email`` unless it is a free-mail domain (gmail.com…). ``tier`` is set only when the organization is created.
    Returns ``None`` when neither identifies a company."""
    name = (name or "").strip()[:200]
    domain = email.rsplit("@", 1)[1].lower().strip() if "@" in (email or "") else ""
    tier = tier or Tier.FREE
    if domain in FREE_MAIL_DOMAINS:
        domain = ""
    if name:
        _lock("organization:" + name.lower())
        found = Organization.objects.alias(lname=Lower("name")).filter(lname=Lower(Value(name))).order_by("id").first()
        return found or Organization.objects.create(name=name, domain=domain, tier=tier)
    if domain:
        _lock("organization-domain:" + domain)
        found = Organization.objects.filter(domain=domain).order_by("id").first()
        return found or Organization.objects.create(name=domain, domain=domain, tier=tier)
    return None


def contact_for(
    *, email: str = "", name: str = "", organization: Organization | None = None, language: str = ""
) -> Contact | None:
    """Find or create the contact: by ``email`` case-insensitively (a blank name or organization is filled in),
    else a new contact with only a ``name``. Returns ``None`` when there is neither."""
    email, name = (email or "").strip(), (name or "").strip()[:200]
    if email:
        _lock("contact:" + email.lower())
        contact = (
            Contact.objects.alias(lemail=Lower("email")).filter(lemail=Lower(Value(email))).order_by("id").first()
        )
        if contact is None:
            return Contact.objects.create(email=email, name=name, organization=organization, language=language)
        changed = []
        if name and not contact.name:
            contact.name = name
            changed.append("name")
        if organization and contact.organization_id is None:
            contact.organization = organization
            changed.append("organization")
        if changed:
            contact.save(update_fields=[*changed, "updated_at"])
        return contact
    if name:
        return Contact.objects.create(name=name, organization=organization, language=language)
    return None


@transaction.atomic
def ticket_receive(
    *,
    source: str,
    external_id: str | None,
    channel: str,
    body: str,
    subject: str = "",
    contact_email: str = "",
    contact_name: str = "",
    organization_name: str = "",
    tier: str = "",
    page_url: str = "",
    page_title: str = "",
    page_context: dict | None = None,
    metadata: dict | None = None,
    created_at: datetime | None = None,
    message_external_id: str | None = None,
    language: str = "",
    triage: bool = True,
    email_message_id: str = "",
    email_in_reply_to: str = "",
    email_references: list[str] | None = None,
    email_headers: dict | None = None,
) -> tuple[Ticket, bool]:
    """Store an incoming ticket with its first customer message; return ``(ticket, created)``.

    ``source`` (``api``, ``chat``, ``email``…) + ``external_id`` identify the ticket: a second call with the same
    pair returns the stored ticket with ``created=False`` and writes nothing. ``external_id`` ``None`` or empty
    gets a random id (no deduplication). ``channel``: a ``Channel`` value; ``tier``: a ``Tier`` value or empty;
    ``body`` is required (capped at ``IMPORT_MAX_TEXT_CHARS``, noted in ``metadata.truncated``);
    ``created_at`` defaults to now. The contact is deduplicated by email (case-insensitive), the organization by
    name or the email's company domain. With ``triage``, ``apps.workflows.tasks.triage_ticket`` is enqueued after
    commit. Raises ``ValidationError`` for an empty body, unknown channel or tier, or over-long ids, and
    ``ConflictError`` when ``message_external_id`` is already stored for another ticket.
    """
    metadata = dict(metadata or {})
    if channel not in Channel.values:
        raise ValidationError(f"Unknown channel {channel!r}; use one of {', '.join(Channel.values)}.")
    if tier and tier not in Tier.values:
        raise ValidationError(f"Unknown tier {tier!r}; use one of {', '.join(Tier.values)}.")
    if not source or len(source) > 32:
        raise ValidationError("A ticket needs a source name of at most 32 characters.")
    external_id = (external_id or "").strip()
    if len(external_id) > MAX_EXTERNAL_ID:
        raise ValidationError(f"external_id is longer than {MAX_EXTERNAL_ID} characters.")
    body = _clean_text(body, name="body", limit=max_text_chars(), metadata=metadata)
    if not body:
        raise ValidationError("A ticket needs a message body.")
    if external_id:
        _lock(f"ticket:{source}:{external_id}")  # a concurrent receive of the same ticket waits, then finds it
        existing = Ticket.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing, False
    else:
        external_id = uuid.uuid4().hex
    if message_external_id and Message.objects.filter(external_id=message_external_id).exists():
        raise ConflictError(f"Message id {message_external_id!r} already belongs to another ticket.")

    organization = organization_for(name=organization_name, email=contact_email, tier=tier)
    contact = contact_for(email=contact_email, name=contact_name, organization=organization, language=language)
    if organization is None and contact is not None:
        organization = contact.organization
    created_at = created_at or timezone.now()
    try:
        with transaction.atomic():  # savepoint: a concurrent receive of the same ticket wins, we return it
            ticket = Ticket.objects.create(
                source=source,
                external_id=external_id,
                channel=channel,
                subject=_clean_text(subject, name="subject", limit=500, metadata=metadata),
                organization=organization,
                contact=contact,
                language=(language or "")[:8],
                page_url=(page_url or "")[:1000],
                page_title=(page_title or "")[:300],
                page_context=page_context or {},
                metadata=metadata,
                created_at=created_at,
            )
    except IntegrityError:
        return Ticket.objects.get(source=source, external_id=external_id), False
    _message_create(
        ticket=ticket,
        body=body,
        author_kind=AuthorKind.CUSTOMER,
        external_id=message_external_id,
        created_at=created_at,
        email_message_id=email_message_id,
        email_in_reply_to=email_in_reply_to,
        email_references=email_references,
        email_headers=email_headers,
    )
    if triage:
        triage_enqueue_on_commit([ticket.id], task=TRIAGE_TICKET, batched=False)
    return ticket, True


def _message_create(*, ticket: Ticket, external_id: str | None, **fields: Any) -> Message:
    fields["email_references"] = fields.get("email_references") or []
    fields["email_headers"] = fields.get("email_headers") or {}
    return Message.objects.create(ticket=ticket, external_id=external_id or None, **fields)


@transaction.atomic
def message_receive(
    *,
    ticket: Ticket,
    body: str,
    external_id: str | None = None,
    author_kind: str = AuthorKind.CUSTOMER,
    created_at: datetime | None = None,
    email_message_id: str = "",
    email_in_reply_to: str = "",
    email_references: list[str] | None = None,
    email_headers: dict | None = None,
    triage: bool = True,
) -> tuple[Message, bool]:
    """Store a follow-up message in ``ticket``; return ``(message, created)``.

    ``external_id`` (a vendor message id or an email Message-ID) deduplicates: a second call with the same id
    returns the stored message with ``created=False``. A customer message reopens a pending, resolved or closed
    ticket (status ``open``, ``resolved_at`` cleared) and, with ``triage``, enqueues
    ``apps.workflows.tasks.triage_ticket`` after commit. ``author_kind``: an ``AuthorKind`` value.
    Raises ``ValidationError`` for an empty body or an unknown author kind.
    """
    if author_kind not in AuthorKind.values:
        raise ValidationError(f"Unknown author kind {author_kind!r}; use one of {', '.join(AuthorKind.values)}.")
    if external_id:
        existing = Message.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing, False
    notes: dict[str, Any] = {}
    body = _clean_text(body, name="body", limit=max_text_chars(), metadata=notes)
    if not body:
        raise ValidationError("A message needs a body.")
    try:
        with transaction.atomic():
            message = _message_create(
                ticket=ticket,
                body=body,
                author_kind=author_kind,
                external_id=external_id,
                created_at=created_at or timezone.now(),
                email_message_id=email_message_id,
                email_in_reply_to=email_in_reply_to,
                email_references=email_references,
                email_headers=email_headers,
            )
    except IntegrityError:
        return Message.objects.get(external_id=external_id), False
    fields = ["updated_at"]
    ticket.status, ticket.resolved_at, ticket.metadata = (
        Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("status", "resolved_at", "metadata").get()
    )
    if notes:  # the message was capped: say so on the ticket (messages have no metadata of their own)
        ticket.metadata.setdefault("truncated_messages", {})[str(message.id)] = notes["truncated"]["body"]
        fields.append("metadata")
    if author_kind == AuthorKind.CUSTOMER:
        if ticket.status in _REOPEN:
            ticket.status = TicketStatus.OPEN
            ticket.resolved_at = None
            fields += ["status", "resolved_at"]
        if triage:
            triage_enqueue_on_commit([ticket.id], task=TRIAGE_TICKET, batched=False)
    ticket.save(update_fields=fields)
    return message, True
