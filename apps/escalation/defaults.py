"""Default SLA policies, business calendar and routing rules (installed by migration 0009 and by
``escalation_defaults_ensure`` for fresh test databases and new installs).

Targets in business minutes (first response / resolution): enterprise 60/480 (urgent 30/240), business
120/960, pro 240/1440, urgent tickets of any tier 60/480, anything else 480/2880. Calendar: Mon–Fri 09:00–17:00
Europe/Berlin with Berlin public holidays. Routing: about to breach → senior (the account manager when online),
urgent; enterprise accounts → the account manager when online.
"""

from django.db import transaction

CALENDAR = {
    "name": "Support hours",
    "time_zone": "Europe/Berlin",
    "weekly_hours": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holiday_country": "DE",
    "holiday_subdivision": "BE",
}
POLICIES = [  # name, tier, priority, first response, resolution
    ("Enterprise urgent", "enterprise", "urgent", 30, 240),
    ("Enterprise", "enterprise", "", 60, 480),
    ("Business", "business", "", 120, 960),
    ("Pro", "pro", "", 240, 1440),
    ("Urgent", "", "urgent", 60, 480),
    ("Default", "", "", 480, 2880),
]
ROUTING_RULES = [
    {
        "order": 10,
        "name": "about-to-breach",
        "about_to_breach": True,
        "queue_slug": "senior",
        "priority": "urgent",
        "to_account_manager": True,
    },
    {"order": 20, "name": "high-value-account-manager", "tiers": ["enterprise"], "to_account_manager": True},
]


def install(*, BusinessCalendar, SLAPolicy, RoutingRule) -> int:  # noqa: N803 — model classes (also historical)
    """Create what is missing (existing calendars by name, policies by tier × priority, rules by name are left
    alone). Returns the number of rows created."""
    created = 0
    calendar, new = BusinessCalendar.objects.get_or_create(
        name=CALENDAR["name"], defaults={k: v for k, v in CALENDAR.items() if k != "name"}
    )
    created += new
    for name, tier, priority, first, resolution in POLICIES:
        _, new = SLAPolicy.objects.get_or_create(
            tier=tier,
            priority=priority,
            defaults={
                "name": name,
                "first_response_minutes": first,
                "resolution_minutes": resolution,
                "calendar": calendar,
            },
        )
        created += new
    for spec in ROUTING_RULES:
        _, new = RoutingRule.objects.get_or_create(name=spec["name"], defaults=spec)
        created += new
    return created


@transaction.atomic
def escalation_defaults_ensure() -> int:
    """Install the default calendar, SLA policies and routing rules that don't exist yet; returns the count."""
    from apps.escalation.models import BusinessCalendar, RoutingRule, SLAPolicy

    return install(BusinessCalendar=BusinessCalendar, SLAPolicy=SLAPolicy, RoutingRule=RoutingRule)
