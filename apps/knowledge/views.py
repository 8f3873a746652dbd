"""Knowledge screens (support leads and admins): sources and documents with ingestion status, upload, search
as the AI would (with scores), knowledge gaps."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import ApplicationError
from apps.core.permissions import LEADS, role_required

from . import selectors
from .choices import GapStatus, IngestionStatus
from .filters import DocumentFilter, GapFilter
from .forms import ArticlePublishForm, SearchForm, UploadForm
from .grounding import grounding_threshold, passages_for_reply
from .ingestion import max_file_bytes
from .models import Document, KnowledgeGap, Source
from .services import (
    article_draft_publish,
    gap_article_draft,
    gap_status_set,
    ingestion_run_create,
    source_get_or_create,
)

DOCUMENTS_PER_PAGE = 50


def _runs_context() -> dict:
    runs = list(selectors.ingestion_run_list(limit=10))
    active = any(r.status in (IngestionStatus.QUEUED, IngestionStatus.RUNNING) for r in runs)
    return {"runs": runs, "runs_active": active, "max_file_mib": max_file_bytes() // (1024 * 1024)}


@require_GET
@role_required(*LEADS)
def source_list(request: HttpRequest) -> HttpResponse:
    """Sources with document counts and failures, the latest ingestion runs (polled while any is running) and
    the upload form."""
    context = {"sources": selectors.source_list(), "form": UploadForm(), **_runs_context()}
    return render(request, "knowledge/source_list.html", context)


@require_GET
@role_required(*LEADS)
def ingestion_run_list(request: HttpRequest) -> HttpResponse:
    """The ingestion-runs fragment (progress bars), polled every second while a run is queued or running."""
    return render(request, "knowledge/source_list.html#ingestion-runs", _runs_context())


@require_POST
@role_required(*LEADS)
def upload(request: HttpRequest) -> HttpResponse:
    """Store uploaded files for a source (existing or new) and queue their ingestion."""
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            source = (
                data["source"]
                or source_get_or_create(
                    name=data["new_source_name"],
                    kind=data["kind"],
                    visibility=data["visibility"],
                    product_area=data["product_area"],
                )[0]
            )
            run = ingestion_run_create(source=source, files=data["all_files"], user=request.user)
        except ApplicationError as exc:
            form.add_error("files" if "file" in exc.message.lower() else None, exc.message)
        else:
            skipped = f" ({data['skipped']} file(s) of other types in the folder skipped)" if data["skipped"] else ""
            messages.success(request, f"{run.total} file(s) queued for ingestion into {source.name}{skipped}.")
            return redirect("knowledge:source_list")
    context = {"sources": selectors.source_list(), "form": form, **_runs_context()}
    return render(request, "knowledge/source_list.html", context, status=400)


@require_GET
@role_required(*LEADS)
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A source's documents with status, chunk count and flags, filtered by ``DocumentFilter``."""
    source = get_object_or_404(Source, pk=pk)
    filterset = DocumentFilter(request.GET, queryset=selectors.document_list(source=source))
    page = Paginator(filterset.qs, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "source": source,
        "filter": filterset,
        "page": page,
        "runs": selectors.ingestion_run_list(source=source, limit=5),
    }
    template = "knowledge/source_detail.html#document-list" if request.htmx else "knowledge/source_detail.html"
    return render(request, template, context)


@require_GET
@role_required(*LEADS)
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One document's chunks: heading, the field embedded as title, text and instruction flags."""
    document = get_object_or_404(Document.objects.select_related("source"), pk=pk)
    chunks = document.chunks.only("ordinal", "title", "heading", "text", "flags", "embedding_model").order_by(
        "ordinal"
    )
    return render(request, "knowledge/document_detail.html", {"document": document, "chunks": chunks})


@require_GET
@role_required(*LEADS)
def search(request: HttpRequest) -> HttpResponse:
    """What the AI would retrieve for a question, and why: dense, full-text and fused scores, ranks, the
    vector strategy, the grounding verdict and the sanitized passages a customer reply could quote."""
    form = SearchForm(request.GET or None, initial={"visibility": "public", "method": "hybrid", "k": 5})
    context: dict = {"form": form, "threshold": grounding_threshold()}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        try:
            result = selectors.search_detailed(
                data["q"], k=data.get("k") or 5, filters=form.search_filters(), method=data.get("method") or "hybrid"
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            context.update(
                result=result,
                best=selectors.best_score(result.hits),
                grounded=selectors.is_grounded(result.hits),
                passages=passages_for_reply(result.hits),
            )
    template = "knowledge/search.html#search-results" if request.htmx else "knowledge/search.html"
    return render(request, template, context)


@require_GET
@role_required(*LEADS)
def gap_list(request: HttpRequest) -> HttpResponse:
    """Knowledge gaps, most asked first, with example questions and tickets (``?status=``, default open)."""
    params = request.GET.copy()
    params.setdefault("status", "open")
    filterset = GapFilter(params, queryset=selectors.gap_list(status=None))
    page = Paginator(filterset.qs, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "knowledge/gap_list.html", {"filter": filterset, "page": page, "statuses": GapStatus.choices}
    )


@require_POST
@role_required(*LEADS)
def gap_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a gap's status; an HTMX request gets the updated row back."""
    gap = get_object_or_404(KnowledgeGap, pk=pk)
    try:
        gap_status_set(gap=gap, status=request.POST.get("status", ""))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400)
    if request.htmx:
        gap = selectors.gap_list(status=None).get(pk=pk)
        return render(request, "knowledge/gap_list.html#gap-row", {"gap": gap, "statuses": GapStatus.choices})
    return redirect("knowledge:gap_list")


@require_POST
@role_required(*LEADS)
def gap_article(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft an article for a gap from the agents' replies, then open it for review."""
    gap = get_object_or_404(KnowledgeGap, pk=pk)
    try:
        document = gap_article_draft(gap=gap)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("knowledge:gap_list")
    return redirect("knowledge:article_publish", pk=document.pk)


@role_required(*LEADS)
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Review and edit an article draft, then publish it into a source (customers see it only after this)."""
    document = get_object_or_404(Document.objects.select_related("source"), pk=pk)
    if request.method == "POST":
        form = ArticlePublishForm(request.POST)
        if form.is_valid():
            try:
                published = article_draft_publish(
                    document=document, source=form.cleaned_data["source"], markdown=form.cleaned_data["markdown"]
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Published “{published.title}” in {published.source.name}.")
                return redirect("knowledge:source_detail", pk=published.source_id)
    else:
        form = ArticlePublishForm(initial={"markdown": f"# {document.title}\n\n{document.text}"})
    return render(
        request,
        "knowledge/article_publish.html",
        {"document": document, "form": form},
        status=400 if form.errors else 200,
    )
