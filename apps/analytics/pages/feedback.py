"""Feedback screens: the public rating page behind a signed link, and the review list of unhelpful answers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import LEADS, role_required

from ..choices import ReviewState
from ..models import Feedback
from ..services.feedback import feedback_mark_reviewed, feedback_record_from_link, feedback_token_read


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.strip().lstrip("-").isdigit() else None


def _bool_or_none(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get((value or "").lower())


@require_http_methods(["GET", "POST"])
def feedback_link_page(request: HttpRequest, token: str) -> HttpResponse:
    """``/analytics/rate/<token>/`` (public): GET shows the rating form (``?csat=`` / ``?helpful=`` preselect it);
    POST records the rating. A bad or expired signature gets a 400 page and records nothing."""
    try:
        ticket, _ = feedback_token_read(token)
    except ApplicationError as exc:
        return render(request, "analytics/feedback_link.html", {"error": str(exc)}, status=400)
    context = {
        "ticket": ticket,
        "csat": _int_or_none(request.GET.get("csat")),
        "helpful": request.GET.get("helpful", ""),
        "scores": [1, 2, 3, 4, 5],
    }
    if request.method == "POST":
        try:
            feedback_record_from_link(
                token=token,
                csat=_int_or_none(request.POST.get("csat")),
                helpful=_bool_or_none(request.POST.get("helpful")),
                comment=request.POST.get("comment", ""),
            )
        except ApplicationError as exc:
            context["error"] = str(exc)
            return render(request, "analytics/feedback_link.html", context, status=400)
        return render(request, "analytics/feedback_link.html", {**context, "thanks": True})
    return render(request, "analytics/feedback_link.html", context)


@require_http_methods(["GET"])
@role_required(*LEADS)
def feedback_review_list(request: HttpRequest) -> HttpResponse:
    """``/analytics/feedback/``: unhelpful answers (helpful = no or CSAT ≤ 2) waiting for review, newest first,
    each with its Decision's trace; ``?state=reviewed`` lists the reviewed ones."""
    state = request.GET.get("state", ReviewState.OPEN)
    state = state if state in ReviewState.values else ReviewState.OPEN
    items = (
        Feedback.objects.filter(review_state=state)
        .exclude(helpful=True, csat__isnull=True)
        .exclude(helpful__isnull=True, csat__gt=2)
        .select_related("ticket__category", "decision", "message", "reviewed_by")[:100]
    )
    return render(request, "analytics/feedback_review.html", {"items": items, "state": state})


@require_POST
@role_required(*LEADS)
def feedback_review_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one unhelpful answer as reviewed."""
    try:
        feedback_mark_reviewed(feedback_id=pk, user=request.user)
        messages.success(request, "Marked as reviewed.")
    except ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect("analytics:unhelpful_list")
