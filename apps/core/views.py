from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from apps.core.choices import Role
from apps.core.context_processors import navigation
from apps.core.permissions import LEADS, role_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its first screen (the first navigation entry it may open)."""
    items = navigation(request)["nav_items"]
    return redirect(items[0]["url"] if items else "admin:index")


@role_required(*LEADS)
def integrations_home(request: HttpRequest) -> HttpResponse:
    """``/integrations/`` (linked from the README): the connections screen, the integrations app's only index."""
    return redirect("integrations:connection_list")


def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers: ``{"status": "ok", "database": true}``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:  # any database failure means unhealthy
        db_ok = False
    return JsonResponse({"status": "ok" if db_ok else "error", "database": db_ok}, status=200 if db_ok else 503)


def _roles_of(view) -> tuple[str, ...]:
    """The roles a view admits as declared by ``role_required`` / ``RoleRequiredMixin`` / a DRF ``HasRole``
    permission (the same places the URL permission matrix reads); () when it declares none."""
    for owner in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        roles = getattr(owner, "allowed_roles", None)
        if roles is not None:
            return tuple(roles)
        for permission in getattr(owner, "permission_classes", None) or ():
            if getattr(permission, "roles", None):
                return tuple(permission.roles)
    return ()


def _plural(role: str) -> str:
    return f"{Role(role).label.lower()}s"


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: the 403 page (``templates/403.html``) naming the roles the page is for and the user's own,
    with a link back; under ``/api/`` the API's JSON error body."""
    if request.path.startswith("/api/"):
        from apps.core.api.errors import error_body

        return JsonResponse(error_body("permission_denied", str(exception or "") or "Not allowed."), status=403)
    match = getattr(request, "resolver_match", None)
    roles = [r for r in _roles_of(match.func) if r in Role.values] if match else []
    needed = " and ".join(filter(None, [", ".join(_plural(r) for r in roles[:-1]), *(_plural(r) for r in roles[-1:])]))
    back = request.META.get("HTTP_REFERER", "")
    if back and not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    context = {"needed": needed, "back": back, "message": str(exception or "")}
    return render(request, "403.html", context, status=403)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, asked for by browsers on every page: the SVG icon in static (``static/favicon.svg``)."""
    return redirect(static("favicon.svg"), permanent=True)
