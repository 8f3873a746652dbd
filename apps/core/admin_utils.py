"""Helpers shared by the admin modules: readable JSON, links to related objects, read-only admins."""

import json

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html


def pretty_json(value) -> str:
    """Render a JSON field as an indented, escaped <pre> block (never a raw text box)."""
    return format_html('<pre class="json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, default=str))


def admin_link(obj, label: str | None = None) -> str:
    """A link to ``obj``'s admin change page, or an em dash for None."""
    if obj is None:
        return "—"
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label or str(obj))


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records the domain says are history (decisions, handoff packages): shown, never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
