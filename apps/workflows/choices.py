from django.db import models


class RolloutState(models.TextChoices):
    OFF = "off", "Off (humans only)"
    SHADOW = "shadow", "Shadow (decide, send nothing)"
    ASSIST = "assist", "Assist (drafts only)"
    AUTO = "auto", "Auto (full)"


class Outcome(models.TextChoices):
    RESOLVE = "resolve", "Resolved by AI"
    DRAFT = "draft", "Draft for review"
    ESCALATE = "escalate", "Escalated"


class DraftStatus(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved and sent"
    EDITED = "edited", "Edited and sent"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"
