"""Workflow studio screens for leads and admins: the workflow list with rollout state and per-category figures,
the calibration (risk–coverage) screen and the rollout state change. Agents get 403 (the studio changes what
the AI may do; agents work in the review queue and handoff inbox).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import LEADS, role_required
from apps.workflows.calibration import calibration_report
from apps.workflows.choices import RolloutState
from apps.workflows.models import Category
from apps.workflows.selectors import CategoryFigures, category_figures
from apps.workflows.services.rollout import category_rollout_set, rollout_next_states

FIGURE_DAYS = 30


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


@require_GET
@role_required(*LEADS)
def workflow_list(request: HttpRequest) -> HttpResponse:
    """Every category with its rollout state, thresholds, published workflow version and last-30-day figures."""
    return _list_page(request)


def _list_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    from .workflows_versions import published_versions

    figures = category_figures(days=FIGURE_DAYS)
    published = published_versions()
    rows = []
    for category in Category.objects.select_related("default_queue").order_by("name"):
        f = figures.get(category.pk) or CategoryFigures()
        rows.append(
            {
                "category": category,
                "figures": f,
                "resolution": _percent(f.resolution_rate),
                "escalation": _percent(f.escalation_rate),
                "published": published.get(category.pk),
                "next_states": rollout_next_states(category.rollout_state),
            }
        )
    return render(
        request,
        "workflows/workflow/workflow_list.html",
        {"rows": rows, "days": FIGURE_DAYS, "states": dict(RolloutState.choices)},
        status=status,
    )


@require_POST
@role_required(*LEADS)
def workflow_rollout(request: HttpRequest, category_id: int) -> HttpResponse:
    """Move a category to the posted rollout ``state``; returns the list row (HTMX) or redirects to the (same-site)
    ``next`` address or the list. A refused move (unknown state, skipped step) answers 422 with the error: the row
    for HTMX, else the list page with the error message."""
    category = get_object_or_404(Category, pk=category_id)
    error = ""
    try:
        category = category_rollout_set(category=category, state=request.POST.get("state", ""), user=request.user)
    except ApplicationError as exc:
        error = exc.message
    if request.htmx:
        response = render(
            request,
            "workflows/workflow/partials/_rollout.html",
            {
                "category": category,
                "next_states": rollout_next_states(category.rollout_state),
                "states": dict(RolloutState.choices),
                "error": error,
            },
        )
        if error:
            response.status_code = 422
        return response
    if error:
        messages.error(request, error)
        return _list_page(request, status=422)
    messages.success(request, f"{category.name}: rollout {category.get_rollout_state_display()}")
    target = request.POST.get("next", "")
    same_site = {"allowed_hosts": {request.get_host()}, "require_https": request.is_secure()}
    if not url_has_allowed_host_and_scheme(target, **same_site):
        target = "workflows:workflow_list"
    return redirect(target)


@require_GET
@role_required(*LEADS)
def workflow_calibration(request: HttpRequest) -> HttpResponse:
    """The active classifier's risk–coverage curve (all categories or one, ``?category=slug``) and reliability."""
    error = ""
    try:
        report = calibration_report()
    except ApplicationError as exc:
        report, error = None, exc.message
    context: dict = {"report": report, "error": error}
    if report is not None:
        wanted = request.GET.get("category", "all")
        group = next((c for c in report.categories if c.key == wanted), report.overall)
        category = Category.objects.filter(slug=group.key).first() if group.key != "all" else None
        for row in group.rows:
            row["error_pct"] = 100 * row["error_rate"]
        context.update(
            group=group,
            category=category,
            current_row=group.at(category.auto_threshold) if category else None,
            chart={
                "thresholds": [r["threshold"] for r in group.rows],
                "coverage": [round(100 * r["coverage"], 2) for r in group.rows],
                "error_rate": [round(100 * r["error_rate"], 2) for r in group.rows],
            },
        )
    elif not error:
        return render(request, "workflows/workflow/workflow_calibration.html", {"report": None})
    template = "workflows/workflow/workflow_calibration.html"
    if request.htmx and report is not None:
        template += "#calibration-panel"
    return render(request, template, context)


def _threshold(raw: str | None, default: float) -> float:
    """A threshold from a form field (0–1); raises ``ValidationError`` for anything else."""
    from apps.core.errors import ValidationError

    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValidationError(f"{raw!r} is not a number between 0 and 1") from exc
    if not 0.0 <= value <= 1.0:
        raise ValidationError(f"{value} is outside 0–1")
    return value


def backtest_context(*, category: Category, auto: float, draft: float, limit: int, version=None) -> dict:
    """Template context of the backtest panel: figures at ``auto`` / ``draft`` for ``category`` and the sweep of
    auto thresholds, replaying ``version``'s tree when given (else the published one). Raises ``ApplicationError``."""
    from apps.core.errors import ValidationError
    from apps.workflows.services.backtest import SWEEP, backtest_replay

    if draft > auto:
        raise ValidationError(f"the draft threshold ({draft:.2f}) must not be above the auto threshold ({auto:.2f})")
    overrides = {}
    if version is not None:  # the version's whole content (tree, required information, …); thresholds come from
        overrides = {  # the inputs (the replay sweeps them)
            category.slug: {
                "tree": version.tree,
                "number": version.number,
                "required_fields": version.required_fields or [],
                "profiles": version.profiles or {},
                "guidelines": version.guidelines,
            }
        }
    replay = backtest_replay(limit=limit, overrides=overrides)
    figures = replay.figures(category.slug, auto=auto, draft=draft)
    sweep = replay.sweep(category.slug, draft=draft, thresholds=sorted({*SWEEP, round(auto, 2)}))

    def pct(value):
        return None if value is None else round(100 * value, 1)

    return {
        "bt": figures,
        "bt_pct": {k: pct(figures[k]) for k in ("auto_rate", "draft_rate", "escalate_rate", "agreement")},
        "sweep": sweep,
        "replayed": len(replay.rows),
        "limit": limit,
        "sweep_chart": {
            "thresholds": [r["auto_threshold"] for r in sweep],
            "auto": [pct(r["auto_rate"]) for r in sweep],
            "draft": [pct(r["draft_rate"]) for r in sweep],
            "escalate": [pct(r["escalate_rate"]) for r in sweep],
            "agreement": [pct(r["agreement"]) for r in sweep],
            "auto_wrong": [r["auto_wrong"] for r in sweep],
        },
    }


BACKTEST_LIMITS = (200, 500, 1000, 2500)


def _backtest_limit(raw: str | None) -> int:
    """The number of tickets to replay from the ``limit`` query field: one of ``BACKTEST_LIMITS`` (500 when
    empty). Raises ``ValidationError`` for anything else (not a number, or a size the screen does not offer)."""
    from apps.core.errors import ValidationError

    if raw in (None, ""):
        return 500
    choices = ", ".join(str(n) for n in BACKTEST_LIMITS[:-1]) + f" or {BACKTEST_LIMITS[-1]}"
    try:
        limit = int(raw)
    except ValueError as exc:
        raise ValidationError(f"replay {choices} tickets, not {raw!r}") from exc
    if limit not in BACKTEST_LIMITS:
        raise ValidationError(f"replay {choices} tickets, not {limit}")
    return limit


@require_GET
@role_required(*LEADS)
def workflow_backtest(request: HttpRequest, category_id: int) -> HttpResponse:
    """The backtest panel for the thresholds in the query (``auto``, ``draft``, ``limit``, ``version``): what
    they would have done on the last ``limit`` labelled tickets. Polled by the threshold inputs as they change."""
    from .workflows_versions import version_for

    category = get_object_or_404(Category, pk=category_id)
    context: dict = {"category": category, "limits": BACKTEST_LIMITS}
    status = 200
    try:
        version = version_for(category, request.GET.get("version"))
        limit = _backtest_limit(request.GET.get("limit"))
        auto = _threshold(request.GET.get("auto"), category.auto_threshold)
        draft = _threshold(request.GET.get("draft"), category.draft_threshold)
        context.update(backtest_context(category=category, auto=auto, draft=draft, limit=limit, version=version))
    except ApplicationError as exc:
        context["bt_error"], status = exc.message, 422
    return render(request, "workflows/workflow/partials/_backtest.html", context, status=status)


@require_GET
@role_required(*LEADS)
def workflow_detail(request: HttpRequest, category_id: int) -> HttpResponse:
    """One category's workflow: rollout, versions (who created and published each, when, why), thresholds with
    live backtest figures, and links to the tree editor, the sandbox and the calibration curve."""
    return detail_page(request, get_object_or_404(Category.objects.select_related("default_queue"), pk=category_id))


def detail_page(request: HttpRequest, category: Category, *, status: int = 200, form=None) -> HttpResponse:
    """The workflow detail page of ``category``; ``form`` (a refused threshold form) is shown as typed."""
    from .workflows_versions import category_versions, workflow_history

    versions = category_versions(category)
    draft = next((v for v in versions if v.status == "draft"), None)
    published = next((v for v in versions if v.status == "published"), None)
    thresholds = (draft or published).thresholds if (draft or published) else {}
    auto = float(thresholds.get("auto", category.auto_threshold))
    draft_threshold = float(thresholds.get("draft", category.draft_threshold))
    context = {
        "category": category,
        "versions": versions,
        "draft": draft,
        "published": published,
        "next_states": rollout_next_states(category.rollout_state),
        "auto": auto,
        "draft_threshold": draft_threshold,
        "limits": BACKTEST_LIMITS,
        "limit": 500,
        "history": workflow_history(category),
        "threshold_form": form,
    }
    try:
        context.update(backtest_context(category=category, auto=auto, draft=draft_threshold, limit=500, version=draft))
    except ApplicationError as exc:
        context["bt_error"] = exc.message
    return render(request, "workflows/workflow/workflow_detail.html", context, status=status)
