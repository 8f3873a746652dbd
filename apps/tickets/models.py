from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from apps.core.models import TimeStampedModel

from .choices import AuthorKind, Channel, Priority, TicketStatus, Tier


class Organization(TimeStampedModel):
    """A customer account (company). Tier, plan and segment drive triggers, routing and SLA."""

    name = models.CharField(max_length=200)
    external_id = models.CharField(max_length=100, blank=True, default="", db_index=True)
    domain = models.CharField(max_length=200, blank=True, default="", db_index=True)
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.FREE, db_index=True)
    plan = models.CharField(max_length=100, blank=True, default="")
    segment = models.CharField(max_length=50, blank=True, default="", help_text="e.g. smb, mid-market, enterprise")
    region = models.CharField(max_length=50, blank=True, default="")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_organizations",
    )
    # Filled by the CRM sync (apps/integrations/crm): account status, contract dates and recent activity.
    account_status = models.CharField(max_length=32, blank=True, default="", help_text="CRM: active, trial, churned …")
    contract_start = models.DateField(null=True, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    crm_data = models.JSONField(default=dict, blank=True, help_text="CRM: owner, recent activity, source ids")
    crm_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        # Intake and import match organizations by name case-insensitively.
        indexes = [models.Index(Lower("name"), name="organization_name_lower_idx")]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    """A person at a customer who writes to support, on any channel (one person, one contact)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.EmailField(blank=True, default="", db_index=True)
    external_id = models.CharField(max_length=100, blank=True, default="", db_index=True)
    language = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        ordering = ["email"]
        # Intake and import deduplicate contacts by email case-insensitively.
        indexes = [models.Index(Lower("email"), name="contact_email_lower_idx")]

    def __str__(self) -> str:
        return self.name or self.email or f"contact {self.pk}"


class Ticket(models.Model):
    """A customer's conversation with support, on one channel, from receipt to resolution.

    ``source`` + ``external_id`` identify a ticket from outside (import row, helpdesk id, API idempotency key),
    so the same ticket received twice is stored once.
    """

    source = models.CharField(max_length=32)  # indexed by the (source, external_id) constraint
    external_id = models.CharField(max_length=200)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    status = models.CharField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    subject = models.CharField(max_length=500, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    category = models.ForeignKey(
        "workflows.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # Category as labelled by humans in history (import) — the training label; ``category`` is the current one.
    labelled_category = models.ForeignKey(
        "workflows.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="labelled_tickets"
    )
    confidence = models.FloatField(null=True, blank=True, help_text="Classifier probability of the category, 0–1")
    queue = models.ForeignKey(
        "escalation.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    page_url = models.URLField(max_length=1000, blank=True, default="")
    page_title = models.CharField(max_length=300, blank=True, default="")
    page_context = models.JSONField(default=dict, blank=True, help_text="Product area and app metadata from the page")
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="Source-specific fields kept from intake")
    ai_turns = models.PositiveIntegerField(default=0, help_text="AI replies sent in this ticket")
    csat = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Customer satisfaction 1–5")
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True, help_text="SLA first-response due time")
    resolution_due_at = models.DateTimeField(null=True, blank=True, help_text="SLA resolution due time")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="ticket_source_external_id_uniq")
        ]
        # Plain b-tree indexes: db_index=True on a CharField would add a LIKE-pattern index too, which enum
        # columns never use and every insert pays for (see bench/bench_import.py).
        indexes = [
            models.Index(fields=["category", "created_at"], name="ticket_category_created_idx"),
            models.Index(fields=["channel"], name="ticket_channel_idx"),
            models.Index(fields=["status"], name="ticket_status_idx"),
            models.Index(fields=["priority"], name="ticket_priority_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject[:60]}" if self.subject else f"#{self.pk}"


class Message(models.Model):
    """One message in a ticket: from the customer, the AI, an agent, or the system (internal notes too)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=16, choices=AuthorKind.choices)
    author_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField(blank=True, default="")
    is_internal = models.BooleanField(default=False, help_text="Internal note: never shown to the customer")
    # Deduplication key: email Message-ID, vendor message id, or an idempotency key.
    external_id = models.CharField(max_length=300, null=True, blank=True)  # unique: see Meta.constraints
    email_message_id = models.CharField(max_length=300, blank=True, default="")
    email_in_reply_to = models.CharField(max_length=300, blank=True, default="")
    email_references = models.JSONField(default=list, blank=True)
    email_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        # Plain b-tree indexes and a named constraint instead of db_index/unique on CharFields (no LIKE indexes).
        constraints = [models.UniqueConstraint(fields=["external_id"], name="message_external_id_uniq")]
        indexes = [
            models.Index(fields=["author_kind"], name="message_author_kind_idx"),
            models.Index(fields=["email_message_id"], name="message_email_message_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author_kind} on #{self.ticket_id}"


class Attachment(models.Model):
    """A file received with a message. Oversized or refused files keep their name and size with ``skipped_reason``."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=300)
    content_type = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes")
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    skipped_reason = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename
