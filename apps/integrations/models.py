"""Local demo billing backend: tables shaped like Stripe objects, seeded by ``seed_demo``.

The demo billing client reads these instead of calling Stripe, so the product works offline. Field names follow
Stripe's API objects (``../shared/data/stripe_fixtures``): ids carry Stripe's prefixes (``cus_``, ``in_``, ``pi_``,
``ch_``, ``re_``), amounts are integers in the currency's minor unit (cents), currencies are lower-case ISO 4217
codes (``usd``), and ``created`` is when the object was created at the vendor.
"""

from django.db import models

from apps.core.models import TimeStampedModel


class BillingCustomer(models.Model):
    """A paying customer account at the billing vendor (Stripe ``customer``), linked to an Organization."""

    id = models.CharField(primary_key=True, max_length=64, help_text="cus_…")
    organization = models.ForeignKey(
        "tickets.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="billing_customers"
    )
    email = models.EmailField(blank=True, default="", db_index=True, help_text="Billing contact")
    name = models.CharField(max_length=200, blank=True, default="")
    currency = models.CharField(max_length=3, default="usd", help_text="ISO 4217, lower-case")
    delinquent = models.BooleanField(default=False, help_text="Latest invoice unpaid")
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


class BillingInvoice(models.Model):
    """An invoice for one billing period (Stripe ``invoice``); amounts in cents."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        PAID = "paid"
        VOID = "void"
        UNCOLLECTIBLE = "uncollectible"

    id = models.CharField(primary_key=True, max_length=64, help_text="in_…")
    customer = models.ForeignKey(BillingCustomer, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=50, unique=True, help_text="Number printed on the invoice, e.g. TF-1042-0007")
    description = models.CharField(max_length=300, blank=True, default="", help_text="Plan line, e.g. Pro monthly × 5")
    currency = models.CharField(max_length=3, default="usd")
    amount_due = models.PositiveIntegerField(help_text="Cents")
    amount_paid = models.PositiveIntegerField(default=0, help_text="Cents")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    created = models.DateTimeField()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"

    @property
    def amount_remaining(self) -> int:
        return max(self.amount_due - self.amount_paid, 0)


class BillingPaymentIntent(models.Model):
    """One attempt to collect an amount (Stripe ``payment_intent``).

    With manual capture the card issuer holds ``amount_capturable`` (status ``requires_capture``) until it is
    captured or canceled; a canceled intent is a released authorization hold: nothing was taken, but the
    customer's bank may show it as pending for several days.
    """

    class Status(models.TextChoices):
        REQUIRES_PAYMENT_METHOD = "requires_payment_method"
        REQUIRES_CAPTURE = "requires_capture"
        PROCESSING = "processing"
        SUCCEEDED = "succeeded"
        CANCELED = "canceled"

    id = models.CharField(primary_key=True, max_length=64, help_text="pi_…")
    customer = models.ForeignKey(BillingCustomer, on_delete=models.CASCADE, related_name="payment_intents")
    invoice = models.ForeignKey(
        BillingInvoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="payment_intents"
    )
    amount = models.PositiveIntegerField(help_text="Cents")
    amount_capturable = models.PositiveIntegerField(default=0, help_text="Cents held and not yet captured")
    amount_received = models.PositiveIntegerField(default=0, help_text="Cents captured")
    currency = models.CharField(max_length=3, default="usd")
    capture_method = models.CharField(max_length=16, default="automatic", help_text="automatic | manual")
    status = models.CharField(max_length=32, choices=Status.choices)
    cancellation_reason = models.CharField(max_length=50, blank=True, default="", help_text="e.g. abandoned")
    canceled_at = models.DateTimeField(null=True, blank=True)
    description = models.CharField(max_length=300, blank=True, default="")
    created = models.DateTimeField()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class BillingCharge(models.Model):
    """Money taken (or attempted) from a card (Stripe ``charge``); amounts in cents."""

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        PENDING = "pending"
        FAILED = "failed"

    id = models.CharField(primary_key=True, max_length=64, help_text="ch_…")
    customer = models.ForeignKey(BillingCustomer, on_delete=models.CASCADE, related_name="charges")
    payment_intent = models.ForeignKey(
        BillingPaymentIntent, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges"
    )
    invoice = models.ForeignKey(
        BillingInvoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="charges"
    )
    amount = models.PositiveIntegerField(help_text="Cents")
    amount_captured = models.PositiveIntegerField(default=0, help_text="Cents")
    amount_refunded = models.PositiveIntegerField(default=0, help_text="Cents")
    currency = models.CharField(max_length=3, default="usd")
    status = models.CharField(max_length=16, choices=Status.choices)
    paid = models.BooleanField(default=False)
    captured = models.BooleanField(default=False)
    refunded = models.BooleanField(default=False, help_text="Fully refunded")
    disputed = models.BooleanField(default=False)
    failure_code = models.CharField(max_length=50, blank=True, default="", help_text="e.g. card_declined")
    description = models.CharField(max_length=300, blank=True, default="")
    statement_descriptor = models.CharField(
        max_length=22, blank=True, default="", help_text="Text on the bank statement"
    )
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class BillingRefund(models.Model):
    """Money returned on a charge (Stripe ``refund``); ``amount`` in cents of ``currency`` (the charge's currency).

    ``destination_type`` mirrors Stripe's ``destination_details.card.type``: ``refund`` shows as a credit line on
    the statement, ``reversal`` (refunded soon after the payment) makes the original charge disappear instead,
    ``pending`` means the card network has not reported it yet. ``destination_reference`` is the trace number
    (ARN or STAN) the customer's bank can look up.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELED = "canceled"

    id = models.CharField(primary_key=True, max_length=64, help_text="re_…")
    charge = models.ForeignKey(BillingCharge, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveIntegerField(help_text="Cents")
    currency = models.CharField(max_length=3, default="usd")
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(max_length=50, blank=True, default="", help_text="duplicate | requested_by_customer …")
    destination_type = models.CharField(
        max_length=16, blank=True, default="refund", help_text="refund | reversal | pending"
    )
    destination_reference = models.CharField(max_length=50, blank=True, default="", help_text="ARN or STAN")
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.id} {self.amount} {self.currency} ({self.status})"


class Connection(TimeStampedModel):
    """One configured external system (billing, CRM, tracker, chat, helpdesk) or a local demo backend.

    Credentials come from the environment (``credentials_env``: credential name → environment variable name) or are
    stored encrypted at rest (``credentials_encrypted``: a Fernet token, key from ``FIELD_ENCRYPTION_KEY`` /
    ``SWITCHBOARD_SECRET_KEY``; see ``apps.integrations.connections``). They are never shown back in full.
    ``allowed_fields`` (dotted paths) are the only looked-up fields the AI, prompts, logs, handoff packages and the
    API may see; ``allowed_categories`` (category slugs) limit which workflows may use the connection (empty: all).
    """

    class Kind(models.TextChoices):
        STRIPE = "stripe", "Stripe"
        HUBSPOT = "hubspot", "HubSpot"
        SALESFORCE = "salesforce", "Salesforce"
        JIRA = "jira", "Jira"
        LINEAR = "linear", "Linear"
        SLACK = "slack", "Slack"
        ZENDESK = "zendesk", "Zendesk"
        FRESHDESK = "freshdesk", "Freshdesk"
        INTERCOM = "intercom", "Intercom"
        LOCAL = "local", "Local demo backend"

    class Service(models.TextChoices):
        BILLING = "billing", "Billing"
        CRM = "crm", "CRM"
        TRACKER = "tracker", "Issue tracker"
        ALERTS = "alerts", "Chat alerts"
        HELPDESK = "helpdesk", "Helpdesk"

    SERVICE_OF_KIND = {
        "stripe": "billing",
        "hubspot": "crm",
        "salesforce": "crm",
        "jira": "tracker",
        "linear": "tracker",
        "slack": "alerts",
        "zendesk": "helpdesk",
        "freshdesk": "helpdesk",
        "intercom": "helpdesk",
    }

    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    service = models.CharField(
        max_length=16, choices=Service.choices, db_index=True, help_text="What it is used for (set from the kind)"
    )
    name = models.CharField(max_length=100, unique=True)
    enabled = models.BooleanField(default=True)
    credentials_encrypted = models.TextField(blank=True, default="", help_text="Fernet token of a JSON object")
    credentials_env = models.JSONField(
        default=dict, blank=True, help_text='Credential name → environment variable, e.g. {"api_key": "STRIPE_KEY"}'
    )
    base_url = models.CharField(max_length=300, blank=True, default="", help_text="Stand-in or self-hosted address")
    options = models.JSONField(default=dict, blank=True, help_text="Per-kind settings: timeout, retries, project …")
    allowed_fields = models.JSONField(default=list, blank=True, help_text="Dotted paths the AI may read")
    allowed_categories = models.JSONField(
        default=list, blank=True, help_text="Category slugs that may use it (empty: every category)"
    )
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["service", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def save(self, *args, **kwargs):
        if self.kind in self.SERVICE_OF_KIND:
            self.service = self.SERVICE_OF_KIND[self.kind]
        super().save(*args, **kwargs)

    @property
    def healthy(self) -> bool | None:
        """None before the first call; else whether the latest call succeeded."""
        if not self.last_success_at and not self.last_error_at:
            return None
        if not self.last_error_at:
            return True
        return bool(self.last_success_at and self.last_success_at > self.last_error_at)

    def allows_category(self, slug: str) -> bool:
        return not self.allowed_categories or not slug or slug in self.allowed_categories


class CallLog(models.Model):
    """One call to an external system: what, how long, and whether it worked (error text is allow-list safe)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="calls")
    operation = models.CharField(max_length=100)
    duration_ms = models.FloatField()
    ok = models.BooleanField()
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["connection", "-created_at"], name="calllog_connection_recent_idx")]

    def __str__(self) -> str:
        return f"{self.connection_id} {self.operation} {'ok' if self.ok else 'failed'}"


# --- Connectors (issue trackers, chat alerts, webhooks in) ---------------------------------------------------------


class TrackerIssue(TimeStampedModel):
    """One bug in an issue tracker (Jira, Linear or the local tracker), deduplicated by error signature.

    ``signature`` is unique per connection: every later report of the same error links its ticket to this row (and
    comments on the vendor issue) instead of opening a second issue. ``external_key`` / ``url`` stay empty while the
    vendor has not accepted the issue (``status`` ``failed`` with ``last_error``; the next report retries).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Being created"
        OPEN = "open", "Open"
        FAILED = "failed", "Vendor call failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="tracker_issues")
    signature = models.CharField(max_length=200, help_text="Error signature, e.g. session_invalidated_on_new_login")
    summary = models.CharField(max_length=255)
    steps = models.TextField(blank=True, default="")
    external_key = models.CharField(max_length=100, blank=True, default="", help_text="e.g. SUP-123 or ENG-42")
    url = models.CharField(max_length=500, blank=True, default="")
    external_id = models.CharField(max_length=100, blank=True, default="", help_text="Vendor's internal id")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    customers_count = models.PositiveIntegerField(default=0, help_text="Distinct affected customers reported")
    reports_count = models.PositiveIntegerField(default=0, help_text="bug_report calls for this signature")
    last_error = models.TextField(blank=True, default="")
    tickets = models.ManyToManyField("tickets.Ticket", through="TrackerIssueTicket", related_name="tracker_issues")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "signature"], name="trackerissue_unique_signature")
        ]

    def __str__(self) -> str:
        return f"{self.external_key or '(not created)'} {self.signature}"


class TrackerIssueTicket(models.Model):
    """A ticket linked to a tracker issue (one row per pair); ``commented`` once the vendor issue got a comment."""

    issue = models.ForeignKey(TrackerIssue, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="tracker_links")
    commented = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["issue", "ticket"], name="trackerissueticket_unique_pair")]

    def __str__(self) -> str:
        return f"{self.issue_id} ↔ ticket {self.ticket_id}"


class AlertPost(models.Model):
    """The alert log: one chat alert per idempotency ``key`` (Slack ``chat.postMessage`` or the local log).

    A key already posted (``ok``) is never posted again; a failed one (``ok`` False, ``error``) is retried by the
    next ``alert_post`` with the same key.
    """

    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="alert_posts"
    )
    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=100, blank=True, default="", help_text="Slack channel id/name or 'local'")
    text = models.TextField()
    counts = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=list, blank=True)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    message_ts = models.CharField(max_length=40, blank=True, default="", help_text="Slack message timestamp")
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key} ({'posted' if self.ok else 'not posted'})"


class WebhookDelivery(models.Model):
    """One signed webhook delivery, stored once per (provider, delivery id): a repeat changes nothing.

    The view stores it and enqueues ``apps.integrations.webhooks.tasks.webhook_process``; the task sets ``status``.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (event not handled)"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=20, help_text="stripe, slack, zendesk, freshdesk, intercom")
    delivery_id = models.CharField(max_length=200, help_text="Vendor's event / delivery id (or a body hash)")
    event_type = models.CharField(max_length=100, blank=True, default="")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    result = models.JSONField(default=dict, blank=True, help_text="What the task did, e.g. the ticket id")
    error = models.TextField(blank=True, default="")
    duplicates = models.PositiveIntegerField(default=0, help_text="Repeat deliveries received and ignored")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["provider", "delivery_id"], name="webhookdelivery_unique_delivery")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.delivery_id} ({self.status})"


class HelpdeskPost(models.Model):
    """A Switchboard reply or internal note posted back to the helpdesk its ticket came from, once per message."""

    message = models.OneToOneField("tickets.Message", on_delete=models.CASCADE, related_name="helpdesk_post")
    provider = models.CharField(max_length=20, help_text="zendesk, freshdesk, intercom")
    public = models.BooleanField(default=True, help_text="Public reply (else an internal note)")
    ok = models.BooleanField(default=False)
    external_id = models.CharField(max_length=100, blank=True, default="", help_text="Vendor's id of the post")
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"message {self.message_id} → {self.provider} ({'posted' if self.ok else 'not posted'})"
