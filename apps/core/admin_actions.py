"""Admin actions that call the services (never the models directly) and report through Django messages.

Long work runs as a django-q2 task (``task_start``): the message links to ``admin:task_progress``, which
redirects to the task's django-q2 admin page once it has finished and refreshes itself until then.
"""

from __future__ import annotations

from uuid import uuid4

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .errors import ApplicationError


def task_start(request, *, func: str, args: tuple = (), label: str) -> str:
    """Enqueue ``func(*args)`` (dotted path) as a django-q2 task in group ``admin``, tell the user with a link to
    its progress, and return the task id."""
    from django_q.tasks import async_task

    task_id = async_task(func, *args, task_name=f"admin-{label}-{uuid4().hex[:8]}", group="admin")
    url = reverse("admin:task_progress", args=[task_id])
    messages.info(
        request, format_html('{} started in the background: <a href="{}">follow its progress</a>.', label, url)
    )
    return task_id


def report_each(request, items, call, *, done: str) -> tuple[int, int]:
    """Call ``call(item)`` for each item; an ``ApplicationError`` becomes an error message naming the item and the
    others still run. Sends one success message ``done`` (formatted with ``count``). Returns (ok, failed)."""
    ok = failed = 0
    for item in items:
        try:
            call(item)
        except ApplicationError as error:
            failed += 1
            messages.error(request, f"{item}: {error.message}")
        else:
            ok += 1
    if ok:
        messages.success(request, done.format(count=ok))
    return ok, failed


@admin.action(description="Re-triage selected tickets (background task)", permissions=["change"])
def tickets_retriage(modeladmin, request, queryset):
    """Triage the selected tickets again through ``apps.workflows.tasks.triage_batch`` (the bulk triage service).
    Turns that already have a Decision keep it: triage is idempotent per turn, so nothing is sent twice."""
    ids = list(queryset.values_list("pk", flat=True))
    task_start(
        request, func="apps.workflows.tasks.triage_batch", args=(ids,), label=f"re-triage of {len(ids)} ticket(s)"
    )
    messages.info(request, "Tickets whose current turn already has a Decision keep it: a turn is never decided twice.")


def _allowed(request, perm: str) -> bool:
    if request.user.has_perm(perm):
        return True
    messages.error(request, "Your role cannot run this action.")
    return False


@admin.action(description="Retrain the classifier on labelled history (background task)")
def classifier_retrain(modeladmin, request, queryset):
    if not _allowed(request, "workflows.add_classifierversion"):
        return
    task_start(request, func="apps.core.admin_tasks.classifier_retrain", label="classifier training")


@admin.action(description="Activate the selected classifier version")
def classifier_activate(modeladmin, request, queryset):
    from apps.workflows.classifier import classifier_version_activate

    if not _allowed(request, "workflows.change_classifierversion"):
        return
    if queryset.count() != 1:
        messages.error(request, "Select exactly one classifier version to activate.")
        return
    version = queryset.get()
    classifier_version_activate(version=version)
    messages.success(request, f"Classifier version {version.pk} is now the active one.")


@admin.action(description="Re-embed all knowledge with the configured model (background task)", permissions=["change"])
def knowledge_reembed(modeladmin, request, queryset):
    task_start(request, func="apps.core.admin_tasks.knowledge_reembed", args=(True,), label="knowledge re-embedding")


@admin.action(description="Resend the selected failed webhooks (background task)")
def webhooks_resend(modeladmin, request, queryset):
    """Deliver the selected failed webhook deliveries again through ``webhook_deliver`` (bounded retries)."""
    if not _allowed(request, "escalation.change_webhookdelivery"):
        return
    ids = list(queryset.filter(status="failed").values_list("pk", flat=True))
    if not ids:
        messages.warning(request, "None of the selected deliveries failed: nothing to resend.")
        return
    task_start(
        request, func="apps.core.admin_tasks.webhooks_resend", args=(ids,), label=f"resend of {len(ids)} webhook(s)"
    )


@admin.action(description="Test the selected connections")
def connections_test(modeladmin, request, queryset):
    """Check each selected connection with the integrations' ``connection_test`` (the client's cheap authenticated
    call, recorded in the call log and the connection's health)."""
    from apps.integrations.connections import connection_test

    if not _allowed(request, "integrations.change_connection"):
        return

    def run(connection):
        ok, detail = connection_test(connection=connection)
        if not ok:
            raise _Failed(f"failed — {detail or 'the test call failed'}")
        messages.info(request, f"{connection}: {detail}")

    report_each(request, queryset, run, done="{count} connection(s) answered.")


class _Failed(ApplicationError):
    """A connection test that ran and failed (reported as an error message naming the connection)."""


def _rollout(request, queryset, *, step: str) -> None:
    from apps.workflows.services.rollout import ORDER, category_rollout_set

    def move(category):
        if step == "off":
            target = "off"
        else:
            index = ORDER.index(category.rollout_state)
            if index + 1 >= len(ORDER):
                raise _Failed("already in auto (full rollout)")
            target = str(ORDER[index + 1])
        category_rollout_set(category=category, state=target, user=request.user)

    report_each(
        request,
        queryset,
        move,
        done="{count} categor(y/ies) " + ("stopped (off)." if step == "off" else "moved one step forward."),
    )


@admin.action(description="Roll out one step forward (off → shadow → assist → auto)", permissions=["change"])
def categories_rollout_forward(modeladmin, request, queryset):
    _rollout(request, queryset, step="forward")


@admin.action(description="Stop the AI: rollout off (humans only)", permissions=["change"])
def categories_rollout_off(modeladmin, request, queryset):
    _rollout(request, queryset, step="off")


@admin.action(description="Publish the selected draft versions")
def workflow_versions_publish(modeladmin, request, queryset):
    """Publish each selected draft through ``workflow_version_publish`` (sandbox regressions block it: confirm
    those in the studio's sandbox screen)."""
    from apps.workflows.services.versions import workflow_version_publish

    if not _allowed(request, "workflows.change_workflowversion"):
        return
    report_each(
        request,
        queryset.select_related("workflow"),
        lambda version: workflow_version_publish(version=version, user=request.user),
        done="{count} version(s) published.",
    )


@admin.action(description="Roll back to the selected version (its content is published as a new version)")
def workflow_version_rollback(modeladmin, request, queryset):
    """Publish the content of one earlier version again through ``workflow_version_rollback``."""
    from apps.workflows.services.versions import workflow_version_rollback as rollback

    if not _allowed(request, "workflows.change_workflowversion"):
        return
    if queryset.count() != 1:
        messages.error(request, "Select exactly one version to roll back to.")
        return
    version = queryset.select_related("workflow").get()
    try:
        new = rollback(version=version, user=request.user)
    except ApplicationError as error:
        messages.error(request, f"{version.workflow} {version}: {error.message}")
        return
    messages.success(request, f"Rolled back: v{new.number} (the content of v{version.number}) is published.")
