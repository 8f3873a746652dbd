from django.contrib import admin

from apps.core.admin_actions import webhooks_resend
from apps.core.admin_utils import (
    OwnRowsForAgentsMixin,
    ReadOnlyAdmin,
    WriteOnlySecretsMixin,
    admin_link,
    on_screen,
    pretty_json,
)

from .models import (
    BusinessCalendar,
    Handoff,
    Queue,
    RoutingRule,
    SLAPause,
    SLAPolicy,
    TriggerRule,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(Queue)
class QueueAdmin(OwnRowsForAgentsMixin, admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    filter_horizontal = ("members",)
    agent_filter = "members"  # agents see the queues they work


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ("id", "ticket", "queue", "priority", "status", "sla_due_at", "claimed_by", "created_at")
    list_filter = ("status", "priority", "queue")
    search_fields = ("=ticket__id", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "queue", "claimed_by")
    view_on_site = on_screen("escalation:handoff_detail")
    exclude = ("package",)
    readonly_fields = ("ticket_link", "package_pretty")

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket)

    @admin.display(description="handoff package")
    def package_pretty(self, obj):
        return pretty_json(obj.package)


@admin.register(TriggerRule)
class TriggerRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "queue_slug", "priority", "enabled")
    list_filter = ("kind", "enabled", "priority")
    search_fields = ("name",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision")


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "priority", "first_response_minutes", "resolution_minutes", "calendar", "enabled")
    list_filter = ("tier", "priority", "enabled")
    list_select_related = ("calendar",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("order", "name", "queue_slug", "priority", "to_account_manager", "about_to_breach", "enabled")
    list_editable = ("enabled",)
    ordering = ("order",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WriteOnlySecretsMixin, admin.ModelAdmin):
    list_display = ("name", "url", "enabled", "secret_mask")
    secret_fields = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "endpoint", "status", "attempts", "response_status", "created_at")
    list_filter = ("status", "event")
    actions = [webhooks_resend]


@admin.register(SLAPause)
class SLAPauseAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "started_at", "ended_at")
    search_fields = ("=ticket__id",)
    list_select_related = ("ticket",)
