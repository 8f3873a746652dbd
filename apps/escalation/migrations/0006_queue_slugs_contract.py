"""Queue slugs follow the contract: support (General), senior, billing, tech-support (Technical), account-admin
(Account management), legal-compliance, security, sales.

Renames existing queues (when the new slug is free) and points the default trigger rules at the new slugs.
"""

from django.db import migrations

RENAMES = {"general": "support", "technical": "tech-support", "account-management": "account-admin"}


def forwards(apps, schema_editor):
    Queue = apps.get_model("escalation", "Queue")
    TriggerRule = apps.get_model("escalation", "TriggerRule")
    for old, new in RENAMES.items():
        if not Queue.objects.filter(slug=new).exists():
            Queue.objects.filter(slug=old).update(slug=new)
        TriggerRule.objects.filter(queue_slug=old).update(queue_slug=new)


def backwards(apps, schema_editor):
    Queue = apps.get_model("escalation", "Queue")
    TriggerRule = apps.get_model("escalation", "TriggerRule")
    for old, new in RENAMES.items():
        if not Queue.objects.filter(slug=old).exists():
            Queue.objects.filter(slug=new).update(slug=old)
        TriggerRule.objects.filter(queue_slug=new).update(queue_slug=old)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0005_outage_trigger_technical_queue")]

    operations = [migrations.RunPython(forwards, backwards)]
