"""Switchboard's admin site: branding, and an index grouped by the product's steps (Audit, Workflows, Knowledge,
Escalation, Integrations, Analytics, then Administration) with links to the matching HTMX screens."""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse

from .context_processors import NAVIGATION

# (section, the app labels whose models it lists). Apps not listed go to the last section.
SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("Audit", ("tickets", "audit")),
    ("Workflows", ("workflows",)),
    ("Knowledge", ("knowledge",)),
    ("Escalation", ("escalation",)),
    ("Integrations", ("integrations",)),
    ("Analytics", ("analytics",)),
    ("Administration", ("core", "auth", "authtoken", "django_q")),
]
OTHER_SECTION = "Administration"


UNCOUNTABLE = {"feedback", "stats", "data", "information"}


def index_name(model) -> str:
    """The model's plural for the index: Django's default plural (verbose name + "s") gives "Sla policys" or
    "Anomalys"; models that set ``verbose_name_plural`` keep theirs."""
    meta = model._meta
    singular, plural = str(meta.verbose_name), str(meta.verbose_name_plural)
    if plural != singular + "s":
        return plural[:1].upper() + plural[1:]
    words = singular.split(" ")
    last = words[-1]
    if last.lower() in UNCOUNTABLE or last.endswith("s"):
        words[-1] = last
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        words[-1] = last[:-1] + "ies"
    else:
        words[-1] = last + "s"
    name = " ".join(words).replace("Sla ", "SLA ").replace("sla ", "SLA ")
    return name[:1].upper() + name[1:]


def section_of(app_label: str) -> str:
    """The index section an app's models are listed under."""
    for name, labels in SECTIONS:
        if app_label in labels:
            return name
    return OTHER_SECTION


class SwitchboardAdminSite(admin.AdminSite):
    site_header = "Switchboard administration"
    site_title = "Switchboard admin"
    index_title = "Operations console"
    site_url = "/"
    enable_nav_sidebar = True

    def get_urls(self):
        return [
            path("tasks/<str:task_id>/", self.admin_view(self.task_progress), name="task_progress")
        ] + super().get_urls()

    def task_progress(self, request, task_id: str):
        """A background task started by an admin action: its django-q2 page once finished (success or failure),
        else a page that refreshes every two seconds."""
        from django_q.models import Task

        task = Task.objects.filter(id=task_id).only("id", "success").first()
        if task is not None:
            return redirect(
                reverse(f"admin:django_q_{'success' if task.success else 'failure'}_change", args=[task.pk])
            )
        context = {**self.each_context(request), "title": "Task in progress", "task_id": task_id}
        return TemplateResponse(request, "admin/task_progress.html", context)

    def screen_links(self, request) -> dict[str, list[dict]]:
        """The HTMX screens (``NAVIGATION``) the user's role may open, as index rows per section."""
        links: dict[str, list[dict]] = {}
        user = request.user
        for url_name, label, roles in NAVIGATION:
            if not getattr(user, "has_role", None) or not user.has_role(*roles):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            links.setdefault(section_of(url_name.split(":", 1)[0]), []).append(
                {
                    "name": f"{label} screen ↗",
                    "object_name": "screen",
                    "perms": {"view": True},
                    "admin_url": url,
                    "add_url": None,
                    "view_only": True,
                    "screen": True,
                }
            )
        return links

    def get_app_list(self, request, app_label=None):
        """The index's sections in product order; an app's own page (``app_label``) keeps Django's layout."""
        if app_label:
            return super().get_app_list(request, app_label)
        app_dict = self._build_app_dict(request)
        screens = self.screen_links(request)
        sections = []
        for name, _labels in SECTIONS:
            apps_in = [app for label, app in sorted(app_dict.items()) if section_of(label) == name]
            models = [m for app in apps_in for m in app["models"]]
            for entry in models:
                entry["name"] = index_name(entry["model"])
            models.sort(key=lambda m: str(m["name"]))
            if not models and not screens.get(name):
                continue
            first = apps_in[0] if apps_in else {"app_label": name.lower(), "app_url": reverse("admin:index")}
            sections.append(
                {
                    "name": name,
                    "app_label": first["app_label"],
                    "app_url": first["app_url"],
                    "has_module_perms": True,
                    "models": models + screens.get(name, []),
                }
            )
        return sections
