"""Install the default hard-trigger rules (refund, legal, cancel account, outage, breach, chargeback,
request for a human in en/de/fr/es, enterprise tier). Existing rules with the same name are left alone."""

from django.db import migrations


def install(apps, schema_editor):
    from apps.escalation.triggers import DEFAULT_TRIGGER_RULES

    TriggerRule = apps.get_model("escalation", "TriggerRule")
    fields = {f.name for f in TriggerRule._meta.get_fields()}  # later defaults may carry fields added later
    existing = set(TriggerRule.objects.values_list("name", flat=True))
    TriggerRule.objects.bulk_create(
        [TriggerRule(**{k: str(v) if k in ("kind", "priority") else v for k, v in spec.items() if k in fields})
         for spec in DEFAULT_TRIGGER_RULES if spec["name"] not in existing]
    )


def uninstall(apps, schema_editor):
    from apps.escalation.triggers import DEFAULT_TRIGGER_RULES

    TriggerRule = apps.get_model("escalation", "TriggerRule")
    TriggerRule.objects.filter(name__in=[spec["name"] for spec in DEFAULT_TRIGGER_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("escalation", "0003_triggerrule")]

    operations = [migrations.RunPython(install, uninstall)]
