"""The review queue: pending drafts beside the selected draft's full context, and the approve / edit / reject
actions. One view serves the page and its fragments (``#draft-list`` polled every 10 s, ``#draft-detail``);
actions return the next draft's detail with the counts, the flash message and the row removal out of band.
"""

from __future__ import annotations

import difflib
from datetime import timedelta
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url

from apps.core.errors import ApplicationError, ConflictError, ValidationError
from apps.core.permissions import ALL_ROLES, LEADS, role_required
from apps.workflows.choices import DraftStatus, Outcome, RolloutState
from apps.workflows.models import Draft
from apps.workflows.selectors import (
    LIST_LIMIT,
    ReviewFilters,
    category_choices,
    draft_detail,
    review_metrics,
    review_queue_counts,
    review_queue_list,
    review_queue_next,
    snoozed_drafts,
)
from apps.workflows.services.drafts import (
    RejectReason,
    draft_approve,
    draft_edit_send,
    draft_mark_opened,
    draft_recategorize,
    draft_reject,
    draft_snooze,
    draft_unsnooze,
    steps_in_words,
)

from .presence import draft_viewing_clear, draft_viewing_mark, drafts_viewers

TEMPLATE = "workflows/review_queue.html"
SNOOZE_CHOICES = [(15, "15 minutes"), (60, "1 hour"), (240, "4 hours"), (1440, "1 day")]
HIDDEN_TRACE_KEYS = {"step", "ms", "customer", "runner_ups", "hits", "citations", "page"}


def _url(draft_id: int | None, filters: ReviewFilters) -> str:
    base = reverse("workflows:draft_detail", args=[draft_id]) if draft_id else reverse("workflows:review_queue")
    query = filters.querystring()
    return f"{base}?{query}" if query else base


def _trace_steps(trace: dict) -> list[dict]:
    """The trace's steps for display: name, milliseconds and the simple details as (key, value) pairs."""
    steps = []
    for step in trace.get("steps", []) if isinstance(trace, dict) else []:
        details = [
            (key.replace("_", " "), value)
            for key, value in step.items()
            if key not in HIDDEN_TRACE_KEYS and not isinstance(value, dict | list)
        ]
        steps.append({"name": step.get("step", "?"), "ms": step.get("ms"), "details": details})
    return steps


def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL, else ``""``: customer-supplied page URLs become links only then
    (never ``javascript:`` or ``data:``)."""
    value = (value or "").strip()
    return value if urlsplit(value).scheme.lower() in ("http", "https") else ""


def _citation(cited) -> dict:
    """A cited knowledge passage as ``{"label", "url"}`` (the engine records ``source_id`` strings)."""
    if isinstance(cited, dict):
        label = cited.get("title") or cited.get("source_id") or "passage"
        return {"label": label, "url": http_url(cited.get("url", ""))}
    return {"label": str(cited), "url": ""}


def _tree_view(trace: dict) -> dict:
    """The decision tree's part of the trace for the draft view: the path (node id, type and the step's short
    details), the lookups (name, ok, source, error) and the looked-up facts. The facts in the trace are the
    connection's allow-listed fields only (``apps.integrations.lookups``); nothing else from a vendor is kept."""
    tree = next((s for s in trace.get("steps", []) if s.get("step") == "tree"), {}) if isinstance(trace, dict) else {}
    path = []
    for step in tree.get("path") or []:
        if not isinstance(step, dict):
            continue
        details = ", ".join(
            f"{key.replace('_', ' ')}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in step.items()
            if key not in ("node", "type") and not isinstance(value, dict)
        )
        path.append({"node": step.get("node", "?"), "type": step.get("type", ""), "details": details})
    lookups = [
        {"name": lk.get("name", "?"), "ok": lk.get("ok"), "source": lk.get("source", ""), "error": lk.get("error", "")}
        for lk in tree.get("lookups") or []
        if isinstance(lk, dict)
    ]
    facts = sorted((str(k), v) for k, v in (tree.get("facts") or {}).items())
    return {"tree_path": path, "tree_end": tree.get("end", ""), "lookups": lookups, "facts": facts}


def _page_details(context: dict) -> list[tuple[str, str]]:
    """The page context the widget or API sent (product area, app version, plan …) as (key, text) pairs."""
    if not isinstance(context, dict):
        return []
    return [(str(key).replace("_", " "), str(value)[:200]) for key, value in context.items()][:12]


def _why_draft(draft: Draft) -> str:
    """Why this reply waits for a person instead of going out on its own, in words."""
    decision = draft.decision
    category = decision.category
    gate = next((s for s in (decision.trace or {}).get("steps", []) if s.get("step") == "gate"), {})
    if decision.rollout_state == RolloutState.ASSIST and gate.get("band") == Outcome.RESOLVE:
        return (
            f"The AI was confident enough to answer alone ({gate.get('band_reason', decision.reason)}), but this "
            "category is in assist rollout: every reply is a draft for review."
        )
    if category is not None and decision.confidence is not None:
        return (
            f"The AI was fairly sure but not sure enough to send: confidence {decision.confidence:.2f} is at or above "
            f"the draft threshold {category.draft_threshold:.2f} and below the auto threshold "
            f"{category.auto_threshold:.2f} of {category.name}."
        )
    return decision.reason or "The decision did not record a reason."


def _detail_context(draft: Draft | None, user) -> dict:
    """Everything the draft view shows; marks the draft as open by ``user`` while it is pending."""
    if draft is None:
        return {"draft": None}
    decision = draft.decision
    trace = decision.trace or {}
    compose = next((s for s in trace.get("steps", []) if s.get("step") == "compose"), {})
    customer_messages = [m for m in draft.ticket.visible_messages if m.author_kind == "customer"]
    new_messages = [m for m in customer_messages if m.created_at > draft.created_at]
    diff = ""
    if draft.status == DraftStatus.EDITED and draft.sent_body:
        diff = "\n".join(
            difflib.unified_diff(
                draft.body.splitlines(), draft.sent_body.splitlines(), "AI draft", "sent", lineterm="", n=1
            )
        )
    is_pending = draft.status == DraftStatus.PENDING
    other_viewer = draft_viewing_mark(draft_id=draft.pk, user=user) if is_pending else ""
    if is_pending:  # review time starts when an agent first opens the draft (one UPDATE; a no-op after that)
        draft_mark_opened(draft_id=draft.pk)
    return {
        "draft": draft,
        "decision": decision,
        "ticket": draft.ticket,
        "conversation": draft.ticket.visible_messages,
        "new_message_ids": {m.pk for m in new_messages},
        "trace_steps": _trace_steps(trace),
        "steps_in_words": steps_in_words(trace.get("steps", [])),
        "citations": [_citation(c) for c in compose.get("citations") or []],
        "why_draft": _why_draft(draft),
        "shape": "email" if draft.ticket.channel in ("email", "web") else "chat",
        "diff": diff,
        "reject_reasons": RejectReason.choices,
        "snooze_choices": SNOOZE_CHOICES,
        "snoozed_until": draft.snoozed_until if draft.snoozed_until and draft.snoozed_until > timezone.now() else None,
        "reject_label": dict(RejectReason.choices).get(draft.reject_reason, draft.reject_reason),
        "is_pending": is_pending,
        "other_viewer": other_viewer,
        "page_link": http_url(draft.ticket.page_url),
        "page_details": _page_details(draft.ticket.page_context),
        **_tree_view(trace),
        "categories": category_choices() if is_pending else [],
        "label_differs": draft.ticket.labelled_category_id not in (None, decision.category_id),
    }


def _list_context(filters: ReviewFilters, user) -> dict:
    """The queue list (first ``LIST_LIMIT`` rows, each with ``viewer``: who else has it open) and the counts."""
    now = timezone.now()
    drafts = list(review_queue_list(filters=filters, now=now)[:LIST_LIMIT])
    viewers = drafts_viewers(draft_ids=[d.pk for d in drafts], user=user)
    base, query = reverse("workflows:review_queue"), filters.querystring()
    for d in drafts:
        d.viewer = viewers.get(d.pk, "")
        d.url = f"{base}{d.pk}/" + (f"?{query}" if query else "")
    return {
        "filters": filters,
        "filter_qs": filters.querystring(),
        "drafts": drafts,
        "counts": review_queue_counts(filters=filters, now=now),
        "snoozed": snoozed_drafts(now=now),
        "now": now,
        "list_limit": LIST_LIMIT,
    }


@require_GET
@role_required(*ALL_ROLES)
def review_queue(request: HttpRequest, draft_id: int | None = None) -> HttpResponse:
    """The review queue page (``/workflows/review/``, ``/workflows/review/<id>/``) and its fragments:
    ``#draft-list`` (with the counts out of band; polled every 10 s, ``viewing`` renews the open draft's
    marker) and ``#draft-detail``."""
    filters = ReviewFilters.from_query(request.GET)
    target = request.htmx.target if request.htmx else None
    if target == "draft-list":
        viewing = request.GET.get("viewing", "")
        if viewing.isdigit():
            draft_viewing_mark(draft_id=int(viewing), user=request.user)
        context = {**_list_context(filters, request.user), "oob": True}
        return HttpResponse(
            render_to_string(f"{TEMPLATE}#draft-list", context, request)
            + render_to_string(f"{TEMPLATE}#queue-counts", context, request)
        )
    selected = None
    if draft_id is not None:
        selected = draft_detail(draft_id=draft_id)
        if selected is None:
            raise Http404("No such draft.")
    if target == "draft-detail":
        context = {"filters": filters, "filter_qs": filters.querystring(), **_detail_context(selected, request.user)}
        return render(request, f"{TEMPLATE}#draft-detail", context)
    context = _list_context(filters, request.user)
    if selected is None and context["drafts"]:
        free = next((d for d in context["drafts"] if not d.viewer), context["drafts"][0])
        selected = draft_detail(draft_id=free.pk)
    context.update(_detail_context(selected, request.user))
    return render(request, TEMPLATE, context)


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise ValidationError("The form is missing the draft version: reload the page.") from None


def _snooze_minutes(request: HttpRequest) -> int:
    allowed = [value for value, _ in SNOOZE_CHOICES]
    value = request.POST.get("minutes", "")
    if not value.isdigit() or int(value) not in allowed:
        raise ValidationError(f"Snooze for one of {', '.join(map(str, allowed))} minutes.")
    return int(value)


def _act(request: HttpRequest, draft_id: int, action: str) -> HttpResponse:
    filters = ReviewFilters.from_query(request.GET)
    confirm_stale = request.POST.get("confirm_stale") == "1"
    error: ApplicationError | None = None
    try:
        version = _version(request)
        if action == "approve":
            draft = draft_approve(draft_id=draft_id, version=version, user=request.user, confirm_stale=confirm_stale)
            text = f"Sent the AI's reply on ticket #{draft.ticket_id}."
        elif action == "edit":
            draft = draft_edit_send(
                draft_id=draft_id,
                version=version,
                user=request.user,
                body=request.POST.get("body", ""),
                confirm_stale=confirm_stale,
            )
            text = f"Sent your edited reply on ticket #{draft.ticket_id}."
        elif action == "snooze":
            minutes = _snooze_minutes(request)
            draft = draft_snooze(
                draft_id=draft_id,
                version=version,
                user=request.user,
                until=timezone.now() + timedelta(minutes=minutes),
            )
            until = timezone.localtime(draft.snoozed_until)
            text = f"Snoozed the draft on ticket #{draft.ticket_id} until {until:%Y-%m-%d %H:%M}."
        elif action == "unsnooze":
            draft = draft_unsnooze(draft_id=draft_id, version=version, user=request.user)
            text = f"The draft on ticket #{draft.ticket_id} is back in the queue."
        elif action == "category":
            draft = draft_recategorize(
                draft_id=draft_id,
                version=version,
                user=request.user,
                category_slug=request.POST.get("category", ""),
            )
            text = f"Ticket #{draft.ticket_id} is now labelled {draft.ticket.labelled_category.name}."
        else:
            draft = draft_reject(
                draft_id=draft_id,
                version=version,
                user=request.user,
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
            text = f"Rejected the draft; ticket #{draft.ticket_id} is escalated with its handoff package."
    except ApplicationError as exc:
        error = exc
    if not request.htmx:
        if error:
            messages.error(request, error.message)
            return redirect(_url(draft_id, filters))
        messages.success(request, text)
        return redirect(_url(draft_id if action in ("category", "unsnooze") else None, filters))

    acted = draft_detail(draft_id=draft_id)
    if acted is None:
        raise Http404("No such draft.")
    now = timezone.now()
    done = acted.status != DraftStatus.PENDING or (acted.snoozed_until is not None and acted.snoozed_until > now)
    if done:
        draft_viewing_clear(draft_id=draft_id, user=request.user)
    shown = acted
    if error is None and done:  # on to the next draft in the queue
        following = review_queue_next(after=acted, filters=filters, now=now)
        shown = draft_detail(draft_id=following.pk, now=now) if following else None
    if error is None:
        status, flash = 200, {"level": "success", "text": text}
    else:
        status = 409 if isinstance(error, ConflictError) else 422
        flash = {"level": "error", "text": error.message}
    context = {
        "filters": filters,
        "filter_qs": filters.querystring(),
        "counts": review_queue_counts(filters=filters, now=now),
        "snoozed": snoozed_drafts(now=now),
        "oob": True,
        "flash": flash,
        "removed_id": acted.pk if done else None,
        "edit_body": request.POST.get("body") if error and action == "edit" else None,
        "open_form": action if error and action in ("edit", "reject", "snooze") else "",
        **_detail_context(shown, request.user),
    }
    body = "".join(
        render_to_string(f"{TEMPLATE}#{name}", context, request)
        for name in ("draft-detail", "queue-counts", "flash", "row-removed")
    )
    response = HttpResponse(body, status=status)
    if error is None:
        push_url(response, _url(shown.pk if shown else None, filters))
    return response


@require_POST
@role_required(*ALL_ROLES)
def draft_approve_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Approve: send the draft as is (``version`` in the form). HTMX gets the next draft's detail."""
    return _act(request, draft_id, "approve")


@require_POST
@role_required(*ALL_ROLES)
def draft_edit_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Edit then send (``version``, ``body``)."""
    return _act(request, draft_id, "edit")


@require_POST
@role_required(*ALL_ROLES)
def draft_category_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Correct the ticket's category (``version``, ``category`` slug): a training label; the draft stays."""
    return _act(request, draft_id, "category")


@require_POST
@role_required(*ALL_ROLES)
def draft_reject_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Reject with a reason (``version``, ``reason``, ``note``): the ticket escalates."""
    return _act(request, draft_id, "reject")


@require_POST
@role_required(*ALL_ROLES)
def draft_snooze_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Snooze (``version``, ``minutes``: one of ``SNOOZE_CHOICES``): the draft leaves the queue until then."""
    return _act(request, draft_id, "snooze")


@require_POST
@role_required(*ALL_ROLES)
def draft_unsnooze_view(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Un-snooze (``version``): the draft is back in the queue now and stays open."""
    return _act(request, draft_id, "unsnooze")


METRICS_WINDOWS = (1, 7, 30, 90)


@require_GET
@role_required(*LEADS)
def review_metrics_view(request: HttpRequest) -> HttpResponse:
    """Review figures per agent and per category over the last ``?days=`` (1, 7, 30 or 90; default 30) for leads:
    reviews, median time to review, approval / edit / reject rates, median edit size."""
    days = request.GET.get("days", "30")
    days = int(days) if days.isdigit() and int(days) in METRICS_WINDOWS else 30
    metrics = review_metrics(since=timezone.now() - timedelta(days=days))
    return render(
        request, "workflows/review_metrics.html", {"metrics": metrics, "days": days, "windows": METRICS_WINDOWS}
    )
