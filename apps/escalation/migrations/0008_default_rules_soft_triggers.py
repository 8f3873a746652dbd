"""Install the newer default trigger rules (frustration, repeated contact, prompt injection, security report,
permission change, soft triggers) and give default rules their ``params`` when they have none. Rules a lead
already edited (non-empty params) or created with the same name are left alone."""

from django.db import migrations


def forwards(apps, schema_editor):
    from apps.escalation.triggers import DEFAULT_TRIGGER_RULES

    TriggerRule = apps.get_model("escalation", "TriggerRule")
    existing = {rule.name: rule for rule in TriggerRule.objects.all()}
    new = []
    for spec in DEFAULT_TRIGGER_RULES:
        values = {k: str(v) if k in ("kind", "priority") else v for k, v in spec.items()}
        rule = existing.get(spec["name"])
        if rule is None:
            new.append(TriggerRule(**values))
        elif not rule.params and values.get("params"):
            rule.params = values["params"]
            rule.save(update_fields=["params"])
    TriggerRule.objects.bulk_create(new)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0007_sla_routing_webhooks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
