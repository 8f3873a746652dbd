"""Review actions on AI drafts: approve (send as is), edit then send, reject (escalate with a handoff package),
correct the category (a training label), snooze (hide from the queue for a while) and un-snooze.

Each action locks the draft row (``select_for_update``) and checks the ``version`` the agent reviewed, so two
agents acting on the same draft at once give exactly one outcome and at most one message to the customer: the
second gets a ``ConflictError`` saying what happened. Every successful action bumps ``Draft.version``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from apps.core.errors import ConflictError, ValidationError
from apps.escalation.choices import HandoffStatus
from apps.escalation.models import Handoff
from apps.escalation.services import handoff_create
from apps.tickets.choices import AuthorKind
from apps.tickets.models import Message, Ticket
from apps.tickets.services.replies import reply_send
from apps.workflows.choices import DraftStatus
from apps.workflows.engine.language import AGENT_NOTE_PREFIX
from apps.workflows.guard import reply_violations
from apps.workflows.models import Category, Decision, Draft

MAX_BODY_CHARS = 20_000
MAX_NOTE_CHARS = 2_000
CONVERSATION_MESSAGES = 30
MESSAGE_CHARS = 4_000
MAX_SNOOZE = timedelta(days=7)


class RejectReason(models.TextChoices):
    """Why an agent rejected a draft (stored in ``Draft.reject_reason`` and the handoff package)."""

    WRONG_ANSWER = "wrong_answer", "Wrong or incomplete answer"
    WRONG_CATEGORY = "wrong_category", "Wrong category"
    WRONG_TONE = "wrong_tone", "Wrong tone for this customer"
    MISSING_INFO = "missing_info", "Needs information the AI doesn't have"
    NEEDS_HUMAN = "needs_human", "Needs a human (sensitive, commitment, judgement)"
    OTHER = "other", "Other (see note)"


def _locked_draft(*, draft_id: int, version: int) -> Draft:
    """The pending draft ``draft_id``, row-locked, after the optimistic version check.

    Raises ``ValidationError`` when it doesn't exist, ``ConflictError`` when it was already reviewed or changed.
    """
    draft = (
        Draft.objects.select_for_update(of=("self",))
        .select_related("ticket", "reviewed_by", "decision")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None:
        raise ValidationError(f"Draft {draft_id} does not exist.", extra={"draft_id": draft_id})
    if draft.status == DraftStatus.SUPERSEDED:
        handoff = (
            Handoff.objects.filter(ticket_id=draft.ticket_id, status__in=[HandoffStatus.OPEN, HandoffStatus.CLAIMED])
            .select_related("queue")
            .order_by("-id")
            .first()
        )
        why = (
            f"the conversation was handed to a person (handoff {handoff.pk} in queue {handoff.queue.name}): "
            "answer through the handoff instead"
            if handoff
            else "the customer wrote again and the AI prepared a newer draft"
        )
        raise ConflictError(
            f"Draft {draft_id} was superseded: {why}.",
            extra={
                "draft_id": draft_id,
                "status": draft.status,
                "version": draft.version,
                "handoff_id": handoff.pk if handoff else None,
            },
        )
    if draft.status != DraftStatus.PENDING:
        who = draft.reviewed_by.get_username() if draft.reviewed_by else "someone else"
        raise ConflictError(
            f"Draft {draft_id} was already handled by {who}: {draft.get_status_display().lower()}.",
            extra={"draft_id": draft_id, "status": draft.status, "version": draft.version},
        )
    if draft.version != version:
        raise ConflictError(
            f"Draft {draft_id} changed since you opened it (version {version}, now {draft.version}): review it again.",
            extra={"draft_id": draft_id, "status": draft.status, "version": draft.version},
        )
    return draft


def draft_is_stale(*, draft: Draft) -> bool:
    """True when the customer wrote again after the draft was prepared (one query on ``tickets.Message``)."""
    return Message.objects.filter(
        ticket_id=draft.ticket_id, author_kind=AuthorKind.CUSTOMER, is_internal=False, created_at__gt=draft.created_at
    ).exists()


def _check_stale(draft: Draft, confirm_stale: bool) -> None:
    if not confirm_stale and draft_is_stale(draft=draft):
        raise ConflictError(
            f"The customer wrote again after draft {draft.pk} was prepared: read the new message, then confirm "
            "the draft still fits or reject it.",
            extra={"draft_id": draft.pk, "status": draft.status, "version": draft.version, "stale": True},
        )


def _check_not_a_note(text: str) -> None:
    """Refuse to send a note the engine wrote for the agent (``engine.language.AGENT_NOTE_PREFIX``: e.g. the
    customer's language has no reply material) as if it were the reply."""
    if text.lstrip().startswith(AGENT_NOTE_PREFIX):
        raise ValidationError(
            "This draft is a note for you, not a reply: write the reply (in the customer's language) with Edit, "
            "or reject the draft.",
            extra={"note": True},
        )


def _check_restrictions(text: str) -> None:
    """Refuse to send ``text`` when the guard finds a commitment, an outside link or a quoted internal passage."""
    violations = reply_violations(text)
    if violations:
        found = "; ".join(f'{v.name}: "{v.evidence}"' for v in violations)
        raise ValidationError(
            "The reply was not sent: it commits the company or links outside the allowed sites, which only the "
            f"billing, legal or account teams may do ({found}). Reword it, or reject the draft so the right team "
            "takes over.",
            extra={"violations": [v.as_dict() for v in violations]},
        )


def _mark_reviewed(draft: Draft, *, user, status: str, fields: list[str]) -> Draft:
    draft.status = status
    draft.reviewed_by = user
    draft.reviewed_at = timezone.now()
    draft.version += 1
    draft.save(update_fields=["status", "reviewed_by", "reviewed_at", "version", "updated_at", *fields])
    return draft


@transaction.atomic
def draft_approve(*, draft_id: int, version: int, user, confirm_stale: bool = False) -> Draft:
    """Send draft ``draft_id`` to the customer as the AI wrote it, reviewed by ``user``.

    ``version``: the draft version the agent reviewed. The reply goes through ``reply_send`` as an AI message
    with ``user`` as the reviewing author; ``sent_body`` keeps the sent text; status becomes ``approved``.
    ``confirm_stale``: send even though the customer wrote after the draft was prepared.
    Raises ``ConflictError`` (already handled, changed, or stale) and ``ValidationError`` (unknown draft).
    """
    draft = _locked_draft(draft_id=draft_id, version=version)
    _check_not_a_note(draft.body)
    _check_stale(draft, confirm_stale)
    reply_send(ticket=draft.ticket, body=draft.body, author_kind=AuthorKind.AI, author_user=user)
    draft.sent_body = draft.body.strip()
    return _mark_reviewed(draft, user=user, status=DraftStatus.APPROVED, fields=["sent_body"])


@transaction.atomic
def draft_edit_send(*, draft_id: int, version: int, user, body: str, confirm_stale: bool = False) -> Draft:
    """Send ``body`` (the agent's edit of draft ``draft_id``) to the customer; the AI's text stays in ``body``
    and what was sent goes to ``sent_body``, so the difference can be measured. Status becomes ``edited``
    (``approved`` when the text is unchanged). The message is an agent message by ``user``.

    Raises ``ValidationError`` for an empty or over-long body (max 20,000 characters), for text the guard refuses
    (``apps.workflows.guard.reply_violations``: commitments such as "we will refund", links outside
    ``settings.REPLY_LINK_HOSTS``; nothing is sent and the draft stays pending) and ``ConflictError`` as
    ``draft_approve``.
    """
    text = (body or "").strip()
    if not text:
        raise ValidationError("The edited reply is empty: write the reply or approve the draft as it is.")
    if len(text) > MAX_BODY_CHARS:
        raise ValidationError(f"The edited reply is {len(text):,} characters; the limit is {MAX_BODY_CHARS:,}.")
    _check_not_a_note(text)
    _check_restrictions(text)
    draft = _locked_draft(draft_id=draft_id, version=version)
    _check_stale(draft, confirm_stale)
    unchanged = text == draft.body.strip()
    author = AuthorKind.AI if unchanged else AuthorKind.AGENT
    reply_send(ticket=draft.ticket, body=text, author_kind=author, author_user=user)
    draft.sent_body = text
    status = DraftStatus.APPROVED if unchanged else DraftStatus.EDITED
    return _mark_reviewed(draft, user=user, status=status, fields=["sent_body"])


@transaction.atomic
def draft_reject(*, draft_id: int, version: int, user, reason: str, note: str = "") -> Draft:
    """Reject draft ``draft_id``: nothing is sent, the ticket escalates through ``handoff_create`` to the
    category's default queue (general when it has none) with a handoff package built from the draft's Decision.

    ``reason``: one of ``RejectReason`` (stored in ``reject_reason``); ``note``: free text, up to 2,000 characters
    (``reject_note``; required for ``other``). Raises ``ValidationError`` for an unknown reason or a missing
    note, ``ConflictError`` when the draft was already handled or changed.
    """
    if reason not in RejectReason.values:
        raise ValidationError(
            f"Unknown reject reason {reason!r}: use one of {', '.join(RejectReason.values)}.", extra={"reason": reason}
        )
    note = (note or "").strip()
    if reason == RejectReason.OTHER and not note:
        raise ValidationError("Say why in the note when the reason is 'other'.")
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"The note is {len(note):,} characters; the limit is {MAX_NOTE_CHARS:,}.")
    draft = _locked_draft(draft_id=draft_id, version=version)
    decision = Decision.objects.select_related(
        "category__default_queue", "ticket__organization", "ticket__contact"
    ).get(pk=draft.decision_id)
    ticket = decision.ticket
    label = RejectReason(reason).label
    text = f"draft rejected by {user.get_username()}: {label}" + (f" — {note}" if note else "")
    queue = decision.category.default_queue if decision.category else None
    handoff_create(
        ticket=ticket,
        queue_slug=queue.slug if queue else None,
        reason=text,
        priority=ticket.priority,
        package=handoff_package_from_decision(decision=decision, draft=draft, reason=reason, note=note, user=user),
        decision=decision,
    )
    draft.reject_reason = reason
    draft.reject_note = note
    return _mark_reviewed(draft, user=user, status=DraftStatus.REJECTED, fields=["reject_reason", "reject_note"])


@transaction.atomic
def draft_recategorize(*, draft_id: int, version: int, user, category_slug: str) -> Draft:
    """Set the category of draft ``draft_id``'s ticket to ``category_slug`` as a human label: the ticket's
    ``category`` and ``labelled_category`` (what ``train_classifier`` learns from) both change; the AI's Decision
    keeps what it predicted. The draft stays pending (edit, approve or reject it next) and its version is bumped.

    Raises ``ValidationError`` for an unknown category or draft and ``ConflictError`` as ``draft_approve``.
    """
    category = Category.objects.filter(slug=category_slug).first()
    if category is None:
        raise ValidationError(f"Category {category_slug!r} does not exist.", extra={"category": category_slug})
    draft = _locked_draft(draft_id=draft_id, version=version)
    ticket = draft.ticket
    ticket.category = category
    ticket.labelled_category = category
    ticket.save(update_fields=["category", "labelled_category", "updated_at"])
    draft.version += 1
    draft.save(update_fields=["version", "updated_at"])
    return draft


@transaction.atomic
def draft_snooze(*, draft_id: int, version: int, user, until: datetime, now: datetime | None = None) -> Draft:
    """Hide pending draft ``draft_id`` from the review queue until ``until`` (an aware datetime, later than
    ``now`` and at most 7 days ahead). The draft stays pending and comes back on its own when the time passes;
    its version is bumped. ``user`` is the agent snoozing it (kept for symmetry with the other actions).

    Raises ``ValidationError`` for a naive, past or too-distant time and ``ConflictError`` as ``draft_approve``.
    """
    now = now or timezone.now()
    if until is None or timezone.is_naive(until):
        raise ValidationError("Snooze needs a date and time with a time zone.")
    if until <= now:
        raise ValidationError(f"Snooze until {until:%Y-%m-%d %H:%M} is not in the future.")
    if until - now > MAX_SNOOZE:
        raise ValidationError(f"A draft can be snoozed for at most {MAX_SNOOZE.days} days.")
    draft = _locked_draft(draft_id=draft_id, version=version)
    draft.snoozed_until = until
    draft.version += 1
    draft.save(update_fields=["snoozed_until", "version", "updated_at"])
    return draft


@transaction.atomic
def draft_unsnooze(*, draft_id: int, version: int, user) -> Draft:
    """Put snoozed draft ``draft_id`` back in the review queue now (``snoozed_until`` cleared, version bumped).
    ``user`` is the agent or lead doing it (kept for symmetry with the other actions).

    Raises ``ValidationError`` when the draft is not snoozed (never was, or its time already passed) and
    ``ConflictError`` as ``draft_approve``.
    """
    draft = _locked_draft(draft_id=draft_id, version=version)
    if draft.snoozed_until is None or draft.snoozed_until <= timezone.now():
        raise ValidationError(
            f"Draft {draft_id} is not snoozed: it is already in the review queue.",
            extra={"draft_id": draft_id, "version": draft.version},
        )
    draft.snoozed_until = None
    draft.version += 1
    draft.save(update_fields=["snoozed_until", "version", "updated_at"])
    return draft


def draft_mark_opened(*, draft_id: int, now: datetime | None = None) -> bool:
    """Record when an agent first opened draft ``draft_id`` (``opened_at``, set once, only while pending): the
    start of its review time. One UPDATE; True when this call set it."""
    return bool(
        Draft.objects.filter(pk=draft_id, status=DraftStatus.PENDING, opened_at__isnull=True).update(
            opened_at=now or timezone.now()
        )
    )


def steps_in_words(steps: list[dict]) -> list[str]:
    """The Decision trace's steps (``trace["steps"]``) as short sentences an agent reads."""
    lines = []
    for step in steps:
        name = step.get("step")
        if name == "classify" and "category" in step:
            ups = ", ".join(f"{r['category']} {r['confidence']:.2f}" for r in step.get("runner_ups", [])[:3])
            lines.append(
                f"classified as {step['category']} ({step['confidence']:.2f})"
                + (f"; runner-ups: {ups}" if ups else "")
            )
        elif name == "classify" and ("error" in step or "skipped" in step):
            lines.append(f"classification: {step.get('error') or step.get('skipped')}")
        elif name == "triggers":
            found = ", ".join(f"{h['name']} ({h['evidence']!r})" for h in step.get("hits", []))
            lines.append(f"checked {step.get('rules', 0)} hard triggers: {found or 'none fired'}")
        elif name == "gate":
            lines.append(f"rollout {step.get('rollout_state')}: band {step.get('band')} → {step.get('outcome')}")
        elif name == "compose" and "error" in step:
            lines.append(f"composing a reply failed: {step['error']}")
        elif name == "compose" and "model" in step:
            cited = len(step.get("citations") or [])
            lines.append(f"composed a reply with {step['model']}" + (f", citing {cited} passages" if cited else ""))
        elif name == "decide":
            lines.append(f"decided: {step.get('outcome')} ({step.get('reason', '')})")
    return lines


def handoff_package_from_decision(*, decision: Decision, draft: Draft, reason: str, note: str, user) -> dict:
    """The handoff package for a rejected draft, with the same keys as the triage engine's package
    (conversation, customer, channel, page, understood, tried, why, facts, priority, sla_due_at, next_step).

    Reads the ticket's visible messages (one query); ``decision`` should come with its ticket's organization and
    contact selected.
    """
    ticket: Ticket = decision.ticket
    messages = list(
        Message.objects.filter(ticket=ticket, is_internal=False).order_by("-created_at", "-id")[:CONVERSATION_MESSAGES]
    )
    org, contact = ticket.organization, ticket.contact
    trace = decision.trace or {}
    customer_text = next((m.body for m in messages if m.author_kind == AuthorKind.CUSTOMER), "")
    label = RejectReason(reason).label
    return {
        "conversation": [
            {"author": m.author_kind, "at": m.created_at.isoformat(), "body": m.body[:MESSAGE_CHARS]}
            for m in reversed(messages)
        ],
        "customer": {
            "name": contact.name if contact else "",
            "email": contact.email if contact else "",
            "language": (contact.language if contact else "") or ticket.language,
            "organization": org.name if org else "",
            "tier": org.tier if org else "",
            "plan": org.plan if org else "",
            "segment": org.segment if org else "",
            "region": org.region if org else "",
        },
        "channel": ticket.channel,
        "page": {
            "url": ticket.page_url,
            "title": ticket.page_title,
            **({"context": ticket.page_context} if ticket.page_context else {}),
        },
        "understood": {
            "category": decision.category.slug if decision.category else None,
            "category_name": decision.category.name if decision.category else None,
            "confidence": decision.confidence,
            "runner_ups": decision.runner_ups,
            "out_of_scope": False,
            "customer_text": customer_text[:2000],
            "fields": {},
        },
        "tried": {
            "steps": steps_in_words(trace.get("steps", [])),
            "outcome": decision.outcome,
            "nodes": [],
            "lookups": [],
            "draft": draft.body,
        },
        "why": {
            "reason": f"draft rejected by {user.get_username()}: {label}" + (f" — {note}" if note else ""),
            "kind": "draft_rejected",
            "reject_reason": reason,
            "note": note,
            "triggers": decision.triggers,
            "decision_reason": decision.reason,
        },
        "facts": {},
        "priority": ticket.priority,
        "sla_due_at": None,
        "next_step": f"An agent rejected the AI's draft ({label.lower()}): answer personally; the draft is below.",
    }
