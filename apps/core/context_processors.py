from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .choices import Role

# (url name, label, roles allowed). The base layout shows the links the user's role may open.
NAVIGATION = [
    ("analytics:dashboard", "Dashboard", (Role.ADMIN, Role.LEAD, Role.AGENT)),
    ("workflows:review_queue", "Review queue", (Role.ADMIN, Role.LEAD, Role.AGENT)),
    ("escalation:handoff_list", "Handoffs", (Role.ADMIN, Role.LEAD, Role.AGENT)),
    ("knowledge:source_list", "Knowledge", (Role.ADMIN, Role.LEAD)),
    ("workflows:workflow_list", "Workflows", (Role.ADMIN, Role.LEAD)),
    ("workflows:workflow_calibration", "Calibration", (Role.ADMIN, Role.LEAD)),
    ("audit:change_list", "Change history", (Role.ADMIN, Role.LEAD)),
    ("analytics:metrics", "Metrics", (Role.ADMIN, Role.LEAD)),
    ("analytics:audit", "Audit", (Role.ADMIN, Role.LEAD)),
    ("integrations:connection_list", "Connections", (Role.ADMIN, Role.LEAD)),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, roles in NAVIGATION:
        if not user.has_role(*roles):
            continue
        try:
            items.append(
                {
                    "url": reverse(name),
                    "label": label,
                    "active": request.resolver_match and request.resolver_match.view_name == name,
                }
            )
        except NoReverseMatch:  # a screen of an app that is not installed in this deployment
            continue
    return {"nav_items": items}
