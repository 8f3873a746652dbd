"""Building a case's world through the real services: the customer and organization, their history, knowledge
documents, billing events, SLA calendar, agents, earlier tickets — then delivering the case's message through
the real intake (chat: ``ticket_receive``/``message_receive``; email: raw RFC 822 through ``email_receive``).

Everything runs inside the caller's transaction (the runner rolls it back after each case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from apps.escalation.models import BusinessCalendar, Queue, SLAPolicy
from apps.integrations.models import (
    BillingCharge,
    BillingCustomer,
    BillingInvoice,
    BillingPaymentIntent,
    BillingRefund,
)
from apps.knowledge.choices import SourceKind, Visibility
from apps.knowledge.ingestion.extract import parse_markdown
from apps.knowledge.services import documents_ingest, source_get_or_create
from apps.tickets.choices import AuthorKind, Channel, TicketSource, TicketStatus
from apps.tickets.email.inbound import email_receive
from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.tickets.services.intake import message_receive, ticket_receive

from .loader import Case
from .records import record_counts

SUPPORT_ADDRESS = "support@tallyflow.example"
_SIZE = re.compile(r"(\d+)\s*x\s*(\w+),\s*([\d.]+)\s*MB total\s*\(limit\s*([\d.]+)\s*MB\)", re.IGNORECASE)
_EXPAND = re.compile(r"repeat '([^']+)' up to (\d+) chars")
# Attachment sizes in a case are scaled from MB to KB (limits included), so the same limit logic runs on small mail.
SIZE_SCALE = 1024


@dataclass
class CaseWorld:
    """What the case's setup made and delivered; checks read it. ``inbound``: every customer message delivered
    (with ``created``); ``triaged``: ticket ids whose triage the intake asked for (in order)."""

    case: Case
    organization: Organization
    contact: Contact
    ticket: Ticket | None = None
    message: Message | None = None
    inbound: list[tuple[Message, bool]] = field(default_factory=list)
    triaged: list[int] = field(default_factory=list)
    tickets_before: int = 0
    max_message_id: int = 0
    existing_ticket: Ticket | None = None
    other_tickets: list[Ticket] = field(default_factory=list)  # queued mail of other customers
    kb_texts: list[str] = field(default_factory=list)
    history_bot: list[str] = field(default_factory=list)
    history_user: list[str] = field(default_factory=list)
    expected_subject: str = ""
    expected_body: str = ""
    quoted_text: str = ""
    body: str = ""
    agents: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    now: datetime | None = None
    records_before: dict = field(default_factory=dict)  # tracker issues / alerts before the case's message


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    match = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)", text)
    if not match:
        return None
    try:
        parsed = datetime.fromisoformat(match.group(1) + text[match.end() :].split(" ")[0])
    except ValueError:
        parsed = datetime.fromisoformat(match.group(1))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _slug(case: Case) -> str:
    return re.sub(r"[^a-z0-9]+", "-", case.id.lower()).strip("-") or "case"


def expanded_body(case: Case) -> str:
    """``input.body`` with ``extra.expand`` placeholders filled (``repeat 'X' up to N chars``)."""
    body = case.input.get("body") or ""
    for placeholder, rule in (case.extra.get("expand") or {}).items():
        match = _EXPAND.search(str(rule))
        if match:
            unit, size = match.group(1), int(match.group(2))
            body = body.replace(placeholder, (unit * (size // len(unit) + 1))[:size])
    return body


# -- customer -----------------------------------------------------------------------------------------------------
def _customer(case: Case) -> tuple[Organization, Contact]:
    customer = case.input.get("customer") or {}
    sender = case.extra.get("from_address") or f"customer@{_slug(case)}.case.example"
    domain = sender.rsplit("@", 1)[1].lower()
    org = Organization.objects.filter(domain=domain).first() or Organization.objects.create(
        name=f"Case {case.id} customer ({domain})",
        domain=domain,
        tier=customer.get("tier") or "free",
        plan=customer.get("plan") or "",
        external_id=f"case-{_slug(case)}",
    )
    contact = Contact.objects.create(
        organization=org, email=sender, name=sender.split("@")[0].replace(".", " ").title(), language=""
    )
    return org, contact


# -- knowledge, billing, SLA, agents ------------------------------------------------------------------------------
def _knowledge(case: Case, world: CaseWorld) -> None:
    docs = case.extra.get("kb_docs") or []
    if not docs:
        return
    source, _ = source_get_or_create(
        name=f"Failure case {case.id} knowledge", kind=SourceKind.HELP_ARTICLE, visibility=Visibility.PUBLIC
    )
    parsed = []
    for doc in docs:
        title = doc.get("title") or doc.get("id") or "Article"
        text = doc.get("text") or ""
        world.kb_texts.append(text)
        parsed.append(
            parse_markdown(f"# {title}\n\n{text}\n", external_id=str(doc.get("id") or title), fallback_title=title)
        )
    documents_ingest(source=source, documents=parsed)


def _cents(amount) -> int:
    return round(float(amount or 0) * 100)


def _billing(case: Case, world: CaseWorld) -> None:
    events = case.billing_events
    if not events:
        return
    created = min((_when(e.get("created")) for e in events if _when(e.get("created"))), default=timezone.now())
    customer = BillingCustomer.objects.create(
        id=f"cus_case_{_slug(case)}",
        organization=world.organization,
        email=world.contact.email,
        name=world.organization.name,
        currency=(events[0].get("currency") or "usd").lower(),
        created=created - timedelta(days=60),
    )
    invoices: dict[str, BillingInvoice] = {}
    charges: list[BillingCharge] = []

    def invoice_for(number: str, amount: int, when: datetime, paid: bool) -> BillingInvoice:
        if number not in invoices:
            invoices[number] = BillingInvoice.objects.create(
                id=f"in_case_{_slug(case)}_{len(invoices) + 1}",
                customer=customer,
                number=f"{number}-{_slug(case)}" if BillingInvoice.objects.filter(number=number).exists() else number,
                description=world.organization.plan or "Subscription",
                currency=customer.currency,
                amount_due=amount,
                amount_paid=amount if paid else 0,
                status=BillingInvoice.Status.PAID if paid else BillingInvoice.Status.OPEN,
                period_start=when,
                period_end=when + timedelta(days=30),
                created=when,
            )
        return invoices[number]

    for event in events:
        kind = (event.get("type") or "").lower()
        status = str(event.get("status") or "").lower()
        when = _when(event.get("created")) or created
        amount = _cents(event.get("amount"))
        currency = (event.get("currency") or customer.currency).lower()
        if kind == "invoice":
            invoice_for(event.get("number") or event.get("id"), amount, when, "paid" in status)
        elif kind in ("authorization", "payment_intent"):
            canceled = "cancel" in status
            released = re.search(r"released\s+(\S+?)\)?$", status)
            BillingPaymentIntent.objects.create(
                id=event["id"],
                customer=customer,
                amount=amount,
                amount_capturable=0 if canceled else amount,
                currency=currency,
                capture_method="manual",
                status=BillingPaymentIntent.Status.CANCELED
                if canceled
                else BillingPaymentIntent.Status.REQUIRES_CAPTURE,
                cancellation_reason="abandoned" if canceled else "",
                canceled_at=(_when(released.group(1).upper()) if released else when) if canceled else None,
                description=str(event.get("status") or ""),
                created=when,
            )
        elif kind == "charge":
            invoice = invoice_for(event["invoice"], amount, when, True) if event.get("invoice") else None
            ok = "succeeded" in status
            charges.append(
                BillingCharge.objects.create(
                    id=event["id"],
                    customer=customer,
                    invoice=invoice,
                    amount=amount,
                    amount_captured=amount if ok and ("captured" in status or "succeeded" in status) else 0,
                    currency=currency,
                    status=BillingCharge.Status.SUCCEEDED
                    if ok
                    else (BillingCharge.Status.FAILED if "fail" in status else BillingCharge.Status.PENDING),
                    paid=ok,
                    captured=ok,
                    description=str(event.get("status") or ""),
                    created=when,
                )
            )
        elif kind == "refund":
            charge = next((c for c in reversed(charges) if c.amount == amount), charges[-1] if charges else None)
            if charge is None:
                world.notes.append(f"refund {event.get('id')} has no charge to refund: skipped")
                continue
            BillingRefund.objects.create(
                id=event["id"],
                charge=charge,
                amount=amount,
                currency=currency,
                status="succeeded" if "succeeded" in status else ("failed" if "fail" in status else "pending"),
                destination_type=event.get("processed_as") or "refund",
                destination_reference=str(event.get("reference") or "")[:50],
                created=when,
            )
            charge.amount_refunded = amount
            charge.refunded = amount >= charge.amount
            charge.save(update_fields=["amount_refunded", "refunded"])
        else:
            world.notes.append(f"billing event {event.get('id')} of unknown type {kind!r}: skipped")


_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _sla(case: Case, world: CaseWorld) -> None:
    """``extra.business_hours`` ("Mon-Fri 09:00-17:00 Europe/Berlin") and ``extra.sla.first_response``
    ("1 business hour") become the SLA policy for the customer's tier, on a calendar with those hours."""
    hours = case.extra.get("business_hours")
    sla = case.extra.get("sla") or {}
    if not hours and not sla:
        return
    calendar = None
    match = re.match(r"(\w{3})-(\w{3})\s+(\d\d:\d\d)-(\d\d:\d\d)\s+(\S+)", str(hours or ""))
    if match:
        first, last = _DAYS[match.group(1).lower()[:3]], _DAYS[match.group(2).lower()[:3]]
        days = [d for d, i in _DAYS.items() if first <= i <= last]
        calendar = BusinessCalendar.objects.create(
            name=f"Failure case {case.id}",
            time_zone=match.group(5),
            weekly_hours={d: [[match.group(3), match.group(4)]] for d in days},
        )
    minutes = 60
    found = re.match(r"([\d.]+)\s*(business\s+)?(hour|minute|day)", str(sla.get("first_response") or ""))
    if found:
        unit = {"hour": 60, "minute": 1, "day": 8 * 60}[found.group(3)]
        minutes = round(float(found.group(1)) * unit)
    tier = world.organization.tier
    SLAPolicy.objects.filter(tier=tier).delete()
    for priority in ("", "low", "normal", "high", "urgent"):
        SLAPolicy.objects.create(
            name=f"Failure case {case.id} ({priority or 'any'})",
            tier=tier,
            priority=priority,
            first_response_minutes=minutes,
            resolution_minutes=minutes * 8,
            calendar=calendar,
        )


_AVAILABILITY = (("offline", "offline"), ("out of office", "offline"), ("away", "away"), ("online", "online"))


def _agents(case: Case, world: CaseWorld) -> None:
    agents = case.extra.get("agents") or {}
    if not agents:
        return
    User = get_user_model()
    queue = Queue.objects.filter(slug=case.expected.get("queue") or "support").first()
    for username, state in agents.items():
        availability = next((v for k, v in _AVAILABILITY if k in str(state).lower()), "offline")
        user, _ = User.objects.update_or_create(
            username=username, defaults={"role": "agent", "availability": availability}
        )
        world.agents[username] = user
        if queue is not None:
            queue.members.add(user)


def _previous_conversation(case: Case, world: CaseWorld) -> None:
    text = case.extra.get("previous_conversation")
    if not text:
        return
    match = re.match(r"(\S+)\s*\(([^,)]*)(?:,\s*assignee\s+(\S+?))?\)", str(text))
    ref = match.group(1) if match else f"{case.id}-previous"
    assignee = world.agents.get(match.group(3)) if match and match.group(3) else None
    created = timezone.now() - timedelta(days=14)
    ticket, _ = ticket_receive(
        source=TicketSource.CHAT,
        external_id=f"case-{_slug(case)}-{ref}",
        channel=case.channel if case.channel in Channel.values else Channel.CHAT,
        body=case.input.get("body") or "(earlier conversation)",
        contact_email=world.contact.email,
        organization_name=world.organization.name,
        created_at=created,
        triage=False,
    )
    Ticket.objects.filter(pk=ticket.pk).update(
        status=TicketStatus.RESOLVED, resolved_at=created + timedelta(hours=2), assignee=assignee
    )
    world.notes.append(f"previous conversation {ref} stored as ticket #{ticket.pk}")


def _similar(case: Case, world: CaseWorld) -> None:
    """Other customers' recent tickets with the same text (``similar_tickets_last_2h``,
    ``same_pattern_customers_last_6h``): the data a spike rule counts."""
    for key, hours in (("similar_tickets_last_2h", 2), ("same_pattern_customers_last_6h", 6)):
        count = int(case.extra.get(key) or 0)
        for index in range(count):
            email = f"other{index + 1}@{_slug(case)}-similar.case.example"
            when = timezone.now() - timedelta(minutes=(hours * 60) * (index + 1) / (count + 1))
            ticket_receive(
                source=TicketSource.CHAT,
                external_id=f"case-{_slug(case)}-similar-{index + 1}",
                channel=Channel.CHAT,
                body=expanded_body(case),
                contact_email=email,
                organization_name=f"Case {case.id} other customer {index + 1}",
                tier=(case.input.get("customer") or {}).get("tier") or "",
                metadata={"error_signature": case.extra.get("error_signature", "")},
                created_at=when,
                triage=False,
            )


# -- email -------------------------------------------------------------------------------------------------------
def _raw_email(
    *,
    sender: str,
    subject: str,
    body: str,
    date: datetime,
    headers: dict | None = None,
    raw_subject: str = "",
    html: str = "",
    cc: list[str] | None = None,
    message_id: str = "",
    attachments: list[tuple[str, bytes]] = (),
) -> bytes:
    """An RFC 822 message. With ``headers`` naming a Content-Type/Transfer-Encoding the body is written as given
    (already encoded, like the case's quoted-printable body); ``raw_subject`` is written as given too."""
    headers = dict(headers or {})
    message_id = message_id or make_msgid(domain="case.example")
    lines = {
        "From": sender,
        "To": SUPPORT_ADDRESS,
        "Date": format_datetime(date),
        "Message-ID": message_id,
        "MIME-Version": "1.0",
    }
    if cc:
        lines["Cc"] = ", ".join(cc)
    threading = {k: v for k, v in headers.items() if k.lower() in ("in-reply-to", "references")}
    content_given = any(k.lower().startswith("content-") for k in headers)
    if content_given or raw_subject:
        if not content_given:
            headers = {"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "8bit", **headers}
        head = {**lines, "Subject": raw_subject or subject, **threading}
        head.update({k: v for k, v in headers.items() if k.lower().startswith("content-")})
        text = "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n" + body.replace("\n", "\r\n")
        return text.encode("utf-8")
    message = EmailMessage()
    for key, value in {**lines, "Subject": subject, **threading}.items():
        message[key] = value
    if html and not body:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
        if html:
            message.add_alternative(html, subtype="html")
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(message)


def _attachments(case: Case) -> tuple[list[tuple[str, bytes]], dict]:
    """``extra.attachments`` ("70 x PDF, 38 MB total (limit 25 MB)") as files and the matching limit settings,
    both scaled down by ``SIZE_SCALE`` (MB → KB) so the message stays small."""
    match = _SIZE.search(str(case.extra.get("attachments") or ""))
    if not match:
        return [], {}
    count, kind = int(match.group(1)), match.group(2).lower()
    total = int(float(match.group(3)) * 1024 * 1024 / SIZE_SCALE)
    limit = int(float(match.group(4)) * 1024 * 1024 / SIZE_SCALE)
    size = max(1, total // count)
    files = [(f"invoice-{i + 1:03d}.{kind}", (b"%PDF-1.4\n" + bytes(size))[:size]) for i in range(count)]
    return files, {"EMAIL_ATTACHMENTS_MAX_TOTAL_BYTES": limit, "EMAIL_ATTACHMENT_MAX_BYTES": limit}


def _deliver_email(
    world: CaseWorld, raw: bytes, settings_override: dict | None = None
) -> tuple[Ticket, Message, bool]:
    with override_settings(**(settings_override or {})):
        ticket, message, created = email_receive(raw=raw, mailbox="support")
    if created and message.author_kind == AuthorKind.CUSTOMER:
        world.triaged.append(ticket.pk)
    return ticket, message, created


def _existing_ticket(case: Case, world: CaseWorld) -> None:
    existing = case.extra.get("existing_ticket")
    if not existing:
        return
    requester = existing.get("requester") or world.contact.email
    subject = re.sub(r"^(re|aw|fw|fwd):\s*", "", case.input.get("subject") or "", flags=re.IGNORECASE)
    raw = _raw_email(
        sender=requester,
        subject=subject or "Earlier request",
        body=f"Hello, this is the original request ({existing.get('id', 'earlier ticket')}). Thanks!",
        date=timezone.now() - timedelta(days=1),
        cc=list(existing.get("cc") or []),
        message_id=existing.get("first_message_id") or "",
    )
    ticket, _, _ = email_receive(raw=raw, mailbox="support")
    world.existing_ticket = ticket
    world.triaged.clear()


def _email_case(case: Case, world: CaseWorld, when: datetime) -> None:
    extra = case.extra
    body = expanded_body(case)
    headers = dict(extra.get("headers") or {})
    files, limits = _attachments(case)
    html = extra.get("html_part") or ""
    raw = _raw_email(
        sender=world.contact.email,
        subject=case.input.get("subject") or "",
        body=body,
        date=when,
        headers=headers,
        raw_subject=extra.get("raw_subject") or "",
        html=html,
        attachments=files,
    )
    world.ticket, world.message, created = _deliver_email(world, raw, limits)
    world.inbound.append((world.message, created))
    for index, _ in enumerate(extra.get("queued_after") or []):
        for n in range(_count_in(extra["queued_after"][index])):
            sender = f"queued{index + 1}-{n + 1}@{_slug(case)}-other.case.example"
            other = _raw_email(
                sender=sender,
                subject=f"Question {n + 1} about my invoice",
                body=f"Hello, where can I download invoice number {1000 + n}? Thanks.",
                date=when + timedelta(seconds=n + 1),
            )
            ticket, _, _ = _deliver_email(world, other)
            world.other_tickets.append(ticket)


def _count_in(text: str) -> int:
    match = re.match(r"\s*(\d+)", str(text))
    return int(match.group(1)) if match else 1


# -- chat ----------------------------------------------------------------------------------------------------------
def _chat_case(case: Case, world: CaseWorld, when: datetime) -> None:
    extra = case.extra
    body = expanded_body(case)
    common = {
        "source": TicketSource.CHAT,
        "channel": case.channel if case.channel in Channel.values else Channel.CHAT,
        "contact_email": world.contact.email,
        "organization_name": world.organization.name,
        "tier": world.organization.tier,
        "page_url": case.input.get("page_url") or "",
        "subject": case.input.get("subject") or "",
    }
    deliveries = extra.get("deliveries") or []
    if deliveries:
        for index, delivery in enumerate(deliveries):
            customer = str(delivery.get("customer") or f"C-{index}")
            email = world.contact.email if index == 0 else f"{customer.lower()}@{_slug(case)}.case.example"
            ticket, created = ticket_receive(
                **{**common, "contact_email": email, "organization_name": f"Case {case.id} {customer}"},
                external_id=f"case-{_slug(case)}-{customer}",
                message_external_id=f"case-{_slug(case)}-{delivery.get('msg_id')}",
                body=body,
                created_at=when + timedelta(seconds=index),
                triage=True,
            )
            message = ticket.messages.filter(author_kind=AuthorKind.CUSTOMER).order_by("id").first()
            world.inbound.append((message, created))
            if created:
                world.triaged.append(ticket.pk)
            if world.ticket is None:
                world.ticket, world.message = ticket, message
        return
    history = list(extra.get("history") or [])
    ticket = None
    start = when - timedelta(minutes=2 * (len(history) + 1))
    for index, turn in enumerate(history):
        at = start + timedelta(minutes=2 * index)
        text = turn.get("text") or ""
        if turn.get("role") == "user":
            world.history_user.append(text)
        else:
            world.history_bot.append(text)
        if ticket is None:
            if turn.get("role") != "user":
                continue
            ticket, _ = ticket_receive(
                **common, external_id=f"case-{_slug(case)}-conversation", body=text, created_at=at, triage=False
            )
            continue
        author = AuthorKind.CUSTOMER if turn.get("role") == "user" else AuthorKind.AI
        message_receive(ticket=ticket, body=text, author_kind=author, created_at=at, triage=False)
    world.max_message_id = Message.objects.aggregate(m=Max("id"))["m"] or 0  # the history is not this run's output
    if ticket is None:
        ticket, created = ticket_receive(
            **common, external_id=f"case-{_slug(case)}-conversation", body=body, created_at=when, triage=True
        )
        message = ticket.messages.filter(author_kind=AuthorKind.CUSTOMER).order_by("id").first()
    else:
        message, created = message_receive(ticket=ticket, body=body, created_at=when, triage=True)
    world.ticket, world.message = ticket, message
    world.inbound.append((message, created))
    if created:
        world.triaged.append(ticket.pk)


def _history_notes(case: Case, world: CaseWorld) -> None:
    summary = case.extra.get("history_summary")
    turns = case.extra.get("turn_count")
    if world.ticket is None or not (summary or turns):
        return
    metadata = dict(world.ticket.metadata or {})
    metadata["case_history"] = {"turn_count": turns, "summary": summary}
    Ticket.objects.filter(pk=world.ticket.pk).update(metadata=metadata)
    if summary:
        Message.objects.create(
            ticket=world.ticket,
            author_kind=AuthorKind.SYSTEM,
            body=f"Earlier in this conversation ({turns or '?'} turns): {summary}",
            is_internal=True,
            created_at=(world.message.created_at if world.message else timezone.now()) - timedelta(seconds=1),
        )


def case_world_build(case: Case) -> CaseWorld:
    """Set up ``case`` and deliver its message (inside the caller's transaction). Returns the ``CaseWorld``."""
    org, contact = _customer(case)
    world = CaseWorld(case=case, organization=org, contact=contact, body=expanded_body(case))
    world.now = _when(case.extra.get("now"))
    when = _when(case.extra.get("received_at")) or timezone.now()
    _knowledge(case, world)
    _billing(case, world)
    _sla(case, world)
    _agents(case, world)
    _previous_conversation(case, world)
    _similar(case, world)
    _existing_ticket(case, world)
    world.tickets_before = Ticket.objects.count()
    world.records_before = record_counts()
    world.max_message_id = Message.objects.aggregate(m=Max("id"))["m"] or 0
    if case.channel == Channel.EMAIL:
        _email_case(case, world, when)
    else:
        _chat_case(case, world, when)
    _history_notes(case, world)
    if world.ticket is not None:
        world.ticket.refresh_from_db()
    return world
