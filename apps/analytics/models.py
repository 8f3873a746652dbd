"""Analytics records: suggested categories from clustering, customer feedback, training examples, retrain runs,
anomalies, the senior agents' escalation knowledge and the monthly workflow review."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from apps.core.models import TimeStampedModel

from .choices import AnomalyKind, ExampleSource, FeedbackSource, ReviewState, SuggestionStatus


class SuggestedCategory(TimeStampedModel):
    """A cluster of uncategorised history tickets (embeddings + k-means) that a lead can name, merge and accept.

    ``top_terms``: the cluster's highest TF-IDF terms; ``example_ticket_ids``: tickets nearest the centre;
    ``ticket_ids``: every ticket in the cluster (merges add the other cluster's ids). ``run`` groups the
    suggestions of one clustering run.
    """

    run = models.CharField(max_length=40, db_index=True)
    name = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    top_terms = models.JSONField(default=list, blank=True)
    example_ticket_ids = models.JSONField(default=list, blank=True)
    ticket_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    category = models.ForeignKey(
        "workflows.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-size", "id"]
        verbose_name_plural = "suggested categories"

    def __str__(self) -> str:
        return self.name or ", ".join(self.top_terms[:3]) or f"cluster {self.pk}"


class EscalationNote(TimeStampedModel):
    """What a senior agent watches for (keywords, account tiers, signals), and the trigger rules made from it."""

    title = models.CharField(max_length=200)
    keywords = models.JSONField(default=list, blank=True, help_text="Words or phrases; '*' at the end: any ending")
    tiers = models.JSONField(default=list, blank=True, help_text="Account tiers that always go to a person")
    signals = models.JSONField(default=list, blank=True, help_text="Signal slugs (see choices.Signal)")
    queue_slug = models.SlugField(max_length=100, blank=True, default="")
    note = models.TextField(blank=True, default="")
    rule_names = models.JSONField(default=list, blank=True, help_text="TriggerRule names created from this note")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Feedback(models.Model):
    """A customer's rating of an answer: CSAT 1–5 and/or helpful yes/no, through the API or a signed link."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="feedback")
    decision = models.ForeignKey(
        "workflows.Decision", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    helpful = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True, default="")
    source = models.CharField(max_length=8, choices=FeedbackSource.choices, default=FeedbackSource.API)
    review_state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.OPEN)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(null=True, blank=True, help_text="When the customer last changed the rating")
    history = models.JSONField(
        default=list,
        blank=True,
        help_text="Earlier versions of this rating, oldest first: [{csat, helpful, comment, source, at}]",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["helpful", "review_state"], name="feedback_helpful_review_idx"),
            models.Index(fields=["ticket", "message"], name="feedback_ticket_message_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5), name="feedback_csat_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"feedback on #{self.ticket_id}: csat={self.csat} helpful={self.helpful}"


class TrainingExample(models.Model):
    """A labelled text for the classifier, from an agent's draft edit or a lead's category correction.

    ``text``: the customer's words (subject + first message); ``category_slug``: the label; ``reply_text``: the
    reply as sent after the edit (draft edits only); ``origin_key`` makes building idempotent.
    """

    text = models.TextField()
    category_slug = models.CharField(max_length=100)
    source = models.CharField(max_length=24, choices=ExampleSource.choices)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reply_text = models.TextField(blank=True, default="")
    edit_ratio = models.FloatField(null=True, blank=True, help_text="Share of the draft changed, 0–1")
    origin_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source}: {self.category_slug}"


class RetrainRun(models.Model):
    """One retraining: the candidate and the active model measured on the same held-out rows, and the verdict."""

    candidate = models.ForeignKey(
        "workflows.ClassifierVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous = models.ForeignKey(
        "workflows.ClassifierVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    candidate_metrics = models.JSONField(default=dict, blank=True)
    previous_metrics = models.JSONField(default=dict, blank=True)
    n_examples = models.PositiveIntegerField(default=0, help_text="Training examples used on top of history")
    n_holdout = models.PositiveIntegerField(default=0)
    activated = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"retrain {self.created_at:%Y-%m-%d %H:%M}: {'activated' if self.activated else 'kept previous'}"


class Anomaly(models.Model):
    """A spike of an error signature or a topic across distinct customers against its baseline.

    ``window_start``/``window_end``: the window that spiked; ``customers``: distinct customers in it;
    ``baseline``: mean distinct customers per window of the same length before it; ``p_value``: Poisson tail.
    """

    kind = models.CharField(max_length=16, choices=AnomalyKind.choices)
    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    customers = models.PositiveIntegerField()
    tickets = models.PositiveIntegerField()
    baseline = models.FloatField()
    p_value = models.FloatField()
    ticket_ids = models.JSONField(default=list, blank=True)
    alert_sent = models.BooleanField(default=False)
    tracker_url = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    last_seen_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "window_start"], name="anomaly_kind_key_window_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.customers} customers"


class MonthlyReview(models.Model):
    """The monthly report of one category: metric changes, worst unhelpful answers, new gaps, threshold hints.

    ``month``: the first day of the reviewed month; ``data``: the report document (see ``reviews.py``).
    """

    category = models.ForeignKey("workflows.Category", on_delete=models.CASCADE, related_name="monthly_reviews")
    month = models.DateField()
    data = models.JSONField(default=dict)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "category__name"]
        constraints = [models.UniqueConstraint(fields=["category", "month"], name="monthly_review_category_month")]

    def __str__(self) -> str:
        return f"{self.category} {self.month:%Y-%m}"


class CategoryDayStats(models.Model):
    """Daily figures of the tickets created on ``day`` in one category, channel, customer tier, segment and
    control-group side: the dashboard's and the audit's source at scale (see ``rollup.py``).

    Counts are tickets; ``csat_ai`` / ``csat_human`` count ratings 1–5 (index 0 = CSAT 1); ``*_hist`` count
    tickets per bin of ``rollup.FIRST_RESPONSE_EDGES`` (minutes), ``RESOLUTION_EDGES`` (hours) and
    ``HANDLE_EDGES`` (minutes). ``category`` is null for uncategorised tickets; ``tier``/``segment`` are ``""``
    without an organisation; ``"*"`` in ``channel``, ``tier`` or ``segment`` means "all of them" (the rows of
    one grouping set, see ``rollup.slice_where``).
    """

    day = models.DateField()
    category = models.ForeignKey(
        "workflows.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=16)
    tier = models.CharField(max_length=16, blank=True, default="")
    segment = models.CharField(max_length=50, blank=True, default="")
    in_control = models.BooleanField(default=False)
    tickets = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    ai_resolved = models.PositiveIntegerField(default=0)
    ai_handled = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    urgent = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0, help_text="Tickets with at least one agent reply")
    replies_resolved = models.PositiveIntegerField(default=0, help_text="Agent replies in resolved tickets")
    replies_answered = models.PositiveIntegerField(default=0, help_text="Agent replies in answered tickets")
    drafts_reviewed = models.PositiveIntegerField(default=0)
    drafts_approved = models.PositiveIntegerField(default=0)
    drafts_edited = models.PositiveIntegerField(default=0)
    edits = models.PositiveIntegerField(default=0, help_text="Tickets with a draft-edit training example")
    edit_ratio_sum = models.FloatField(default=0.0, help_text="Sum of their edit ratios (0–1 each)")
    edit_ratio_sq_sum = models.FloatField(default=0.0, help_text="Sum of their squared edit ratios (for variances)")
    first_responded = models.PositiveIntegerField(default=0, help_text="Tickets with a first response")
    first_response_minutes_sum = models.FloatField(default=0.0, help_text="Sum of their first-response minutes")
    csat_ai = ArrayField(models.PositiveIntegerField(), size=5, default=list)
    csat_human = ArrayField(models.PositiveIntegerField(), size=5, default=list)
    first_response_hist = ArrayField(models.PositiveIntegerField(), default=list)
    resolution_hist = ArrayField(models.PositiveIntegerField(), default=list)
    handle_hist = ArrayField(models.PositiveIntegerField(), default=list)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "channel", "tier", "segment", "in_control"],
                name="category_day_stats_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["day", "category"], name="category_day_stats_day_idx"),
            models.Index(fields=["channel", "tier", "segment", "day"], name="category_day_stats_slice_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category_id} {self.channel}/{self.tier}: {self.tickets}"


class CategoryDayActivity(models.Model):
    """What happened on one UTC ``day`` in one category, counted on the day it happened (the overview
    dashboard's source, see ``rollup.py``): Decisions made (by ``Decision.created_at`` and the Decision's
    category) per outcome and how many were sent without review; drafts created (by ``Draft.created_at`` and
    their Decision's category) per current status; tickets resolved (by ``Ticket.resolved_at`` and the ticket's
    category). ``category`` is null for Decisions / tickets without one."""

    day = models.DateField()
    category = models.ForeignKey(
        "workflows.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decisions_resolve = models.PositiveIntegerField(default=0)
    decisions_draft = models.PositiveIntegerField(default=0)
    decisions_escalate = models.PositiveIntegerField(default=0)
    decisions_sent = models.PositiveIntegerField(default=0, help_text="Decisions whose reply was sent unreviewed")
    drafts_pending = models.PositiveIntegerField(default=0)
    drafts_approved = models.PositiveIntegerField(default=0)
    drafts_edited = models.PositiveIntegerField(default=0)
    drafts_rejected = models.PositiveIntegerField(default=0)
    drafts_superseded = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0, help_text="Tickets resolved on this day")
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "category day activity"
        constraints = [
            models.UniqueConstraint(fields=["day", "category"], name="category_day_activity_key", nulls_distinct=False)
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category_id}"
