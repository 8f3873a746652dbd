from django.contrib import admin

from apps.core.admin_actions import (
    categories_rollout_forward,
    categories_rollout_off,
    classifier_activate,
    classifier_retrain,
)
from apps.core.admin_utils import ReadOnlyAdmin, admin_link, on_screen, pretty_json

from .models import Category, ClassifierVersion, Decision, Draft


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "rollout_state",
        "is_sensitive",
        "auto_threshold",
        "draft_threshold",
        "default_queue",
    )
    list_filter = ("rollout_state", "is_sensitive")
    search_fields = ("name", "slug")
    list_select_related = ("default_queue",)
    autocomplete_fields = ("default_queue",)
    # Rollout changes go through category_rollout_set (one step forward at a time, start of the comparison period).
    actions = [categories_rollout_forward, categories_rollout_off]
    view_on_site = on_screen("workflows:workflow_detail")  # the category's workflow in the studio

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "rollout_state"] if obj is not None else readonly


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "ticket",
        "turn",
        "outcome",
        "category",
        "confidence",
        "rollout_state",
        "sent",
        "latency_ms",
        "created_at",
    )
    list_filter = ("outcome", "rollout_state", "sent", "category")
    search_fields = ("=ticket__id", "reason")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "category")
    exclude = ("trace", "runner_ups", "triggers")
    readonly_fields = ("ticket_link", "trace_pretty", "runner_ups_pretty", "triggers_pretty")

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket)

    @admin.display(description="trace")
    def trace_pretty(self, obj):
        return pretty_json(obj.trace)

    @admin.display(description="runner-ups")
    def runner_ups_pretty(self, obj):
        return pretty_json(obj.runner_ups)

    @admin.display(description="triggers")
    def triggers_pretty(self, obj):
        return pretty_json(obj.triggers)


@admin.register(Draft)
class DraftAdmin(ReadOnlyAdmin):
    list_display = ("id", "ticket", "status", "reviewed_by", "reviewed_at", "reject_reason", "created_at")
    list_filter = ("status", "reject_reason")
    search_fields = ("=ticket__id", "body")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "reviewed_by")
    view_on_site = on_screen("workflows:draft_detail")


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(ReadOnlyAdmin):
    list_display = ("id", "model_name", "is_active", "created_at")
    actions = [classifier_retrain, classifier_activate]
    readonly_fields = ("metrics_pretty",)
    exclude = ("metrics",)

    @admin.display(description="metrics")
    def metrics_pretty(self, obj):
        return pretty_json(obj.metrics)
