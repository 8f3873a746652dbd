"""Completing the handoff package at escalation time: every documented key present, the final priority, SLA due
times, routing and assignment, and the conversation loaded when the caller had none.

Package keys (``Handoff.package``): conversation, customer, channel, page, understood (category, confidence,
runner-ups, fields), tried (steps, nodes, lookups, draft), why (reason, kind, triggers with evidence), facts
(allow-listed CRM/billing values), priority, sla_due_at, sla (policy, calendar, targets, due times), routing
(rule, queue, assigned_to, assignment reason), next_step.
"""

from __future__ import annotations

from collections.abc import Sequence

from apps.tickets.models import Message

MESSAGE_CHARS = 4000
CONVERSATION_MESSAGES = 30
DEFAULT_NEXT_STEP = "Read the conversation below and answer the customer personally."


def package_skeleton() -> dict:
    return {
        "conversation": [],
        "customer": {},
        "channel": "",
        "page": {},
        "understood": {"category": None, "confidence": None, "fields": {}},
        "tried": {"steps": [], "nodes": [], "lookups": [], "draft": None},
        "why": {"reason": "", "kind": "", "triggers": []},
        "facts": {},
        "priority": "",
        "sla_due_at": None,
        "sla": {},
        "routing": {},
        "next_step": "",
    }


def trigger_names(package: dict) -> tuple[str, ...]:
    """Names of the triggers recorded in ``package['why']['triggers']``."""
    why = package.get("why") if isinstance(package.get("why"), dict) else {}
    return tuple(t.get("name", "") for t in why.get("triggers") or [] if isinstance(t, dict) and t.get("name"))


def conversations_load(tickets: Sequence) -> dict[int, list[dict]]:
    """The visible conversation of each ticket (last ``CONVERSATION_MESSAGES``), one query for all."""
    out: dict[int, list[dict]] = {t.pk: [] for t in tickets}
    rows = Message.objects.filter(ticket__in=list(out), is_internal=False).order_by("created_at", "id")
    for m in rows.only("ticket_id", "author_kind", "created_at", "body"):
        out[m.ticket_id].append(
            {"author": m.author_kind, "at": m.created_at.isoformat(), "body": m.body[:MESSAGE_CHARS]}
        )
    return {k: v[-CONVERSATION_MESSAGES:] for k, v in out.items()}


def customer_of(ticket) -> dict:
    """The customer block of a package from the ticket's contact and organization (when the caller gave none)."""
    contact = ticket.contact if ticket.contact_id else None
    org = ticket.organization if ticket.organization_id else None
    return {
        "name": contact.name if contact else "",
        "email": contact.email if contact else "",
        "language": (contact.language if contact else "") or ticket.language,
        "organization": org.name if org else "",
        "tier": org.tier if org else "",
        "plan": org.plan if org else "",
    }


def package_complete(
    package: dict | None, *, ticket, reason: str, priority: str, sla: dict, routing: dict, conversation=None
) -> dict:
    """``package`` with every key of ``package_skeleton`` (nested defaults merged, given values kept) and the
    escalation's final ``priority``, ``sla`` (``SLADue.as_dict()``; ``sla_due_at`` = the handoff's due time),
    ``routing`` and, when the package had none, ``conversation``."""
    done = package_skeleton()
    for key, value in (package or {}).items():
        if isinstance(value, dict) and isinstance(done.get(key), dict):
            done[key] = {**done[key], **value}
        else:
            done[key] = value
    if not done["conversation"] and conversation:
        done["conversation"] = conversation
    if not done["channel"]:
        done["channel"] = ticket.channel
    if not done["customer"]:
        done["customer"] = customer_of(ticket)
    if not done["why"].get("reason"):
        done["why"]["reason"] = reason
    done["priority"] = priority
    done["sla"] = sla
    done["sla_due_at"] = sla.get("handoff_due_at")
    done["routing"] = routing
    if not done["next_step"]:
        done["next_step"] = DEFAULT_NEXT_STEP
    return done
