from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel
from apps.tickets.choices import Priority

from .choices import HandoffStatus, TriggerKind


class Queue(TimeStampedModel):
    """A human queue escalations go to (support, senior, billing, tech-support, account-admin, legal-compliance,
    security, sales)."""

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
    sla_started_at = models.DateTimeField(null=True, blank=True, help_text="When the SLA clock started")
    sla_paused_at = models.DateTimeField(null=True, blank=True, help_text="Clock paused: waiting on the customer")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_handoffs"
    )
    soft_triggers = models.JSONField(default=list, blank=True, help_text="Soft trigger names already applied")

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
    params = models.JSONField(
        default=dict, blank=True, help_text="Kind settings: days, min_tickets, threshold, turns, percent, similarity"
    )
    enabled = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def default_weekly_hours() -> dict:
    """Mon–Fri 09:00–17:00."""
    return {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}


class BusinessCalendar(TimeStampedModel):
    """When the support team works: a time zone, weekly opening hours, public holidays and extra closed dates.

    ``weekly_hours``: ``{"mon": [["09:00", "17:00"]], …}`` local wall-clock intervals per weekday (missing day =
    closed; ``"24:00"`` allowed as an end). ``holiday_country`` / ``holiday_subdivision``: codes of the
    ``holidays`` library (``DE`` / ``BE``); ``closed_dates``: extra ISO dates (``"2025-12-24"``) with no hours.
    """

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Europe/Berlin")
    weekly_hours = models.JSONField(default=default_weekly_hours, blank=True)
    holiday_country = models.CharField(max_length=8, blank=True, default="")
    holiday_subdivision = models.CharField(max_length=16, blank=True, default="")
    closed_dates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"


class SLAPolicy(TimeStampedModel):
    """Response targets for a customer tier × ticket priority (empty tier or priority: any), in minutes of the
    calendar's business time (no calendar: around the clock). The most specific enabled match wins."""

    name = models.CharField(max_length=100)
    tier = models.CharField(max_length=16, blank=True, default="", db_index=True)
    priority = models.CharField(max_length=16, choices=Priority.choices, blank=True, default="")
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    calendar = models.ForeignKey(BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["tier", "priority"]
        constraints = [models.UniqueConstraint(fields=["tier", "priority"], name="slapolicy_tier_priority_uniq")]

    def __str__(self) -> str:
        return f"{self.name}: {self.tier or 'any tier'} × {self.priority or 'any priority'}"


class SLAPause(TimeStampedModel):
    """A stretch of time a ticket's SLA clock stood still because the ticket waited on the customer (status
    ``pending``), from ``started_at`` to ``ended_at`` (``None`` while it still waits). Recorded by the sweep for every
    ticket with due times, with or without a handoff; due times computed later (a new or updated handoff) add the
    business time of the ticket's pauses, so a pause is never lost."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ticket", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(ended_at__isnull=True), name="slapause_one_open_per_ticket"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} paused {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at or '…'}"


class RoutingRule(TimeStampedModel):
    """Sends an escalation to a queue with a priority; rules are tried by ``order``, the first match wins.

    Conditions (empty list = any): ``tiers``, ``categories`` (slugs; ``billing/*`` matches a family),
    ``priorities``, ``languages``, ``triggers`` (trigger names; any one fired). ``about_to_breach``: only when
    the ticket is past ``Handoff`` SLA warning share. Actions: ``queue_slug`` (empty: keep), ``priority`` (empty:
    keep), ``to_account_manager`` (assign the organization's account manager when they are available).
    """

    order = models.PositiveIntegerField(default=100, db_index=True)
    name = models.CharField(max_length=100, unique=True)
    tiers = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    triggers = models.JSONField(default=list, blank=True)
    about_to_breach = models.BooleanField(default=False)
    queue_slug = models.SlugField(max_length=100, blank=True, default="")
    priority = models.CharField(max_length=16, choices=Priority.choices, blank=True, default="")
    to_account_manager = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class WebhookEndpoint(TimeStampedModel):
    """An outgoing webhook: handoff events are POSTed as JSON with ``X-Switchboard-Signature:
    sha256=<hex HMAC-SHA256 of the body with secret>``."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty = all (handoff.created…)")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class WebhookDelivery(TimeStampedModel):
    """One event sent (or being retried) to one endpoint; ``event_id`` makes re-enqueueing idempotent."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=100)
    event = models.CharField(max_length=50)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, default="pending", db_index=True)  # pending / delivered / failed
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhookdelivery_event_uniq")]
