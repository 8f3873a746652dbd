"""The handoff inbox: escalations per queue sorted by SLA due time with a live countdown, the handoff package
shown readably beside the list, and claim / resolve / reassign. One view serves the page and its fragments.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError, ConflictError
from apps.core.permissions import ALL_ROLES, role_required
from apps.escalation.models import Handoff
from apps.escalation.selectors import (
    LIST_LIMIT,
    STATUS_FILTERS,
    HandoffFilters,
    handoff_detail,
    handoff_list,
    handoff_queue_counts,
    queue_choices,
)
from apps.escalation.services import handoff_claim, handoff_reassign, handoff_resolve

TEMPLATE = "escalation/handoff_list.html"
CUSTOMER_FIELDS = [
    ("name", "Name"),
    ("email", "Email"),
    ("organization", "Company"),
    ("tier", "Tier"),
    ("plan", "Plan"),
    ("segment", "Segment"),
    ("region", "Region"),
    ("language", "Language"),
]
KNOWN_KEYS = {
    "conversation",
    "customer",
    "channel",
    "page",
    "understood",
    "tried",
    "why",
    "facts",
    "priority",
    "sla_due_at",
    "sla",
    "routing",
    "next_step",
}


def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL, else ``""`` (page URLs come from customers: no ``javascript:`` links)."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in ("http", "https") else ""


def _text(value) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def package_view(package: dict) -> dict:
    """The handoff package as sections a person reads (missing keys give empty sections, unknown keys are listed
    under ``other``): next step, why, customer, what the AI understood and tried, facts, page, conversation."""
    package = _dict(package)
    customer = _dict(package.get("customer"))
    understood = _dict(package.get("understood"))
    tried = _dict(package.get("tried"))
    why = _dict(package.get("why"))
    page = _dict(package.get("page"))
    conversation = []
    for message in package.get("conversation") or []:
        if isinstance(message, dict):
            at = parse_datetime(message.get("at") or "") if isinstance(message.get("at"), str) else None
            conversation.append({"author": message.get("author", "?"), "at": at, "body": _text(message.get("body"))})
    confidence = understood.get("confidence")
    sla = _dict(package.get("sla"))
    routing = _dict(package.get("routing"))
    return {
        "next_step": _text(package.get("next_step")),
        "why_reason": _text(why.get("reason")),
        "why_kind": _text(why.get("kind")).replace("_", " "),
        "why_note": _text(why.get("note")),
        "triggers": [t for t in why.get("triggers") or [] if isinstance(t, dict)],
        "customer": [(label, _text(customer[key])) for key, label in CUSTOMER_FIELDS if customer.get(key)],
        "channel": _text(package.get("channel")),
        "category": understood.get("category_name") or understood.get("category") or "",
        "confidence": confidence if isinstance(confidence, int | float) else None,
        "runner_ups": [r for r in understood.get("runner_ups") or [] if isinstance(r, dict)],
        "customer_text": _text(understood.get("customer_text")),
        "fields": [(k.replace("_", " "), _text(v)) for k, v in _dict(understood.get("fields")).items()],
        "steps": [_text(s) for s in tried.get("steps") or []],
        "lookups": [_text(s) for s in tried.get("lookups") or []],
        "draft": _text(tried.get("draft")),
        "facts": [(k.replace("_", " "), _text(v)) for k, v in _dict(package.get("facts")).items()],
        "page_url": _text(page.get("url")),
        "page_link": http_url(_text(page.get("url"))),
        "page_title": _text(page.get("title")),
        "conversation": conversation,
        "sla_policy": _text(sla.get("policy")),
        "sla_calendar": _text(sla.get("calendar")),
        "first_response_due": parse_datetime(sla["first_response_due_at"])
        if isinstance(sla.get("first_response_due_at"), str)
        else None,
        "resolution_due": parse_datetime(sla["resolution_due_at"])
        if isinstance(sla.get("resolution_due_at"), str)
        else None,
        "routing_rule": _text(routing.get("rule")),
        "assigned_to": _text(routing.get("assigned_to")),
        "assignment": _text(routing.get("assignment")),
        "other": [(k.replace("_", " "), _text(v)) for k, v in package.items() if k not in KNOWN_KEYS],
    }


def _url(handoff_id: int | None, filters: HandoffFilters) -> str:
    base = (
        reverse("escalation:handoff_detail", args=[handoff_id]) if handoff_id else reverse("escalation:handoff_list")
    )
    query = filters.querystring()
    return f"{base}?{query}" if query else base


def _detail_context(handoff: Handoff | None, user) -> dict:
    if handoff is None:
        return {"handoff": None}
    return {
        "handoff": handoff,
        "package": package_view(handoff.package),
        "mine": handoff.claimed_by_id == user.pk,
        "queues": queue_choices(),
    }


def _list_context(request: HttpRequest, filters: HandoffFilters) -> dict:
    queues = handoff_queue_counts(user=request.user)
    return {
        "filters": filters,
        "filter_qs": filters.querystring(),
        "handoffs": list(handoff_list(filters=filters, user=request.user)[:LIST_LIMIT]),
        "queue_counts": queues,
        "total_open": sum(q.n_open for q in queues),
        "total_claimed": sum(q.n_claimed for q in queues),
        "total_mine": sum(q.n_mine for q in queues),
        "status_filters": [
            (value, label, filters.querystring(status=value)) for value, label in STATUS_FILTERS.items()
        ],
        "queue_tabs": [(q, filters.querystring(queue=q.slug)) for q in queues],
        "all_queues_qs": filters.querystring(queue=""),
        "list_limit": LIST_LIMIT,
    }


@require_GET
@role_required(*ALL_ROLES)
def handoff_list_view(request: HttpRequest, handoff_id: int | None = None) -> HttpResponse:
    """The handoff inbox (``/escalation/handoffs/``, ``…/<id>/``) and its fragments: ``#handoff-list`` (with
    the queue counts out of band; polled every 15 s) and ``#handoff-detail``."""
    filters = HandoffFilters.from_query(request.GET)
    target = request.htmx.target if request.htmx else None
    if target == "handoff-list":
        context = {**_list_context(request, filters), "oob": True}
        return HttpResponse(
            render_to_string(f"{TEMPLATE}#handoff-list", context, request)
            + render_to_string(f"{TEMPLATE}#queue-tabs", context, request)
        )
    selected = None
    if handoff_id is not None:
        selected = handoff_detail(handoff_id=handoff_id)
        if selected is None:
            raise Http404("No such handoff.")
    if target == "handoff-detail":
        context = {"filters": filters, "filter_qs": filters.querystring(), **_detail_context(selected, request.user)}
        return render(request, f"{TEMPLATE}#handoff-detail", context)
    context = _list_context(request, filters)
    if selected is None and context["handoffs"]:
        selected = handoff_detail(handoff_id=context["handoffs"][0].pk)
    context.update(_detail_context(selected, request.user))
    return render(request, TEMPLATE, context)


def _act(request: HttpRequest, handoff_id: int, action: str) -> HttpResponse:
    filters = HandoffFilters.from_query(request.GET)
    error: ApplicationError | None = None
    try:
        if action == "claim":
            handoff = handoff_claim(handoff_id=handoff_id, user=request.user)
            text = f"You claimed ticket #{handoff.ticket_id}."
        elif action == "resolve":
            handoff = handoff_resolve(handoff_id=handoff_id, user=request.user)
            text = f"Resolved ticket #{handoff.ticket_id}."
        else:
            handoff = handoff_reassign(
                handoff_id=handoff_id, queue_slug=request.POST.get("queue", ""), user=request.user
            )
            text = f"Moved ticket #{handoff.ticket_id} to {handoff.queue.name}."
    except ApplicationError as exc:
        error = exc
    if not request.htmx:
        if error:
            messages.error(request, error.message)
        else:
            messages.success(request, text)
        return redirect(_url(handoff_id, filters))
    shown = handoff_detail(handoff_id=handoff_id)
    if shown is None:
        raise Http404("No such handoff.")
    context = {
        **_list_context(request, filters),
        **_detail_context(shown, request.user),
        "oob": True,
        "flash": {"level": "error", "text": error.message} if error else {"level": "success", "text": text},
    }
    body = "".join(
        render_to_string(f"{TEMPLATE}#{name}", context, request)
        for name in ("handoff-detail", "queue-tabs", "flash", "handoff-list")
    )
    status = 200 if error is None else (409 if isinstance(error, ConflictError) else 422)
    return HttpResponse(body, status=status)


@require_POST
@role_required(*ALL_ROLES)
def handoff_claim_view(request: HttpRequest, handoff_id: int) -> HttpResponse:
    """Claim the handoff for the current user."""
    return _act(request, handoff_id, "claim")


@require_POST
@role_required(*ALL_ROLES)
def handoff_resolve_view(request: HttpRequest, handoff_id: int) -> HttpResponse:
    """Resolve the handoff (and its ticket)."""
    return _act(request, handoff_id, "resolve")


@require_POST
@role_required(*ALL_ROLES)
def handoff_reassign_view(request: HttpRequest, handoff_id: int) -> HttpResponse:
    """Move the handoff to another queue (``queue`` slug in the form)."""
    return _act(request, handoff_id, "reassign")
