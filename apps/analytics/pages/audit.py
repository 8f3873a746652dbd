"""Audit screens: the ranked categories with charts, clustering suggestions, and the escalation knowledge form."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import LEADS, role_required

from ..audit import DEFAULT_DAYS, audit_run
from ..choices import Signal, SuggestionStatus
from ..clustering import suggestion_accept, suggestion_dismiss, suggestion_merge, suggestion_rename, suggestions_build
from ..models import EscalationNote, SuggestedCategory
from ..rollup import stats_refreshed_at
from ..services.knowledge_screen import escalation_note_create

AUDIT_PERIODS = (30, 90, 180, 365)
CACHE_SECONDS = 300


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if days in AUDIT_PERIODS else DEFAULT_DAYS


@require_GET
@role_required(*LEADS)
def audit_page(request: HttpRequest) -> HttpResponse:
    """``/analytics/audit/?days=30|90|180|365``: categories ranked by automation potential, with the reasons,
    mixes and charts, from the daily figures (``rollup``; refreshed every 10 minutes); ``refresh=1`` reruns the
    audit (knowledge coverage included), otherwise results are cached for five minutes."""
    days = _days(request)
    key = f"analytics:audit:{days}"
    report = None if request.GET.get("refresh") else cache.get(key)
    if report is None:
        report = audit_run(days=days, source="stats")
        cache.set(key, report, CACHE_SECONDS)
    channels = sorted({ch for c in report.categories for ch in c.channels})
    chart = {
        "labels": [c.name for c in report.categories],
        "scores": [c.score for c in report.categories],
        "tickets": [c.tickets for c in report.categories],
        "sensitive": [c.sensitive for c in report.categories],
        "channels": channels,
        "channel_counts": [[c.channels.get(ch, 0) for c in report.categories] for ch in channels],
    }
    suggestions = SuggestedCategory.objects.filter(status=SuggestionStatus.PROPOSED)[:30]
    return render(
        request,
        "analytics/audit.html",
        {
            "report": report,
            "days": days,
            "periods": AUDIT_PERIODS,
            "chart": chart,
            "suggestions": suggestions,
            "build_order": {c.slug for c in report.build_order},
            "refreshed_at": stats_refreshed_at(),
        },
    )


@require_POST
@role_required(*LEADS)
def suggestions_cluster(request: HttpRequest) -> HttpResponse:
    """Cluster the uncategorised tickets of the audit period into new suggestions."""
    days = _days(request)
    until = timezone.now()
    try:
        made = suggestions_build(since=until - timedelta(days=days), until=until)
        messages.success(request, f"{len(made)} suggested categories from the uncategorised tickets.")
    except ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('analytics:audit')}?days={days}")


@require_POST
@role_required(*LEADS)
def suggestion_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, merge, accept or dismiss one suggestion (``action`` = rename | merge | accept | dismiss)."""
    action = request.POST.get("action", "")
    try:
        if action == "rename":
            suggestion_rename(suggestion_id=pk, name=request.POST.get("name", ""), user=request.user)
        elif action == "merge":
            ids = [int(x) for x in request.POST.getlist("merge") if x.isdigit()]
            suggestion_merge(target_id=pk, source_ids=ids, user=request.user)
        elif action == "accept":
            if request.POST.get("name"):
                suggestion_rename(suggestion_id=pk, name=request.POST["name"], user=request.user)
            suggestion_accept(suggestion_id=pk, user=request.user)
        elif action == "dismiss":
            suggestion_dismiss(suggestion_id=pk, user=request.user)
        else:
            messages.error(request, "Unknown action.")
            return redirect("analytics:audit")
        messages.success(request, f"Suggestion {pk}: {action} done.")
    except ApplicationError as exc:
        messages.error(request, str(exc))
    except SuggestedCategory.DoesNotExist:
        messages.error(request, f"No suggestion {pk}.")
    return redirect("analytics:audit")


@require_http_methods(["GET", "POST"])
@role_required(*LEADS)
def escalation_knowledge(request: HttpRequest) -> HttpResponse:
    """``/analytics/escalation-knowledge/``: senior agents write down what they watch for; each note becomes
    trigger rules (keywords, tiers, signals)."""
    form = {"title": "", "keywords": "", "tiers": [], "signals": [], "queue_slug": "", "note": ""}
    error = ""
    if request.method == "POST":
        form = {
            "title": request.POST.get("title", ""),
            "keywords": request.POST.get("keywords", ""),
            "tiers": request.POST.getlist("tiers"),
            "signals": request.POST.getlist("signals"),
            "queue_slug": request.POST.get("queue_slug", ""),
            "note": request.POST.get("note", ""),
        }
        try:
            note = escalation_note_create(**form, author=request.user)
            messages.success(request, f"Saved; trigger rules: {', '.join(note.rule_names)}.")
            return redirect("analytics:escalation_knowledge")
        except ApplicationError as exc:
            error = str(exc)
    from apps.escalation.models import Queue
    from apps.tickets.choices import Tier

    return render(
        request,
        "analytics/escalation_knowledge.html",
        {
            "form": form,
            "error": error,
            "notes": EscalationNote.objects.select_related("author")[:50],
            "tiers": Tier.choices,
            "signals": Signal.choices,
            "queues": Queue.objects.order_by("name").values_list("slug", "name"),
        },
        status=400 if error else 200,
    )
