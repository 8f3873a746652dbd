"""Default SLA policies (business hours, Europe/Berlin, German holidays) and routing rules; rows that already
exist (same tier × priority, same rule name) are left alone.

Targets in business minutes (first response / resolution): enterprise 60/480 (urgent 30/240), business
120/960, pro 240/1440, any other 480/2880; urgent tickets of any tier 60/480. Routing: about to breach → senior
(the account manager when online), urgent; enterprise accounts → the account manager when online.
"""

from django.db import migrations

POLICIES = [
    ("Enterprise urgent", "enterprise", "urgent", 30, 240),
    ("Enterprise", "enterprise", "", 60, 480),
    ("Business", "business", "", 120, 960),
    ("Pro", "pro", "", 240, 1440),
    ("Urgent", "", "urgent", 60, 480),
    ("Default", "", "", 480, 2880),
]
RULES = [
    {"order": 10, "name": "about-to-breach", "about_to_breach": True, "queue_slug": "senior", "priority": "urgent",
     "to_account_manager": True},
    {"order": 20, "name": "high-value-account-manager", "tiers": ["enterprise"], "to_account_manager": True},
]


def forwards(apps, schema_editor):
    BusinessCalendar = apps.get_model("escalation", "BusinessCalendar")
    SLAPolicy = apps.get_model("escalation", "SLAPolicy")
    RoutingRule = apps.get_model("escalation", "RoutingRule")
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="Support hours",
        defaults={
            "time_zone": "Europe/Berlin",
            "weekly_hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holiday_country": "DE",
            "holiday_subdivision": "BE",
        },
    )
    for name, tier, priority, first, resolution in POLICIES:
        SLAPolicy.objects.get_or_create(
            tier=tier,
            priority=priority,
            defaults={"name": name, "first_response_minutes": first, "resolution_minutes": resolution,
                      "calendar": calendar},
        )
    for spec in RULES:
        RoutingRule.objects.get_or_create(name=spec["name"], defaults=spec)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0008_default_rules_soft_triggers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
