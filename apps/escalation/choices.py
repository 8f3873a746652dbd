from django.db import models


class HandoffStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    CLAIMED = "claimed", "Claimed"
    RESOLVED = "resolved", "Resolved"
