"""Refresh the default trigger rules of this release: install new ones (instructions to the AI → security,
price commitment → sales), move "binding offer" from legal to price commitment, and bring the rules added in
0008 (frustration, repeat contact, prompt injection, permission change) to their final phrases and queues."""

from django.db import migrations

REFRESHED = ("frustration", "repeat-contact", "prompt-injection", "permission-change")
MOVED = {"binding offer", "binding agreement"}


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
        elif spec["name"] in REFRESHED:
            rule.phrases, rule.queue_slug = values["phrases"], values["queue_slug"]
            rule.save(update_fields=["phrases", "queue_slug"])
    TriggerRule.objects.bulk_create(new)
    legal = existing.get("legal")
    if legal is not None and MOVED & set(legal.phrases):
        legal.phrases = [p for p in legal.phrases if p not in MOVED]
        legal.save(update_fields=["phrases"])


class Migration(migrations.Migration):
    dependencies = [("escalation", "0009_default_sla_routing")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
