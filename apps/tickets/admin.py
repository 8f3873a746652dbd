import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.admin_actions import tickets_retriage
from apps.core.admin_utils import admin_link, pretty_json
from apps.core.errors import ApplicationError

from .email.caps import human_size
from .email.conf import setting_int
from .email.inbound import email_receive
from .email.parse import looks_like_rfc822
from .models import Attachment, Contact, Message, Organization, Ticket

logger = logging.getLogger(__name__)


def eml_max_bytes() -> int:
    """Largest .eml accepted by the admin upload: ``EMAIL_INBOUND_MAX_BYTES`` (settings/env), default 40 MB."""
    return setting_int("EMAIL_INBOUND_MAX_BYTES", 40 * 1024 * 1024)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleEmlField(forms.FileField):
    """One or more uploaded files; each is checked per file by the view so one bad file never blocks the rest."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".eml,message/rfc822"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] if data else [single(None, initial)]
        return [single(data, initial)]


class EmlUploadForm(forms.Form):
    files = MultipleEmlField(
        label="Email files (.eml)",
        help_text="Raw RFC 822 messages as saved by a mail client; each becomes a ticket or joins its thread.",
    )


def eml_upload_one(upload, *, max_bytes: int, mailbox: str = "admin-upload") -> tuple[str, str]:
    """Store one uploaded ``.eml`` through ``email_receive``.

    ``upload``: a Django ``UploadedFile``; ``max_bytes``: size cap in bytes. Returns ``(outcome, text)`` with
    outcome ``"created"``, ``"duplicate"`` or ``"failed"`` and a sentence for the admin. Never raises for bad
    input: a wrong type, an oversized file or a message that cannot be stored is reported as ``"failed"``.
    """
    name = upload.name
    if upload.size > max_bytes:
        return "failed", f"{name}: {human_size(upload.size)} is over the {human_size(max_bytes)} limit; not stored."
    raw = upload.read()
    if not name.lower().endswith(".eml") or not looks_like_rfc822(raw):
        return "failed", f"{name}: not an email (an .eml file starts with From:, Subject: … headers); not stored."
    try:
        ticket, message, created = email_receive(raw=raw, mailbox=mailbox)
    except ApplicationError as error:
        return "failed", f"{name}: could not be stored: {error.message}"
    except Exception as error:  # one broken file must not lose the report on the others
        logger.exception("admin .eml upload of %s failed", name)
        return "failed", f"{name}: could not be stored ({type(error).__name__}: {error})."
    if created:
        return "created", f"{name}: stored as message {message.pk} on ticket #{ticket.pk}."
    return "duplicate", f"{name}: already stored (message {message.pk} on ticket #{ticket.pk}); nothing added."


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
    change_list_template = "admin/tickets/ticket/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.upload_email_view)
        return [path("upload-email/", view, name="tickets_ticket_upload"), *super().get_urls()]

    def upload_email_view(self, request):
        """Upload one or more ``.eml`` files; each goes through the email intake and gets its own message."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = EmlUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            max_bytes = eml_max_bytes()
            levels = {"created": messages.SUCCESS, "duplicate": messages.INFO, "failed": messages.ERROR}
            for upload in form.cleaned_data["files"]:
                outcome, text = eml_upload_one(upload, max_bytes=max_bytes)
                messages.add_message(request, levels[outcome], text)
            return redirect(reverse("admin:tickets_ticket_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Upload email",
            "form": form,
            "max_size": human_size(eml_max_bytes()),
        }
        return TemplateResponse(request, "admin/tickets/ticket/upload_email.html", context)

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
