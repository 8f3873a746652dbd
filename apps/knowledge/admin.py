from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin_actions import knowledge_reembed
from apps.core.admin_utils import ReadOnlyAdmin, admin_link, on_screen, pretty_json

from .models import Chunk, Document, IngestionRun, KnowledgeGap, Source
from .services import source_update


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
        return format_html('<a href="{}">Upload files…</a>', reverse("knowledge:source_list"))

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
