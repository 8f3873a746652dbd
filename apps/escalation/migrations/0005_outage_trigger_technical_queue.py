"""The outage trigger routes to the ``technical`` queue (the product's queue for bugs and outages), unless a lead
already changed its queue."""

from django.db import migrations


def forwards(apps, schema_editor):
    TriggerRule = apps.get_model("escalation", "TriggerRule")
    TriggerRule.objects.filter(name="outage", queue_slug="tech-support").update(queue_slug="technical")


def backwards(apps, schema_editor):
    TriggerRule = apps.get_model("escalation", "TriggerRule")
    TriggerRule.objects.filter(name="outage", queue_slug="technical").update(queue_slug="tech-support")


class Migration(migrations.Migration):
    dependencies = [("escalation", "0004_default_trigger_rules")]

    operations = [migrations.RunPython(forwards, backwards)]
