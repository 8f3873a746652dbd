from django.db import models


class HandoffStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    CLAIMED = "claimed", "Claimed"
    RESOLVED = "resolved", "Resolved"


class TriggerKind(models.TextChoices):
    """What a hard trigger looks at. Keyword-like kinds match phrases in what the customer wrote now."""

    KEYWORD = "keyword", "Keyword or phrase"
    HUMAN_REQUEST = "human_request", "Request for a human"
    TIER = "tier", "Customer tier"
    RESTRICTED_TOPIC = "restricted_topic", "Restricted (human-only) topic"
    INJECTION = "injection", "Suspected prompt injection"
    FRUSTRATION = "frustration", "Frustration"
    REPEAT_CONTACT = "repeat_contact", "Repeated contact"
    # soft triggers, applied by the sweep to open tickets and handoffs
    AI_TURNS = "ai_turns", "Soft: no resolution after N AI turns"
    SLA_PERCENT = "sla_percent", "Soft: past X% of the SLA"
    NO_PROGRESS = "no_progress", "Soft: same question asked again"


SOFT_KINDS = {TriggerKind.AI_TURNS, TriggerKind.SLA_PERCENT, TriggerKind.NO_PROGRESS}
