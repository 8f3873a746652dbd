"""The change history screen for leads and admins: who changed which workflow, threshold, trigger, queue, SLA
policy, routing rule, organization or user, and what changed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.permissions import LEADS, role_required

from .selectors import changes_recent, history_model_labels

PAGE = 100


@require_GET
@role_required(*LEADS)
def change_list(request: HttpRequest) -> HttpResponse:
    """The latest changes (``?model=app_label.ModelName`` to filter), newest first; each links to the object's
    history in the admin, where every version can be compared."""
    labels = history_model_labels()
    model = request.GET.get("model", "")
    model = model if model in labels else ""
    context = {"changes": changes_recent(limit=PAGE, model_label=model), "models": labels, "model": model}
    return render(request, "audit/change_list.html", context)
