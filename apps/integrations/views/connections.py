"""Connection screens: list with health (leads and admins), per-kind form with the allow-list editor and a
"test connection" button (admins), and the call log (leads and admins)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.choices import Role
from apps.core.permissions import LEADS, role_required
from apps.integrations.connections import connection_test, credentials_masked
from apps.integrations.models import CallLog, Connection

from .forms import NEW_CONNECTION_NOTE, ConnectionForm


@role_required(*LEADS)
def connection_list(request: HttpRequest) -> HttpResponse:
    """Every connection with its health and the last 24 hours of calls."""
    since = timezone.now() - timedelta(hours=24)
    rows = Connection.objects.annotate(
        calls_24h=Count("calls", filter=Q(calls__created_at__gte=since)),
        failed_24h=Count("calls", filter=Q(calls__created_at__gte=since, calls__ok=False)),
        avg_ms_24h=Avg("calls__duration_ms", filter=Q(calls__created_at__gte=since)),
    ).order_by("service", "name")
    return render(
        request,
        "integrations/connection_list.html",
        {
            "connections": [(c, credentials_masked(c)) for c in rows],
            "kinds": Connection.Kind.choices,
            "can_edit": request.user.has_role(Role.ADMIN),
        },
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def connection_create(request: HttpRequest) -> HttpResponse:
    """New connection of ``?kind=`` (``&service=`` for a local backend)."""
    kind = request.GET.get("kind", "")
    if kind not in Connection.Kind.values:
        raise Http404("Unknown connection kind.")
    instance = Connection(kind=kind, service=request.GET.get("service", "") if kind == "local" else "")
    if instance.service and instance.service not in Connection.Service.values:
        raise Http404("Unknown service.")
    form = ConnectionForm(request.POST or None, instance=instance, kind=kind)
    if request.method == "POST" and form.is_valid():
        conn = form.save()
        off = "" if conn.enabled else " It is switched off: run “Test connection”, then tick Enabled."
        messages.success(request, f"Connection {conn.name} saved.{off}")
        return redirect("integrations:connection_edit", pk=conn.pk)
    context = {"form": form, "connection": None, "kind": kind, "new_connection_note": NEW_CONNECTION_NOTE}
    return render(request, "integrations/connection_form.html", context)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    conn = get_object_or_404(Connection, pk=pk)
    form = ConnectionForm(request.POST or None, instance=conn, kind=conn.kind)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Connection {conn.name} saved.")
        return redirect("integrations:connection_edit", pk=conn.pk)
    return render(request, "integrations/connection_form.html", {"form": form, "connection": conn, "kind": conn.kind})


@role_required(Role.ADMIN)
@require_POST
def connection_test_view(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: run the client's test call and answer with the result and the refreshed health."""
    conn = get_object_or_404(Connection, pk=pk)
    ok, message = connection_test(connection=conn)
    conn.refresh_from_db()
    if ok and not conn.enabled:
        message += " It is switched off: tick Enabled and save to start using it."
    response = render(request, "integrations/partials/test_result.html", {"ok": ok, "message": message, "c": conn})
    if not request.htmx:
        messages.success(request, message) if ok else messages.error(request, message)
        return redirect("integrations:connection_edit", pk=conn.pk)
    return response


@role_required(*LEADS)
def connection_calls(request: HttpRequest, pk: int) -> HttpResponse:
    """The connection's call log, newest first, 50 per page; ``?failed=1`` shows failures only."""
    conn = get_object_or_404(Connection, pk=pk)
    calls = CallLog.objects.filter(connection=conn).order_by("-created_at", "-pk")
    if request.GET.get("failed"):
        calls = calls.filter(ok=False)
    page = Paginator(calls, 50).get_page(request.GET.get("page"))
    return render(request, "integrations/connection_calls.html", {"c": conn, "page": page})
