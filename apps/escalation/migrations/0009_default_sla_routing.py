"""Default SLA policies (business hours, Europe/Berlin, Berlin holidays) and routing rules; rows that already
exist (same tier × priority, same rule name) are left alone. Values: ``apps/escalation/defaults.py``."""

from django.db import migrations


def forwards(apps, schema_editor):
    from apps.escalation.defaults import install

    install(
        BusinessCalendar=apps.get_model("escalation", "BusinessCalendar"),
        SLAPolicy=apps.get_model("escalation", "SLAPolicy"),
        RoutingRule=apps.get_model("escalation", "RoutingRule"),
    )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0008_default_rules_soft_triggers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
