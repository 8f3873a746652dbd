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


class WriteOnlySecretsMixin:
    """For models holding credentials (connection keys, webhook signing secrets): the secret fields are masked and
    write-only in the admin — the stored value is never rendered, an empty input keeps it, and users without the
    admin role don't get the fields at all. Set ``secret_fields``; put the mixin before ``admin.ModelAdmin``."""

    secret_fields: tuple[str, ...] = ()

    def _is_admin(self, request) -> bool:
        from .choices import Role

        return bool(getattr(request.user, "has_role", None) and request.user.has_role(Role.ADMIN))

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not self._is_admin(request):
            excluded += [name for name in self.secret_fields if name not in excluded]
        return excluded

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self._is_admin(request):
            return fields
        return [f for f in fields if f not in self.secret_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        from django import forms

        form = super().get_form(request, obj, change=change, **kwargs)
        for name in self.secret_fields:
            field = form.base_fields.get(name)
            if field is None:
                continue
            placeholder = "•••••••• stored — type to replace" if obj is not None else ""
            field.widget = forms.PasswordInput(
                render_value=False, attrs={"autocomplete": "new-password", "placeholder": placeholder}
            )
            field.required = obj is None and field.required
            field.help_text = "Write-only: the stored value is never shown. Leave empty to keep it."
        return form

    def save_model(self, request, obj, form, change):
        if change:
            for name in self.secret_fields:
                if name in form.cleaned_data and not form.cleaned_data[name]:
                    stored = type(obj)._default_manager.filter(pk=obj.pk).values_list(name, flat=True).first()
                    setattr(obj, name, stored)
        super().save_model(request, obj, form, change)

    @admin.display(description="secret")
    def secret_mask(self, obj) -> str:
        """For ``list_display``: whether a secret is set, never its value."""
        return "•••••••• set" if any(getattr(obj, n, "") for n in self.secret_fields) else "— not set"


def on_screen(url_name: str):
    """A ``view_on_site`` for a ModelAdmin: the "View on site" button opens the object's HTMX screen
    (``url_name`` takes the primary key), e.g. ``view_on_site = on_screen("workflows:draft_detail")``."""

    def view_on_site(self, obj) -> str:
        return reverse(url_name, args=[obj.pk])

    return view_on_site


class OwnRowsForAgentsMixin:
    """Agents see only their own rows (``agent_filter``, a queryset filter taking the user, e.g. the queues they
    are members of); leads and admins see every row. Put the mixin before ``admin.ModelAdmin``."""

    agent_filter: str = ""

    def get_queryset(self, request):
        from .choices import Role

        queryset = super().get_queryset(request)
        user = request.user
        if self.agent_filter and not user.has_role(Role.ADMIN, Role.LEAD):
            queryset = queryset.filter(**{self.agent_filter: user})
        return queryset
