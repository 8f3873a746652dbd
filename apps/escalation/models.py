from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel
from apps.tickets.choices import Priority

from .choices import HandoffStatus, TriggerKind


class Queue(TimeStampedModel):
    """A human queue escalations go to (support, senior, billing, tech-support, account-admin, legal-compliance, security, sales)."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="queues")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Handoff(TimeStampedModel):
    """An escalation to a human queue, with the structured handoff package the receiving agent reads first.

    ``package`` keys: conversation, understood (category, confidence, fields), tried (nodes, lookups, draft),
    why (triggers with evidence), facts (allow-listed CRM/billing), priority, sla_due_at, next_step.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="handoffs")
    decision = models.OneToOneField(
        "workflows.Decision", null=True, blank=True, on_delete=models.SET_NULL, related_name="handoff"
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="handoffs")
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL, db_index=True)
    reason = models.CharField(max_length=500)
    package = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.OPEN, db_index=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    claimed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["sla_due_at", "created_at"]

    def __str__(self) -> str:
        return f"Handoff #{self.ticket_id} → {self.queue}"


class TriggerRule(TimeStampedModel):
    """A hard trigger checked before any autonomous reply; a hit forces escalation and is named in the Decision.

    ``phrases``: for keyword-like kinds, words or phrases matched as whole words, case-insensitively, in what the
    customer wrote now (``*`` at the end of a word matches any ending: ``refund*``); for ``tier``, tier slugs.
    ``languages``: the languages the phrases cover (ISO 639-1), for the people maintaining them.
    """

    name = models.SlugField(max_length=100, unique=True, help_text="Shown in Decisions and handoffs, e.g. refund")
    kind = models.CharField(max_length=32, choices=TriggerKind.choices, default=TriggerKind.KEYWORD)
    phrases = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    queue_slug = models.SlugField(
        max_length=100, blank=True, default="", help_text="Queue for escalations it causes (empty: the category's)"
    )
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.HIGH)
    next_step = models.CharField(max_length=300, blank=True, default="", help_text="Suggested next step for the agent")
    enabled = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
