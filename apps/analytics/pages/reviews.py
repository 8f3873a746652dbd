"""Monthly review screens: the list, one category's report with sign-off, and its CSV."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import LEADS, role_required

from ..models import MonthlyReview
from ..reviews import monthly_review_csv, monthly_review_sign_off, monthly_reviews_build


@require_GET
@role_required(*LEADS)
def review_list(request: HttpRequest) -> HttpResponse:
    """``/analytics/reviews/``: the monthly reviews, newest month first."""
    reviews = MonthlyReview.objects.select_related("category", "signed_off_by")[:200]
    return render(request, "analytics/review_list.html", {"reviews": reviews})


@require_POST
@role_required(*LEADS)
def review_build(request: HttpRequest) -> HttpResponse:
    """Build last month's reviews now (the schedule does it monthly)."""
    made = monthly_reviews_build()
    messages.success(request, f"{len(made)} reviews built.")
    return redirect("analytics:review_list")


@require_GET
@role_required(*LEADS)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """``/analytics/reviews/<id>/``: one category's monthly report and its sign-off."""
    review = get_object_or_404(MonthlyReview.objects.select_related("category", "signed_off_by"), pk=pk)
    return render(request, "analytics/review_detail.html", {"review": review, "data": review.data})


@require_POST
@role_required(*LEADS)
def review_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead signs the report off (once)."""
    try:
        monthly_review_sign_off(review_id=pk, user=request.user)
        messages.success(request, "Signed off.")
    except ApplicationError as exc:
        messages.error(request, str(exc))
    return redirect("analytics:review_detail", pk=pk)


@require_GET
@role_required(*LEADS)
def review_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as CSV (``<category>-<YYYY-MM>.csv``)."""
    review = get_object_or_404(MonthlyReview.objects.select_related("category", "signed_off_by"), pk=pk)
    response = HttpResponse(monthly_review_csv(review), content_type="text/csv; charset=utf-8")
    name = f"{review.category.slug.replace('/', '-')}-{review.month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
