from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

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
