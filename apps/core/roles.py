"""Roles as Django groups: which model permissions each role's group holds, and keeping membership in step.

``User.role`` is the source of truth. Each role has a group (``ROLE_GROUPS``, created by the data migration
``core.0002_role_groups``); saving a user puts them in their role's group and takes them out of the other role
groups (other groups are left alone). The groups' permissions are a function of the installed models and the
rules below, re-applied after every ``migrate`` (``groups_sync_after_migrate``), so a model another app adds
later gets its permissions without a new data migration.

Rules are read top to bottom, the first ``(app_label, model_name or "*")`` match wins; the actions are among
``view``, ``add``, ``change``, ``delete``. Admins hold every permission, including custom ones.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .choices import Role

ROLE_GROUPS: dict[str, str] = {Role.ADMIN: "Admin", Role.LEAD: "Support lead", Role.AGENT: "Agent"}
ACTIONS = ("view", "add", "change", "delete")
ALL = "view add change delete"

# Leads manage workflows, knowledge, triggers, queues, SLA policies and routing; they read the rest of the
# operation (tickets, analytics, audit history, integrations without secrets) and the progress of tasks.
LEAD_RULES: list[tuple[str, str, str]] = [
    ("workflows", "decision", "view"),  # the AI's record: never edited
    ("workflows", "draft", "view change"),
    ("workflows", "classifierversion", "view"),
    ("workflows", "*", ALL),  # categories (thresholds, rollout), workflows and their versions
    ("knowledge", "chunk", "view"),
    ("knowledge", "ingestionrun", "view"),
    ("knowledge", "*", ALL),
    ("escalation", "handoff", "view change"),
    ("escalation", "webhookendpoint", "view"),  # endpoints hold signing secrets: admins configure them
    ("escalation", "webhookdelivery", "view"),
    ("escalation", "*", ALL),  # queues, trigger rules, SLA policies, business calendars, routing rules
    ("tickets", "ticket", "view change"),
    ("tickets", "organization", "view change"),
    ("tickets", "contact", "view change"),
    ("tickets", "*", "view"),
    ("analytics", "*", "view"),
    ("audit", "*", "view"),
    ("integrations", "connection", "view"),  # secrets are masked for everyone and write-only for admins
    ("integrations", "*", "view"),
    ("core", "user", "view"),
    ("django_q", "task", "view"),  # the progress of the tasks admin actions start
    ("django_q", "success", "view"),
    ("django_q", "failure", "view"),
]

# Agents see tickets and what the AI decided, work drafts and handoffs, and see the queues.
AGENT_RULES: list[tuple[str, str, str]] = [
    ("tickets", "*", "view"),
    ("workflows", "decision", "view"),
    ("workflows", "draft", "view change"),
    ("workflows", "category", "view"),
    ("escalation", "handoff", "view change"),
    ("escalation", "queue", "view"),
]

RULES: dict[str, list[tuple[str, str, str]]] = {Role.LEAD: LEAD_RULES, Role.AGENT: AGENT_RULES}


def role_allows(role: str, app_label: str, model_name: str, action: str) -> bool:
    """Whether ``role``'s group holds ``<action>_<model_name>`` of ``app_label`` (``model_name`` lower-case)."""
    if role == Role.ADMIN:
        return True
    for rule_app, rule_model, actions in RULES.get(role, []):
        if rule_app == app_label and rule_model in ("*", model_name):
            return action in actions.split()
    return False


def role_permissions(role: str) -> list[Permission]:
    """The permissions ``role``'s group should hold, from the ``Permission`` rows that exist now."""
    perms = Permission.objects.select_related("content_type")
    if role == Role.ADMIN:
        return list(perms)
    allowed = []
    for perm in perms:
        action, _, model_name = perm.codename.partition("_")
        app_label = perm.content_type.app_label
        if model_name == perm.content_type.model and role_allows(role, app_label, model_name, action):
            allowed.append(perm)
    return allowed


@transaction.atomic
def groups_sync() -> dict[str, int]:
    """Create the role groups if missing and set each one's permissions to exactly ``role_permissions(role)``.
    Idempotent. Returns ``{group name: permission count}``."""
    counts = {}
    for role, name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = role_permissions(role)
        group.permissions.set(perms)
        counts[name] = len(perms)
    return counts


def groups_sync_after_migrate(sender, **kwargs) -> None:
    """``post_migrate`` receiver: sync once per ``migrate``, after the last app's permissions are created."""
    last = [c for c in apps.get_app_configs() if c.models_module is not None][-1]
    if sender.label == last.label:
        groups_sync()


def user_groups_sync(*, user) -> None:
    """Put ``user`` in their role's group and out of the other role groups; other groups are untouched.
    Superusers count as admins (as in ``User.has_role``), whatever their ``role`` field says."""
    role = Role.ADMIN if user.is_superuser else user.role
    wanted, _ = Group.objects.get_or_create(name=ROLE_GROUPS.get(role, ROLE_GROUPS[Role.AGENT]))
    others = Group.objects.filter(name__in=ROLE_GROUPS.values()).exclude(pk=wanted.pk)
    user.groups.remove(*others)
    user.groups.add(wanted)


def user_groups_sync_on_save(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    """``post_save`` receiver for the user model: re-sync when the role may have changed."""
    if raw or (update_fields is not None and not {"role", "is_superuser"} & set(update_fields)):
        return
    user_groups_sync(user=instance)
