from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin_actions import knowledge_reembed
from apps.core.admin_utils import ReadOnlyAdmin, admin_link, on_screen, pretty_json
from apps.core.errors import ApplicationError

from .forms import UploadFilesForm
from .ingestion import max_file_bytes
from .models import Chunk, Document, IngestionRun, KnowledgeGap, Source
from .services import ingestion_run_create, source_update


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "visibility", "product_area", "document_count", "upload_link")
    list_filter = ("kind", "visibility")
    search_fields = ("name", "product_area")
    fields = ("name", "kind", "visibility", "product_area", "description")
    actions = [knowledge_reembed]
    view_on_site = on_screen("knowledge:source_detail")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_documents=Count("documents"))

    @admin.display(ordering="_documents", description="documents")
    def document_count(self, obj):
        return obj._documents

    @admin.display(description="ingest")
    def upload_link(self, obj):
        return format_html('<a href="{}">Upload files…</a>', reverse("admin:knowledge_source_upload", args=[obj.pk]))

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="knowledge_source_upload",
            )
        ]
        return urls + super().get_urls()

    def upload_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Upload files or a folder into source ``pk``: checked and stored by ``ingestion_run_create`` (the
        screen's and the API's service), then ingested by a background task; the message links to the run's
        progress on the knowledge screen. Needs ``knowledge.add_document``."""
        source = get_object_or_404(Source, pk=pk)
        if not request.user.has_perm("knowledge.add_document"):
            raise PermissionDenied("Your role cannot add knowledge documents.")
        form = UploadFilesForm(request.POST, request.FILES) if request.method == "POST" else UploadFilesForm()
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                run = ingestion_run_create(source=source, files=data["all_files"], user=request.user, origin="admin")
            except ApplicationError as exc:
                form.add_error("files", exc.message)
            else:
                skipped = f"; {data['skipped']} file(s) of other types skipped" if data["skipped"] else ""
                messages.success(
                    request,
                    format_html(
                        '{} file(s) queued for ingestion into {}{}: <a href="{}">follow the progress</a>.',
                        run.total,
                        source.name,
                        skipped,
                        reverse("knowledge:source_list") + "#ingestion-runs",
                    ),
                )
                return redirect("admin:knowledge_source_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Upload into {source.name}",
            "opts": self.model._meta,
            "source": source,
            "form": form,
            "max_file_mib": max_file_bytes() // (1024 * 1024),
        }
        return TemplateResponse(
            request, "admin/knowledge/source/upload.html", context, status=400 if form.errors else 200
        )

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Through the service, so the chunks' copied visibility/kind/area change with the source.
        fresh = Source.objects.get(pk=obj.pk)
        source_update(source=fresh, **{f: getattr(obj, f) for f in form.changed_data})


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "source", "format", "status", "chunk_count", "flagged", "updated_at")
    list_filter = ("status", "format", "source")
    search_fields = ("title", "external_id", "url")
    list_select_related = ("source",)
    view_on_site = on_screen("knowledge:document_detail")
    exclude = ("flags",)
    readonly_fields = ("flags_pretty",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("text")

    @admin.display(boolean=True, description="instruction-like text")
    def flagged(self, obj):
        return bool(obj.flags)

    @admin.display(description="flags")
    def flags_pretty(self, obj):
        return pretty_json(obj.flags)


@admin.register(Chunk)
class ChunkAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "document_link", "visibility", "source_kind", "embedding_model")
    list_filter = ("visibility", "source_kind", "embedding_model")
    search_fields = ("title", "heading")
    list_select_related = ("document",)
    exclude = ("embedding", "search_vector")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding", "search_vector", "text")

    @admin.display(description="document")
    def document_link(self, obj):
        return admin_link(obj.document)


@admin.register(IngestionRun)
class IngestionRunAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "source",
        "origin",
        "status",
        "processed",
        "total",
        "created_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "chunk_count",
        "created_at",
    )
    list_filter = ("status", "origin")
    list_select_related = ("source",)


@admin.register(KnowledgeGap)
class KnowledgeGapAdmin(admin.ModelAdmin):
    list_display = ("question", "count", "best_score", "status", "last_seen_at")
    list_filter = ("status",)
    search_fields = ("question",)
    fields = ("question", "count", "best_score", "status", "example_questions", "last_seen_at")
    readonly_fields = ("question", "count", "best_score", "example_questions", "last_seen_at")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding")

    def has_add_permission(self, request) -> bool:
        return False
