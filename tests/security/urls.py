"""Every URL pattern of the project, made concrete, with the roles its view declares.

Read from the URL resolver, so screens and endpoints added later are covered without editing the tests.
Declared roles come from ``role_required`` (``view.allowed_roles``), ``RoleRequiredMixin`` (``allowed_roles``) and
DRF permission classes derived from ``apps.core.permissions.HasRole``; ``None`` means the view declares no role
(login only, or its own check)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from apps.core.permissions import HasRole

MISSING_ID = "987654"
_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    path: str  # concrete, with MISSING_ID for ids
    name: str  # namespaced URL name, e.g. knowledge:source_list
    view: object
    roles: tuple[str, ...] | None

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def csrf_exempt(self) -> bool:
        return bool(getattr(self.view, "csrf_exempt", False))

    def __str__(self) -> str:
        return f"{self.name or '-'} {self.path}"


def _concrete(pattern: str) -> str:
    text = _REGEX_GROUP.sub(MISSING_ID, pattern)
    text = re.sub(r"\(\?:[^)]*\)\??", "", text)  # optional groups such as format suffixes
    text = re.sub(r"\([^)]*\)", MISSING_ID, text)  # unnamed groups
    text = _CONVERTER.sub(MISSING_ID, text)
    return "/" + text.replace("^", "").replace("$", "").replace("\\.", ".")


def declared_roles(view) -> tuple[str, ...] | None:
    """The roles a view admits, from the project's permission helpers; ``None`` when it declares none."""
    roles = getattr(view, "allowed_roles", None)
    if roles is not None:
        return tuple(roles)
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if view_class is None:
        return None
    roles = getattr(view_class, "allowed_roles", None)
    if roles is not None:
        return tuple(roles)
    for permission in getattr(view_class, "permission_classes", ()):
        if isinstance(permission, type) and issubclass(permission, HasRole):
            return tuple(permission.roles)
    return None


def routes(*, include_admin: bool = False) -> list[Route]:
    """All URL patterns as ``Route``s (admin ones only with ``include_admin``)."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                raw = prefix + str(entry.pattern)
                if raw.startswith("admin/") and not include_admin:
                    continue
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
                found.append(Route(_concrete(raw), name, entry.callback, declared_roles(entry.callback)))

    walk(get_resolver().url_patterns, "", "")
    unique = {route.path: route for route in found}
    return list(unique.values())
