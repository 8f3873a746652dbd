from django.conf import settings
from django.db import models

from apps.core.models import TimeStampedModel

from .choices import DraftStatus, Outcome, RolloutState


class Category(TimeStampedModel):
    """A kind of request (intent) with its own workflow, e.g. ``billing/double-charge``.

    ``is_sensitive`` marks human-only topics (legal, refunds…); ``rollout_state`` gates what the AI may do.
    """

    slug = models.CharField(
        max_length=100, unique=True, help_text="Lower-case, '/' for sub-categories: billing/refund"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    reply_template = models.TextField(
        blank=True, default="", help_text="Answer the offline composer starts from ({customer_name}, {ticket_id})"
    )
    default_queue = models.ForeignKey(
        "escalation.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where this category's escalations go unless a routing rule says otherwise",
    )
    is_sensitive = models.BooleanField(default=False, help_text="Human-only topic: always escalates")
    rollout_state = models.CharField(max_length=16, choices=RolloutState.choices, default=RolloutState.OFF)
    auto_threshold = models.FloatField(default=0.9, help_text="Confidence at or above which the AI resolves")
    draft_threshold = models.FloatField(default=0.6, help_text="Confidence at or above which the AI drafts")
    control_share = models.FloatField(
        default=0.0, help_text="Share (0–1) of tickets kept as a human-only control group"
    )
    rollout_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the rollout left 'off' (for before/after figures)"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    """The AI's outcome for one ticket turn, with the full trace: the unit of audit.

    ``trace`` holds the steps (context, classification, triggers, nodes, knowledge chunks, looked-up fields,
    guard checks) as a JSON document; ``runner_ups`` is a list of ``{"category": slug, "confidence": p}``;
    ``triggers`` a list of ``{"name", "kind", "evidence"}``.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="decisions")
    turn = models.PositiveIntegerField(default=1, help_text="Customer message count when decided")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions")
    confidence = models.FloatField(null=True, blank=True)
    runner_ups = models.JSONField(default=list, blank=True)
    triggers = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, db_index=True)
    rollout_state = models.CharField(max_length=16, choices=RolloutState.choices, default=RolloutState.OFF)
    sent = models.BooleanField(default=False, help_text="Whether a reply went to the customer without review")
    reason = models.CharField(max_length=500, blank=True, default="")
    reply_text = models.TextField(blank=True, default="")
    trace = models.JSONField(default=dict, blank=True)
    model_name = models.CharField(max_length=200, blank=True, default="")
    prompt_version = models.CharField(max_length=50, blank=True, default="")
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(default=0.0, help_text="Wall time of the whole triage in milliseconds")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["ticket", "turn"], name="decision_ticket_turn_uniq")]

    def __str__(self) -> str:
        return f"{self.outcome} for #{self.ticket_id} (turn {self.turn})"


class Draft(TimeStampedModel):
    """A reply the AI prepared at moderate confidence, waiting for an agent to approve, edit or reject."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="drafts")
    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="draft")
    body = models.TextField()
    status = models.CharField(max_length=16, choices=DraftStatus.choices, default=DraftStatus.PENDING, db_index=True)
    sent_body = models.TextField(blank=True, default="", help_text="What was sent after review (edits included)")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=50, blank=True, default="")
    reject_note = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1, help_text="Optimistic lock: bumped on every change")
    snoozed_until = models.DateTimeField(null=True, blank=True, help_text="Hidden from the queue until then")
    opened_at = models.DateTimeField(null=True, blank=True, help_text="First opened by an agent")

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Draft for #{self.ticket_id} ({self.status})"


class ClassifierVersion(models.Model):
    """A trained ticket classifier: where its file is, what it was trained on, how it measured on held-out data.

    ``metrics`` keys: accuracy, macro_f1, ece, coverage_at_95, coverage_at_99, n_train, n_holdout (fractions 0–1).
    Exactly one version is active at a time.
    """

    model_name = models.CharField(max_length=200)
    path = models.CharField(max_length=500, help_text="File under VAR_DIR/classifier/")
    labels = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_classifier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_name} ({self.created_at:%Y-%m-%d %H:%M})"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Workflow(TimeStampedModel):
    """The decision workflow of one category; its behaviour lives in numbered ``WorkflowVersion`` rows."""

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="workflow")
    name = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["category__name"]

    def __str__(self) -> str:
        return self.name or f"Workflow for {self.category_id}"

    @property
    def published(self) -> "WorkflowVersion | None":
        return self.versions.filter(status=VersionStatus.PUBLISHED).first()


class WorkflowVersion(models.Model):
    """One numbered version of a workflow. A published (or archived) version never changes: edits go to a new draft.

    ``tree``: the decision-tree document (``{"start": node id, "nodes": [{"id", "type", ...}]}``, validated by
    ``apps.workflows.tree.schema.tree_validate``); ``thresholds``: ``{"auto": float, "draft": float}`` (0–1);
    ``required_fields``: list of field names (e.g. ``["order_id"]``); ``guidelines``: free-text response guidance;
    ``profiles``: behaviour profile per channel, ``{"chat": {...}, "email": {...}}`` (see ``tree.profiles``).
    """

    FROZEN_FIELDS = ("tree", "thresholds", "required_fields", "guidelines", "profiles", "number", "workflow_id")

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True)
    tree = models.JSONField(default=dict, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    required_fields = models.JSONField(default=list, blank=True)
    guidelines = models.TextField(blank=True, default="")
    profiles = models.JSONField(default=dict, blank=True)
    change_note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workflow", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "number"], name="workflow_version_number_uniq"),
            models.UniqueConstraint(
                fields=["workflow"], condition=models.Q(status="published"), name="one_published_version"
            ),
            models.UniqueConstraint(fields=["workflow"], condition=models.Q(status="draft"), name="one_draft_version"),
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.status})"

    def save(self, *args, **kwargs):
        """Refuse to change the content of a version that was published (status changes are allowed)."""
        if self.pk:
            from apps.core.errors import ConflictError

            old = WorkflowVersion.objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS, "status").first()
            if old and old["status"] != VersionStatus.DRAFT:
                changed = [f for f in self.FROZEN_FIELDS if old[f] != getattr(self, f)]
                if changed:
                    raise ConflictError(
                        f"version {self.number} was published and can never change ({', '.join(changed)}); "
                        "create a new draft"
                    )
        super().save(*args, **kwargs)


class WorkflowTestCase(models.Model):
    """A sandbox case of a workflow: a sample ticket with the expected category and outcome.

    ``source``: ``hand`` or ``history`` (then ``ticket`` is the historical ticket it came from);
    ``expected_outcome``: blank, ``answer`` (resolve or draft), ``resolve``, ``draft`` or ``escalate``.
    """

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="test_cases")
    name = models.CharField(max_length=200)
    text = models.TextField()
    channel = models.CharField(max_length=16, default="email")
    tier = models.CharField(max_length=16, blank=True, default="")
    expected_category = models.CharField(max_length=100, blank=True, default="")
    expected_outcome = models.CharField(max_length=16, blank=True, default="")
    source = models.CharField(max_length=16, default="hand")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name
