"""Which models keep a history, and which of their fields.

Each tracked model lists the fields its history records (an allow-list, not "every field"): a field another app
adds later does not change the history table until it is added here with a migration of this app, so a new
column elsewhere never breaks saving a tracked model. Noise is left out on purpose: passwords, last login,
an agent's availability toggles.

The historical models are created with ``simple_history.register(..., app="apps.audit")``: their tables
(``audit_historical<model>``) and migrations belong to this app. ``HistoryRequestMiddleware`` records the
request's user as ``history_user``.
"""

from __future__ import annotations

import simple_history
from django.apps import apps
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db import models
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords

# "app_label.ModelName" -> fields recorded in its history (the primary key is always recorded).
TRACKED: dict[str, tuple[str, ...]] = {
    "core.User": (
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "is_active",
        "is_staff",
        "is_superuser",
    ),
    "tickets.Organization": ("name", "external_id", "domain", "tier", "plan", "segment", "region", "account_manager"),
    "workflows.Category": (
        "slug",
        "name",
        "description",
        "reply_template",
        "default_queue",
        "is_sensitive",
        "rollout_state",
        "auto_threshold",
        "draft_threshold",
        "control_share",
    ),
    "workflows.Workflow": ("category", "name"),
    "workflows.WorkflowVersion": (
        "workflow",
        "number",
        "status",
        "tree",
        "thresholds",
        "required_fields",
        "guidelines",
        "profiles",
        "change_note",
        "created_by",
        "published_by",
        "published_at",
    ),
    "escalation.Queue": ("slug", "name", "description"),
    "escalation.TriggerRule": (
        "name",
        "kind",
        "phrases",
        "languages",
        "queue_slug",
        "priority",
        "next_step",
        "params",
        "enabled",
    ),
    "escalation.BusinessCalendar": (
        "name",
        "time_zone",
        "weekly_hours",
        "holiday_country",
        "holiday_subdivision",
        "closed_dates",
    ),
    "escalation.SLAPolicy": (
        "name",
        "tier",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "calendar",
        "enabled",
    ),
    "integrations.Connection": (  # never the encrypted credentials; a credential change is a row with its reason
        "kind",
        "service",
        "name",
        "enabled",
        "credentials_env",
        "base_url",
        "options",
        "allowed_fields",
        "allowed_categories",
    ),
    "escalation.RoutingRule": (
        "order",
        "name",
        "tiers",
        "categories",
        "priorities",
        "languages",
        "triggers",
        "about_to_breach",
        "queue_slug",
        "priority",
        "to_account_manager",
        "enabled",
    ),
}


class TrackedFieldsHistory(HistoricalRecords):
    """simple-history's records, skipping saves limited to untracked fields (``save(update_fields=["last_login"])``
    at every sign-in, health timestamps…): history holds only changes someone can act on."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields is not None:
            tracked = {f.name for f in self.fields_included(instance)} | {
                f.attname for f in self.fields_included(instance)
            }
            if not tracked & set(update_fields):
                return
        super().post_save(instance, created, using=using, **kwargs)


def tracked_models() -> list[type[models.Model]]:
    """The models in ``TRACKED`` (all must be installed: each has a history table in this app's migrations)."""
    return [apps.get_model(label) for label in TRACKED]


def _excluded(model: type[models.Model], keep: tuple[str, ...]) -> list[str]:
    missing = set(keep) - {f.name for f in model._meta.concrete_fields}
    if missing:
        raise LookupError(f"{model._meta.label} has no field(s) {sorted(missing)} listed in audit.registry.TRACKED")
    return [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in keep]


def history_register_all() -> None:
    """Create the historical model of every tracked model (idempotent; called from ``AuditConfig.ready``)."""
    for label, keep in TRACKED.items():
        model = apps.get_model(label)
        if hasattr(model._meta, "simple_history_manager_attribute"):
            continue
        simple_history.register(
            model, app="apps.audit", records_class=TrackedFieldsHistory, excluded_fields=_excluded(model, keep)
        )


class AuditHistoryAdmin(SimpleHistoryAdmin):
    """simple-history's History view (who, when, field-by-field differences), read-only: the recorded history
    is shown, never edited, so "revert" is off and a POST to a past version is refused."""

    def revert_disabled(self, request, obj=None) -> bool:
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("The change history is read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


def admin_history_attach(site: AdminSite) -> None:
    """Give every registered admin of a tracked model simple-history's "History" view (who changed what, when, with
    the field-by-field difference), by re-registering it with ``AuditHistoryAdmin`` mixed in first. The
    owning app's admin class keeps its list display, actions and permissions. Tracked models no app registers
    get a plain ``AuditHistoryAdmin``."""
    for model in tracked_models():
        model_admin = site._registry.get(model)
        if model_admin is None:  # no app shows it in the admin yet: at least its history is viewable
            site.register(model, AuditHistoryAdmin)
            continue
        if isinstance(model_admin, AuditHistoryAdmin):
            continue
        cls = type(model_admin)
        mixed = type(cls.__name__, (AuditHistoryAdmin, cls), {"__module__": cls.__module__})
        site.unregister(model)
        site.register(model, mixed)
