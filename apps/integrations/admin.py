"""Integrations in the admin: connections (credentials write-only, masked for admins and hidden from everyone
else), their call log, and the demo billing backend's tables (Stripe-shaped, seeded by ``seed_demo``), shown
read-only: they stand in for the vendor, whose data Switchboard never edits."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html_join

from apps.core.admin_actions import connections_test
from apps.core.admin_utils import ReadOnlyAdmin, admin_link, pretty_json
from apps.core.choices import Role
from apps.core.errors import ApplicationError

from .connections import connection_set_credentials, connection_switch_on_refusal, credentials_masked
from .models import (
    AlertPost,
    BillingCharge,
    BillingCustomer,
    BillingInvoice,
    BillingPaymentIntent,
    BillingRefund,
    CallLog,
    Connection,
    HelpdeskPost,
    TrackerIssue,
    TrackerIssueTicket,
    WebhookDelivery,
)


def _is_admin(request) -> bool:
    return bool(getattr(request.user, "has_role", None) and request.user.has_role(Role.ADMIN))


class ConnectionForm(forms.ModelForm):
    credentials = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Write-only: one <code>name=value</code> per line (api_key=sk_live_…). Stored encrypted; the "
        "stored values are never shown. A blank value or a missing name keeps what is stored.",
    )

    class Meta:
        model = Connection
        fields = (
            "name",
            "kind",
            "service",
            "enabled",
            "base_url",
            "credentials_env",
            "options",
            "allowed_fields",
            "allowed_categories",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "service" in self.fields:
            self.fields["service"].required = False
            self.fields["service"].help_text = "Set from the kind (choose it for the local demo backend)"
        if "enabled" in self.fields and not self.instance.pk:
            self.fields["enabled"].initial = False  # a vendor connection is switched on after a passing test
            self.fields["enabled"].help_text = "A vendor connection can be switched on once “Test connection” passed."

    def clean_enabled(self) -> bool:
        """As on the connection screen: a vendor connection is switched on only after a passing test."""
        enabled = self.cleaned_data["enabled"]
        kind = self.cleaned_data.get("kind") or self.instance.kind
        refusal = connection_switch_on_refusal(connection=self.instance, kind=kind, enabled=enabled)
        if refusal:
            raise forms.ValidationError(refusal)
        return enabled

    def clean(self):
        data = super().clean()
        service = Connection.SERVICE_OF_KIND.get(data.get("kind", ""))
        if service:
            data["service"] = service
            self.instance.service = service
        elif not data.get("service"):
            self.add_error("service", "Choose what the local backend is used for.")
        return data

    def clean_credentials(self) -> dict[str, str]:
        values = {}
        for number, line in enumerate(self.cleaned_data["credentials"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(f"Line {number}: write name=value.")
            values[name.strip()] = value.strip()
        return values


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ("name", "kind", "service", "enabled", "health", "last_success_at", "last_error_at")
    list_filter = ("service", "kind", "enabled")
    search_fields = ("name", "base_url")
    actions = [connections_test]
    readonly_fields = ("stored_credentials", "health", "last_success_at", "last_error_at", "last_error")

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in ("credentials", "stored_credentials")]
        if _is_admin(request):
            fields += ["stored_credentials", "credentials"]
        return fields

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        return excluded if _is_admin(request) else [*excluded, "credentials"]

    @admin.display(description="stored credentials (masked)")
    def stored_credentials(self, obj):
        shown = credentials_masked(obj) if obj and obj.pk else {}
        return format_html_join("", "<div><code>{}</code>: {}</div>", shown.items()) or "— none"

    @admin.display(boolean=True, description="healthy")
    def health(self, obj):
        return obj.healthy

    def save_model(self, request, obj, form, change):
        values = form.cleaned_data.get("credentials") or {}
        if values and _is_admin(request):
            obj._change_reason = "credentials changed: " + ", ".join(sorted(values))
        super().save_model(request, obj, form, change)
        if values and _is_admin(request):
            try:
                connection_set_credentials(connection=obj, values=values)
            except ApplicationError as error:
                self.message_user(request, error.message, level="error")


@admin.register(CallLog)
class CallLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "connection", "operation", "ok", "duration_ms")
    list_filter = ("ok", "connection")
    search_fields = ("operation", "error")
    date_hierarchy = "created_at"
    list_select_related = ("connection",)
    readonly_fields = ("connection_link",)

    @admin.display(description="connection")
    def connection_link(self, obj):
        return admin_link(obj.connection)


@admin.register(BillingCustomer)
class BillingCustomerAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "email", "organization", "currency", "delinquent", "created")
    list_filter = ("delinquent", "currency")
    search_fields = ("=id", "name", "email", "organization__name")
    list_select_related = ("organization",)


@admin.register(BillingInvoice)
class BillingInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "status", "amount_due", "amount_paid", "currency", "created")
    list_filter = ("status", "currency")
    search_fields = ("=id", "number", "=customer__id")
    date_hierarchy = "created"
    list_select_related = ("customer",)


@admin.register(BillingPaymentIntent)
class BillingPaymentIntentAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "amount", "amount_capturable", "amount_received", "created")
    list_filter = ("status", "capture_method")
    search_fields = ("=id", "=customer__id")
    date_hierarchy = "created"
    list_select_related = ("customer",)


@admin.register(BillingCharge)
class BillingChargeAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "amount", "amount_refunded", "paid", "refunded", "disputed", "created")
    list_filter = ("status", "paid", "refunded", "disputed")
    search_fields = ("=id", "=customer__id", "description")
    date_hierarchy = "created"
    list_select_related = ("customer",)


@admin.register(BillingRefund)
class BillingRefundAdmin(ReadOnlyAdmin):
    list_display = ("id", "charge", "status", "amount", "currency", "reason", "created")
    list_filter = ("status", "reason")
    search_fields = ("=id", "=charge__id")
    date_hierarchy = "created"
    list_select_related = ("charge",)


class TrackerIssueTicketInline(admin.TabularInline):
    model = TrackerIssueTicket
    fields = ("ticket", "commented", "created_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ticket")


@admin.register(TrackerIssue)
class TrackerIssueAdmin(ReadOnlyAdmin):
    list_display = (
        "summary",
        "connection",
        "external_key",
        "status",
        "customers_count",
        "reports_count",
        "created_at",
    )
    list_filter = ("status", "connection")
    search_fields = ("signature", "summary", "external_key")
    date_hierarchy = "created_at"
    list_select_related = ("connection",)
    inlines = [TrackerIssueTicketInline]


@admin.register(TrackerIssueTicket)
class TrackerIssueTicketAdmin(ReadOnlyAdmin):
    list_display = ("issue", "ticket", "commented", "created_at")
    list_filter = ("commented",)
    search_fields = ("=ticket__id", "issue__signature", "issue__external_key")
    list_select_related = ("issue", "ticket")


@admin.register(AlertPost)
class AlertPostAdmin(ReadOnlyAdmin):
    list_display = ("key", "channel", "ok", "attempts", "created_at", "posted_at")
    list_filter = ("ok", "channel")
    search_fields = ("key", "text")
    date_hierarchy = "created_at"


@admin.register(WebhookDelivery)
class IncomingWebhookAdmin(ReadOnlyAdmin):
    """Webhooks received from vendors (Stripe, Slack, helpdesks): stored once per delivery id, processed by a task."""

    list_display = ("provider", "event_type", "status", "duplicates", "received_at", "processed_at")
    list_filter = ("provider", "status")
    search_fields = ("delivery_id", "event_type")
    date_hierarchy = "received_at"
    exclude = ("payload", "result")
    readonly_fields = ("payload_pretty", "result_pretty")

    @admin.display(description="payload")
    def payload_pretty(self, obj):
        return pretty_json(obj.payload)

    @admin.display(description="result")
    def result_pretty(self, obj):
        return pretty_json(obj.result)


@admin.register(HelpdeskPost)
class HelpdeskPostAdmin(ReadOnlyAdmin):
    """Replies and notes posted back to Zendesk / Freshdesk / Intercom, once per message (connectors)."""

    list_display = ("message", "provider", "public", "ok", "attempts", "posted_at")
    list_filter = ("provider", "ok", "public")
    search_fields = ("external_id", "error")
