"""The role groups (Admin, Support lead, Agent) and existing users' membership by ``User.role``.

The groups' permissions are applied after every migrate by ``apps.core.roles.groups_sync_after_migrate`` (they
depend on which models are installed), so this migration only creates the groups and places the users."""

from django.db import migrations

ROLE_GROUPS = {"admin": "Admin", "lead": "Support lead", "agent": "Agent"}


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("core", "User")
    groups = {role: Group.objects.get_or_create(name=name)[0] for role, name in ROLE_GROUPS.items()}
    for role, group in groups.items():
        group.user_set.add(*User.objects.filter(role=role))


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS.values()).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, backwards)]
