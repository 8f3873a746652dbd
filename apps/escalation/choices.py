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
