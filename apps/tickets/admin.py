from django.contrib import admin
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from apps.core.admin_actions import tickets_retriage
from apps.core.admin_utils import admin_link, pretty_json

from .models import Attachment, Contact, Message, Organization, Ticket


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "plan", "segment", "region", "account_manager", "ticket_count")
    list_filter = ("tier", "segment", "region")
    search_fields = ("name", "domain", "external_id")
    list_select_related = ("account_manager",)
    autocomplete_fields = ("account_manager",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_tickets=Count("tickets"))

    @admin.display(ordering="_tickets", description="tickets")
    def ticket_count(self, obj):
        return obj._tickets


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "organization", "language", "created_at")
    search_fields = ("email", "name", "external_id", "organization__name")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)


class LatestMessagesFormSet(BaseInlineFormSet):
    """The ticket's latest ``MessageInline.max_shown`` messages, newest first (a long thread stays one page)."""

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset().order_by("-created_at", "-id")[: MessageInline.max_shown]
        return self._queryset


class MessageInline(admin.TabularInline):
    model = Message
    formset = LatestMessagesFormSet
    max_shown = 100
    verbose_name_plural = "messages (latest 100, newest first; all of them under Messages)"
    extra = 0
    max_num = 0
    fields = ("created_at", "author_kind", "author_user", "is_internal", "body")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author_user")  # no query per message


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "subject",
        "channel",
        "status",
        "priority",
        "category",
        "confidence",
        "queue",
        "organization",
        "created_at",
    )
    list_filter = ("status", "channel", "priority", "source", "organization__tier", "category", "queue")
    search_fields = ("=id", "subject", "external_id", "contact__email", "organization__name")
    date_hierarchy = "created_at"
    list_select_related = ("category", "queue", "organization")
    autocomplete_fields = ("organization", "contact", "assignee", "category", "labelled_category", "queue")
    readonly_fields = ("decisions_link", "handoffs_link", "page_context_pretty", "metadata_pretty")
    inlines = [MessageInline]
    ordering = ("-created_at",)
    actions = [tickets_retriage]

    @admin.display(description="decisions")
    def decisions_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse("admin:workflows_decision_changelist") + f"?ticket__id__exact={obj.pk}"
        return format_html('<a href="{}">{} decision(s)</a>', url, obj.decisions.count())

    @admin.display(description="handoffs")
    def handoffs_link(self, obj):
        latest = list(obj.handoffs.select_related("queue").order_by("-created_at", "-id")[:10])  # one query
        return ", ".join(str(admin_link(h)) for h in latest) or "—"

    @admin.display(description="page context")
    def page_context_pretty(self, obj):
        return pretty_json(obj.page_context)

    @admin.display(description="metadata")
    def metadata_pretty(self, obj):
        return pretty_json(obj.metadata)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "ticket", "author_kind", "is_internal", "created_at")
    list_filter = ("author_kind", "is_internal")
    search_fields = ("=ticket__id", "email_message_id", "external_id")
    date_hierarchy = "created_at"
    list_select_related = ("ticket",)
    autocomplete_fields = ("ticket", "author_user")


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("filename", "content_type", "size", "skipped_reason", "message", "created_at")
    search_fields = ("filename",)
    list_select_related = ("message",)
    autocomplete_fields = ("message",)
