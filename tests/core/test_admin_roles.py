"""Roles as groups: the permission matrix (each role × each model × view/add/change/delete) matches the table
below; membership follows ``User.role``; models installed later get their group permissions after migrate."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from apps.core.choices import Role
from apps.core.roles import ROLE_GROUPS, groups_sync, groups_sync_after_migrate

pytestmark = pytest.mark.django_db

ROLES = (Role.ADMIN, Role.LEAD, Role.AGENT)
FULL = "vacd"
# The specification: model -> letters (view, add, change, delete) held by (admin, lead, agent).
SPEC: dict[str, tuple[str, str, str]] = {
    "tickets.ticket": (FULL, "vc", "v"),
    "tickets.message": (FULL, "v", "v"),
    "tickets.contact": (FULL, "vc", "v"),
    "tickets.organization": (FULL, "vc", "v"),
    "tickets.attachment": (FULL, "v", "v"),
    "workflows.category": (FULL, FULL, "v"),
    "workflows.decision": (FULL, "v", "v"),
    "workflows.draft": (FULL, "vc", "vc"),
    "workflows.classifierversion": (FULL, "v", ""),
    "knowledge.source": (FULL, FULL, ""),
    "knowledge.document": (FULL, FULL, ""),
    "knowledge.chunk": (FULL, "v", ""),
    "knowledge.ingestionrun": (FULL, "v", ""),
    "knowledge.knowledgegap": (FULL, FULL, ""),
    "escalation.queue": (FULL, FULL, "v"),
    "escalation.triggerrule": (FULL, FULL, ""),
    "escalation.handoff": (FULL, "vc", "vc"),
    "escalation.webhookendpoint": (FULL, "v", ""),
    "escalation.webhookdelivery": (FULL, "v", ""),
    "escalation.slapolicy": (FULL, FULL, ""),
    "escalation.routingrule": (FULL, FULL, ""),
    "escalation.businesscalendar": (FULL, FULL, ""),
    "integrations.connection": (FULL, "v", ""),
    "core.user": (FULL, "v", ""),
    "auth.group": (FULL, "", ""),
    "auth.permission": (FULL, "", ""),
    "authtoken.token": (FULL, "", ""),
    "django_q.task": (FULL, "v", ""),
    "django_q.success": (FULL, "v", ""),
    "django_q.failure": (FULL, "v", ""),
    "django_q.schedule": (FULL, "", ""),
    "django_q.ormq": (FULL, "", ""),
}
# Models not named above (added by other apps later) follow their app's row.
APP_DEFAULT: dict[str, tuple[str, str, str]] = {
    "workflows": (FULL, FULL, ""),  # workflows and their versions, restrictions…
    "knowledge": (FULL, FULL, ""),
    "escalation": (FULL, FULL, ""),  # SLA policies, business calendars, routing rules
    "integrations": (FULL, "v", ""),
    "analytics": (FULL, "v", ""),
    "audit": (FULL, "v", ""),
    "tickets": (FULL, "v", "v"),
}
LETTER = {"view": "v", "add": "a", "change": "c", "delete": "d"}


def _expected(app_label: str, model_name: str) -> tuple[str, str, str]:
    return SPEC.get(f"{app_label}.{model_name}") or APP_DEFAULT.get(app_label) or (FULL, "", "")


@pytest.fixture
def role_users(django_user_model):
    """One non-superuser per role: their rights come from their role's group only."""
    return {
        role: django_user_model.objects.create_user(username=f"matrix-{role}", password="x", role=role, is_staff=True)
        for role in ROLES
    }


def test_permission_matrix_matches_the_specification(role_users):
    models = [m for m in apps.get_models() if m._meta.default_permissions and not m._meta.proxy]
    assert len(models) > 20
    mismatches = []
    for model in models:
        app_label, model_name = model._meta.app_label, model._meta.model_name
        expected = _expected(app_label, model_name)
        for role, letters in zip(ROLES, expected, strict=True):
            user = role_users[role]
            for action, letter in LETTER.items():
                if action not in model._meta.default_permissions:
                    continue
                held = user.has_perm(f"{app_label}.{action}_{model_name}")
                if held != (letter in letters):
                    mismatches.append(f"{role} {action} {app_label}.{model_name}: {'has' if held else 'lacks'} it")
    assert mismatches == []


def test_groups_exist_from_the_data_migration_with_permissions():
    counts = {g.name: g.permissions.count() for g in Group.objects.filter(name__in=ROLE_GROUPS.values())}
    assert set(counts) == set(ROLE_GROUPS.values())
    assert counts["Admin"] == Permission.objects.count()
    assert 0 < counts["Agent"] < counts["Support lead"] < counts["Admin"]


def test_membership_follows_the_role(django_user_model):
    own = Group.objects.create(name="night shift")
    user = django_user_model.objects.create_user(username="mover", password="x", role=Role.LEAD)
    user.groups.add(own)
    assert set(user.groups.values_list("name", flat=True)) == {"Support lead", "night shift"}
    user.role = Role.AGENT
    user.save()
    assert set(user.groups.values_list("name", flat=True)) == {"Agent", "night shift"}
    user = django_user_model.objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm("workflows.change_draft") and not user.has_perm("workflows.change_category")
    user.save(update_fields=["last_login"])  # saves that cannot change the role leave groups alone
    assert user.groups.count() == 2


def test_a_model_installed_later_gets_permissions_after_migrate():
    """A new model of the workflows app (its permissions created by migrate) lands in the lead group on the
    post_migrate of the last app, without a data migration; agents get nothing on it."""
    ct = ContentType.objects.create(app_label="workflows", model="newthing")
    perms = [Permission.objects.create(content_type=ct, codename=f"{a}_newthing", name=a) for a in LETTER]
    configs = [c for c in apps.get_app_configs() if c.models_module is not None]
    groups_sync_after_migrate(sender=configs[0])  # not the last app yet: nothing changes
    lead = Group.objects.get(name="Support lead")
    assert not lead.permissions.filter(content_type=ct).exists()
    groups_sync_after_migrate(sender=configs[-1])
    assert set(lead.permissions.filter(content_type=ct)) == set(perms)
    assert not Group.objects.get(name="Agent").permissions.filter(content_type=ct).exists()
    assert Group.objects.get(name="Admin").permissions.filter(content_type=ct).count() == 4
    before = {g.name: g.permissions.count() for g in Group.objects.all()}
    groups_sync()
    assert {g.name: g.permissions.count() for g in Group.objects.all()} == before  # idempotent


def test_staff_lead_and_agent_see_what_their_group_allows_in_the_admin(client, role_users):
    client.force_login(role_users[Role.LEAD])
    assert client.get(reverse("admin:workflows_category_add")).status_code == 200
    assert client.get(reverse("admin:escalation_triggerrule_changelist")).status_code == 200
    assert client.get(reverse("admin:core_user_add")).status_code == 403
    client.force_login(role_users[Role.AGENT])
    assert client.get(reverse("admin:tickets_ticket_changelist")).status_code == 200
    assert client.get(reverse("admin:workflows_category_add")).status_code == 403
    assert client.get(reverse("admin:escalation_triggerrule_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "Workflows" in index and "Trigger rules" not in index


def test_index_is_grouped_by_product_step_with_screen_links(admin_client_):
    response = admin_client_.get(reverse("admin:index"))
    sections = [app["name"] for app in response.context["app_list"]]
    steps = ["Audit", "Workflows", "Knowledge", "Escalation", "Integrations", "Analytics", "Administration"]
    assert sections == [s for s in steps if s in sections]
    assert {"Audit", "Workflows", "Knowledge", "Escalation", "Administration"} <= set(sections)
    html = response.content.decode()
    assert "Switchboard administration" in html
    for url_name in ("workflows:review_queue", "escalation:handoff_list", "knowledge:source_list"):
        assert f'href="{reverse(url_name)}"' in html


def test_admin_objects_link_to_their_screens(admin_client_):
    from tests.factories import DraftFactory, HandoffFactory

    draft, handoff = DraftFactory(), HandoffFactory()
    for model, obj, url_name in (
        ("workflows_draft", draft, "workflows:draft_detail"),
        ("escalation_handoff", handoff, "escalation:handoff_detail"),
    ):
        page = admin_client_.get(reverse(f"admin:{model}_change", args=[obj.pk]))
        assert f'href="{reverse(url_name, args=[obj.pk])}"' in page.content.decode()
        assert admin_client_.get(reverse(url_name, args=[obj.pk])).status_code == 200


def test_agents_see_their_own_queues(client, role_users):
    from apps.escalation.models import Queue

    mine = Queue.objects.create(slug="mine-q", name="Mine")
    Queue.objects.create(slug="other-q", name="Other")
    mine.members.add(role_users[Role.AGENT])
    client.force_login(role_users[Role.AGENT])
    listed = {q.slug for q in client.get(reverse("admin:escalation_queue_changelist")).context["cl"].result_list}
    assert "mine-q" in listed and "other-q" not in listed
    client.force_login(role_users[Role.LEAD])
    listed = {q.slug for q in client.get(reverse("admin:escalation_queue_changelist")).context["cl"].result_list}
    assert {"mine-q", "other-q"} <= listed


def test_superusers_are_in_the_admin_group(django_user_model):
    boss = django_user_model.objects.create_superuser(username="boss", password="x", email="b@example.com")
    assert boss.role == Role.AGENT  # createsuperuser leaves the field at its default
    assert list(boss.groups.values_list("name", flat=True)) == ["Admin"]


def test_index_names_models_in_plain_english(admin_client_):
    from apps.core.admin_site import index_name
    from apps.escalation.models import SLAPolicy, WebhookDelivery
    from apps.workflows.models import Category

    assert index_name(SLAPolicy) == "SLA policies" and index_name(WebhookDelivery) == "Webhook deliveries"
    assert index_name(Category) == "Categories"  # its own verbose_name_plural
    names = [m["name"] for app in admin_client_.get(reverse("admin:index")).context["app_list"] for m in app["models"]]
    assert not [n for n in names if n.endswith(("ys", "ss"))]
