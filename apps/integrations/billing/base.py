"""The billing client interface and the fields it can return (shared by Stripe and the local demo backend).

Every method returns plain dicts shaped like Stripe's API objects (``../shared/data/stripe_fixtures``): amounts are
integers in the currency's minor unit (cents), currencies lower-case ISO 4217, ``created`` Unix seconds (UTC).
Clients raise ``apps.core.errors.ProviderError`` when the vendor fails; ``lookup_run`` turns that into ok=False.
"""

from __future__ import annotations

from typing import Protocol

# (dotted path, label, allowed by default). The allow-list editor offers these as checkboxes; card and address
# details exist in the payload but are off by default.
BILLING_FIELDS: list[tuple[str, str, bool]] = [
    ("customer.id", "Customer id", True),
    ("customer.name", "Customer name", True),
    ("customer.email", "Billing e-mail", False),
    ("customer.currency", "Customer currency", True),
    ("customer.delinquent", "Latest invoice unpaid", True),
    ("customer.address", "Customer address", False),
    ("customer.phone", "Customer phone", False),
    ("charges.id", "Charge id", True),
    ("charges.amount", "Charge amount", True),
    ("charges.amount_captured", "Amount captured", True),
    ("charges.amount_refunded", "Amount refunded", True),
    ("charges.currency", "Charge currency", True),
    ("charges.status", "Charge status", True),
    ("charges.paid", "Paid", True),
    ("charges.captured", "Captured", True),
    ("charges.refunded", "Fully refunded", True),
    ("charges.disputed", "Disputed", True),
    ("charges.created", "Charge time", True),
    ("charges.invoice", "Charge invoice", True),
    ("charges.payment_intent", "Charge payment intent", True),
    ("charges.description", "Charge description", True),
    ("charges.statement_descriptor", "Statement descriptor", True),
    ("charges.failure_code", "Decline code", True),
    ("charges.payment_method_details.card.brand", "Card brand", True),
    ("charges.payment_method_details.card.country", "Card country", False),
    ("charges.payment_method_details.card.last4", "Card last 4 digits", False),
    ("charges.billing_details.name", "Cardholder name", False),
    ("charges.billing_details.email", "Cardholder e-mail", False),
    ("charges.billing_details.address", "Cardholder address", False),
    ("payment_intents.id", "Payment intent id", True),
    ("payment_intents.amount", "Intent amount", True),
    ("payment_intents.amount_capturable", "Amount held (capturable)", True),
    ("payment_intents.amount_received", "Amount received", True),
    ("payment_intents.currency", "Intent currency", True),
    ("payment_intents.status", "Intent status", True),
    ("payment_intents.capture_method", "Capture method", True),
    ("payment_intents.canceled_at", "Canceled at", True),
    ("payment_intents.cancellation_reason", "Cancellation reason", True),
    ("payment_intents.created", "Intent time", True),
    ("payment_intents.description", "Intent description", True),
    ("payment_intents.invoice", "Intent invoice", True),
    ("refunds.id", "Refund id", True),
    ("refunds.amount", "Refund amount", True),
    ("refunds.currency", "Refund currency", True),
    ("refunds.status", "Refund status", True),
    ("refunds.reason", "Refund reason", True),
    ("refunds.charge", "Refunded charge", True),
    ("refunds.created", "Refund time", True),
    ("refunds.destination_details.card.type", "Refund processed as (refund / reversal / pending)", True),
    ("refunds.destination_details.card.reference", "Refund trace number (ARN / STAN)", True),
    ("disputes.id", "Dispute id", True),
    ("disputes.amount", "Dispute amount", True),
    ("disputes.currency", "Dispute currency", True),
    ("disputes.status", "Dispute status", True),
    ("disputes.reason", "Dispute reason", True),
    ("disputes.charge", "Disputed charge", True),
    ("disputes.created", "Dispute time", True),
    ("invoices.id", "Invoice id", True),
    ("invoices.number", "Invoice number", True),
    ("invoices.description", "Invoice description", True),
    ("invoices.amount_due", "Amount due", True),
    ("invoices.amount_paid", "Amount paid", True),
    ("invoices.currency", "Invoice currency", True),
    ("invoices.status", "Invoice status", True),
    ("invoices.period_start", "Period start", True),
    ("invoices.period_end", "Period end", True),
    ("invoices.created", "Invoice time", True),
    ("balance_transactions.id", "Balance transaction id", True),
    ("balance_transactions.amount", "Balance amount", True),
    ("balance_transactions.currency", "Balance currency", True),
    ("balance_transactions.type", "Balance type (charge / refund …)", True),
    ("balance_transactions.source", "Balance source object", True),
    ("balance_transactions.exchange_rate", "Exchange rate", True),
    ("balance_transactions.created", "Balance time", True),
    ("balance_transactions.fee", "Fee", False),
    ("balance_transactions.net", "Net", False),
    ("explanation.shape", "Charge analysis: shape", True),
    ("explanation.escalate", "Charge analysis: needs a human", True),
    ("explanation.customer_text", "Charge analysis: safe explanation", True),
    ("explanation.internal_note", "Charge analysis: note for the agent", True),
    ("explanation.evidence", "Charge analysis: evidence (ids, amounts, times)", True),
]
DEFAULT_BILLING_FIELDS = [path for path, _, on in BILLING_FIELDS if on]
SNAPSHOT_KEYS = ("charges", "payment_intents", "refunds", "disputes", "invoices", "balance_transactions")


class BillingClient(Protocol):
    """What every billing backend offers. ``customer_ref`` is the vendor's customer id (``cus_…``)."""

    connection: object | None
    source: str  # "stripe" | "local"

    def ping(self) -> dict:
        """A cheap authenticated call for the "test connection" button; returns a small dict."""

    def customer_find(self, *, email: str = "", organization_id: int | None = None, hint: str = "") -> dict | None:
        """The customer for a ticket: by ``hint`` (a ``cus_…`` id kept on the Organization), else organization
        (local backend), else billing e-mail. None when there is none."""

    def charges(self, *, customer_ref: str, limit: int = 50) -> list[dict]: ...

    def payment_intents(self, *, customer_ref: str, limit: int = 50) -> list[dict]: ...

    def refunds(self, *, customer_ref: str, limit: int = 50) -> list[dict]: ...

    def disputes(self, *, customer_ref: str, limit: int = 50) -> list[dict]: ...

    def invoices(self, *, customer_ref: str, limit: int = 24) -> list[dict]: ...

    def balance_transactions(self, *, customer_ref: str, limit: int = 50) -> list[dict]: ...

    def snapshot(self, *, customer_ref: str) -> dict:
        """``{"customer": {...}, "charges": [...], "payment_intents": [...], "refunds": [...], "disputes": [...],
        "invoices": [...], "balance_transactions": [...]}`` newest first."""
