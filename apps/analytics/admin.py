"""Analytics records in the admin: shown, never edited here (the screens and services own their changes)."""

from django.contrib import admin

from apps.core.admin_utils import ReadOnlyAdmin, admin_link, pretty_json

from .models import (
    Anomaly,
    CategoryDayActivity,
    CategoryDayStats,
    EscalationNote,
    Feedback,
    MonthlyReview,
    RetrainRun,
    SuggestedCategory,
    TrainingExample,
)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("id", "ticket", "csat", "helpful", "source", "review_state", "reviewed_by", "created_at")
    list_filter = ("source", "review_state", "helpful", "csat")
    search_fields = ("=ticket__id", "comment")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "reviewed_by")
    readonly_fields = ("ticket_link",)

    @admin.display(description="ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket)


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "customers", "tickets", "baseline", "p_value", "alert_sent", "window_end")
    list_filter = ("kind", "alert_sent")
    search_fields = ("key",)
    date_hierarchy = "created_at"


@admin.register(SuggestedCategory)
class SuggestedCategoryAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "size", "status", "run", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "run")
    exclude = ("ticket_ids",)


@admin.register(EscalationNote)
class EscalationNoteAdmin(ReadOnlyAdmin):
    list_display = ("title", "queue_slug", "author", "created_at")
    search_fields = ("title", "note")
    list_select_related = ("author",)


@admin.register(TrainingExample)
class TrainingExampleAdmin(ReadOnlyAdmin):
    list_display = ("id", "category_slug", "source", "edit_ratio", "created_at")
    list_filter = ("source",)
    search_fields = ("category_slug", "text")
    date_hierarchy = "created_at"


@admin.register(RetrainRun)
class RetrainRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "activated", "n_examples", "n_holdout", "reason", "created_at")
    list_filter = ("activated",)
    exclude = ("candidate_metrics", "previous_metrics")
    readonly_fields = ("candidate_metrics_pretty", "previous_metrics_pretty")

    @admin.display(description="candidate metrics")
    def candidate_metrics_pretty(self, obj):
        return pretty_json(obj.candidate_metrics)

    @admin.display(description="previous metrics")
    def previous_metrics_pretty(self, obj):
        return pretty_json(obj.previous_metrics)


@admin.register(MonthlyReview)
class MonthlyReviewAdmin(ReadOnlyAdmin):
    list_display = ("month", "category", "signed_off_by", "signed_off_at")
    list_filter = ("month",)
    list_select_related = ("category", "signed_off_by")
    exclude = ("data",)
    readonly_fields = ("data_pretty",)

    @admin.display(description="review")
    def data_pretty(self, obj):
        return pretty_json(obj.data)


@admin.register(CategoryDayStats)
class CategoryDayStatsAdmin(ReadOnlyAdmin):
    """The daily roll-up the dashboards read (rebuilt by the analytics refresh, never edited)."""

    list_display = ("day", "category", "channel", "tier", "in_control", "tickets", "resolved", "escalated")
    list_filter = ("channel", "tier", "in_control")
    date_hierarchy = "day"
    list_select_related = ("category",)


@admin.register(CategoryDayActivity)
class CategoryDayActivityAdmin(ReadOnlyAdmin):
    """What happened per day and category (Decisions, drafts, resolutions): the overview dashboard's roll-up."""

    list_display = (
        "day",
        "category",
        "decisions_resolve",
        "decisions_draft",
        "decisions_escalate",
        "decisions_sent",
        "resolved",
    )
    date_hierarchy = "day"
    list_select_related = ("category",)
