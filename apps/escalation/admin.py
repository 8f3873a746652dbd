from django.contrib import admin

from apps.core.admin_utils import ReadOnlyAdmin, admin_link, pretty_json

from .models import Handoff, Queue


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    filter_horizontal = ("members",)


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ("id", "ticket", "queue", "priority", "status", "sla_due_at", "claimed_by", "created_at")
    list_filter = ("status", "priority", "queue")
    search_fields = ("=ticket__id", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "queue", "claimed_by")
    exclude = ("package",)
    readonly_fields = ("ticket_link", "package_pretty")

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket)

    @admin.display(description="handoff package")
    def package_pretty(self, obj):
        return pretty_json(obj.package)
