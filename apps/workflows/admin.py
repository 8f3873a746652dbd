from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils import timezone

from apps.core.admin_actions import (
    categories_rollout_forward,
    categories_rollout_off,
    classifier_activate,
    classifier_retrain,
    report_each,
    workflow_version_rollback,
    workflow_versions_publish,
)
from apps.core.admin_utils import ReadOnlyAdmin, admin_link, on_screen, pretty_json

from .models import Category, ClassifierVersion, Decision, Draft, Workflow, WorkflowTestCase, WorkflowVersion
from .services.drafts import (
    RejectReason,
    draft_approve,
    draft_recategorize,
    draft_reject,
    draft_snooze,
    draft_unsnooze,
)


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


SNOOZE_CHOICES = [(15, "15 minutes"), (60, "1 hour"), (240, "4 hours"), (1440, "1 day"), (4320, "3 days")]


class DraftSnoozeForm(forms.Form):
    """The admin snooze action's second step: how long the selected drafts leave the review queue."""

    minutes = forms.TypedChoiceField(choices=SNOOZE_CHOICES, coerce=int, initial=60, label="Hide from the queue for")


class DraftApproveForm(forms.Form):
    """The admin approve action's second step: sending goes to customers, so it is confirmed."""

    confirm = forms.BooleanField(label="Send each selected draft to its customer as the AI wrote it")


class DraftRejectForm(forms.Form):
    """The admin reject action's second step: the reason (and a note, required for "other")."""

    reason = forms.ChoiceField(choices=RejectReason.choices, label="Why")
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DraftCategoryForm(forms.Form):
    """The admin category action's second step: the category the tickets really belong to (a training label)."""

    category = forms.ModelChoiceField(queryset=Category.objects.order_by("name"), to_field_name="slug")


def _may_change_drafts(request) -> bool:
    if request.user.has_perm("workflows.change_draft"):
        return True
    messages.error(request, "Your role cannot change drafts.")
    return False


def _second_step(modeladmin, request, queryset, *, form_class, action: str, title: str, intro: str, submit: str):
    """The bound, valid form of an action's second step, or the page that asks for it (a ``TemplateResponse``)."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        return form
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit": submit,
        "action_name": action,
        "opts": modeladmin.model._meta,
        "queryset": queryset.select_related("ticket"),
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/workflows/draft/action_form.html", context)


# Each action calls the same service as the review screen and the API, at the version the draft has now; an
# ``ApplicationError`` (already reviewed, superseded, stale, refused by the guard) becomes an error message naming
# the draft, and the other drafts still go through.


@admin.action(description="Approve and send the selected drafts (asks to confirm)")
def drafts_approve(modeladmin, request, queryset):
    """Send each selected draft as written through ``draft_approve``. A stale draft (the customer wrote again) is
    refused: review it on the screen."""
    if not _may_change_drafts(request):
        return None
    step = _second_step(
        modeladmin, request, queryset, form_class=DraftApproveForm, action="drafts_approve", title="Approve drafts",
        intro="Each draft is sent to its customer as the AI wrote it. A draft the customer has written after is "
        "left alone: open it on the review screen.", submit="Approve and send",
    )  # fmt: skip
    if isinstance(step, TemplateResponse):
        return step
    report_each(
        request,
        queryset,
        lambda draft: draft_approve(draft_id=draft.pk, version=draft.version, user=request.user),
        done="{count} draft(s) sent.",
    )
    return None


@admin.action(description="Reject the selected drafts and escalate (choose a reason)")
def drafts_reject(modeladmin, request, queryset):
    """Reject each selected draft through ``draft_reject``: nothing is sent, the ticket escalates with its handoff
    package; the reason and note are stored."""
    if not _may_change_drafts(request):
        return None
    step = _second_step(
        modeladmin, request, queryset, form_class=DraftRejectForm, action="drafts_reject", title="Reject drafts",
        intro="Nothing is sent. Each ticket escalates to its category's queue with the handoff package.",
        submit="Reject and escalate",
    )  # fmt: skip
    if isinstance(step, TemplateResponse):
        return step
    reason, note = step.cleaned_data["reason"], step.cleaned_data["note"]
    report_each(
        request,
        queryset,
        lambda draft: draft_reject(
            draft_id=draft.pk, version=draft.version, user=request.user, reason=reason, note=note
        ),
        done="{count} draft(s) rejected; their tickets are escalated.",
    )
    return None


@admin.action(description="Set the category of the selected drafts' tickets (a training label)")
def drafts_recategorize(modeladmin, request, queryset):
    """Label each selected draft's ticket with the chosen category through ``draft_recategorize``."""
    if not _may_change_drafts(request):
        return None
    step = _second_step(
        modeladmin, request, queryset, form_class=DraftCategoryForm, action="drafts_recategorize",
        title="Set the category", intro="The tickets get this category as a human label (the classifier learns "
        "from it); the drafts stay pending.", submit="Set category",
    )  # fmt: skip
    if isinstance(step, TemplateResponse):
        return step
    category = step.cleaned_data["category"]
    report_each(
        request,
        queryset,
        lambda draft: draft_recategorize(
            draft_id=draft.pk, version=draft.version, user=request.user, category_slug=category.slug
        ),
        done=f"{{count}} ticket(s) labelled {category.name}.",
    )
    return None


@admin.action(description="Snooze the selected pending drafts (choose how long)")
def drafts_snooze(modeladmin, request, queryset):
    """Snooze each selected draft through ``draft_snooze``; first asks how long."""
    if not _may_change_drafts(request):
        return None
    step = _second_step(
        modeladmin, request, queryset, form_class=DraftSnoozeForm, action="drafts_snooze", title="Snooze drafts",
        intro="These drafts leave the review queue for the time you choose and come back by themselves.",
        submit="Snooze",
    )  # fmt: skip
    if isinstance(step, TemplateResponse):
        return step
    until = timezone.now() + timedelta(minutes=step.cleaned_data["minutes"])
    report_each(
        request,
        queryset,
        lambda draft: draft_snooze(draft_id=draft.pk, version=draft.version, user=request.user, until=until),
        done=f"{{count}} draft(s) snoozed until {timezone.localtime(until):%Y-%m-%d %H:%M}.",
    )
    return None


@admin.action(description="Un-snooze the selected drafts (back in the review queue now)")
def drafts_unsnooze(modeladmin, request, queryset):
    """Put each selected snoozed draft back in the review queue through ``draft_unsnooze``."""
    if not _may_change_drafts(request):
        return
    report_each(
        request,
        queryset,
        lambda draft: draft_unsnooze(draft_id=draft.pk, version=draft.version, user=request.user),
        done="{count} draft(s) back in the review queue.",
    )


@admin.register(Draft)
class DraftAdmin(ReadOnlyAdmin):
    """Drafts are reviewed on the review screen; here they are listed and acted on in bulk (approve, reject,
    category, snooze, un-snooze) through the same services."""

    list_display = (
        "id",
        "ticket",
        "status",
        "snoozed_until",
        "reviewed_by",
        "reviewed_at",
        "reject_reason",
        "created_at",
    )
    list_filter = ("status", "reject_reason")
    search_fields = ("=ticket__id", "body")
    date_hierarchy = "created_at"
    list_select_related = ("ticket", "reviewed_by")
    view_on_site = on_screen("workflows:draft_detail")
    actions = [drafts_approve, drafts_reject, drafts_recategorize, drafts_snooze, drafts_unsnooze]


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(ReadOnlyAdmin):
    list_display = ("id", "model_name", "is_active", "created_at")
    actions = [classifier_retrain, classifier_activate]
    readonly_fields = ("metrics_pretty",)
    exclude = ("metrics",)

    @admin.display(description="metrics")
    def metrics_pretty(self, obj):
        return pretty_json(obj.metrics)


class WorkflowVersionInline(admin.TabularInline):
    model = WorkflowVersion
    fields = ("number", "status", "published_at", "published_by", "change_note")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by")


@admin.register(Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "published_number", "updated_at")
    search_fields = ("name", "category__name", "category__slug")
    list_select_related = ("category",)
    autocomplete_fields = ("category",)
    inlines = [WorkflowVersionInline]

    def get_queryset(self, request):
        from django.db.models import OuterRef, Subquery

        published = WorkflowVersion.objects.filter(workflow=OuterRef("pk"), status="published").values("number")[:1]
        return super().get_queryset(request).annotate(_published=Subquery(published))

    @admin.display(ordering="_published", description="published version")
    def published_number(self, obj):
        return f"v{obj._published}" if obj._published else "—"

    def view_on_site(self, obj):
        from django.urls import reverse

        return reverse("workflows:workflow_detail", args=[obj.category_id])


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(ReadOnlyAdmin):
    """Versions are edited in the studio (through the version services); a published version never changes.
    Here: read them, publish drafts, roll back to an earlier one."""

    list_display = ("workflow", "number", "status", "created_by", "published_by", "published_at", "change_note")
    list_filter = ("status",)
    search_fields = ("workflow__name", "workflow__category__slug", "change_note")
    list_select_related = ("workflow", "workflow__category", "created_by", "published_by")
    actions = [workflow_versions_publish, workflow_version_rollback]
    exclude = ("tree", "thresholds", "required_fields", "profiles")
    readonly_fields = (
        "workflow_link",
        "tree_pretty",
        "thresholds_pretty",
        "required_fields_pretty",
        "profiles_pretty",
    )

    @admin.display(description="workflow")
    def workflow_link(self, obj):
        return admin_link(obj.workflow)

    @admin.display(description="decision tree")
    def tree_pretty(self, obj):
        return pretty_json(obj.tree)

    @admin.display(description="thresholds")
    def thresholds_pretty(self, obj):
        return pretty_json(obj.thresholds)

    @admin.display(description="required fields")
    def required_fields_pretty(self, obj):
        return pretty_json(obj.required_fields)

    @admin.display(description="channel profiles")
    def profiles_pretty(self, obj):
        return pretty_json(obj.profiles)

    def view_on_site(self, obj):
        from django.urls import reverse

        return reverse("workflows:version_detail", args=[obj.workflow.category_id, obj.number])


@admin.register(WorkflowTestCase)
class WorkflowTestCaseAdmin(admin.ModelAdmin):
    list_display = ("name", "workflow", "expected_category", "expected_outcome", "channel", "source", "created_at")
    list_filter = ("expected_outcome", "source", "channel")
    search_fields = ("name", "text", "expected_category")
    list_select_related = ("workflow",)
    autocomplete_fields = ("workflow", "ticket")
