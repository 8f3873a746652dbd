"""LocalBilling: the billing interface over the demo tables (``BillingCustomer`` …), so the product works offline.

The tables are seeded by the demo workspace (``apps/core/demo/billing.py``) and by the failure-case runner. Output
dicts follow Stripe's object shapes (see ``base.py``). Disputes are not kept locally (always empty); balance
transactions are derived one per successful charge and refund (no fees, no currency conversion).
"""

from __future__ import annotations

from datetime import datetime

from apps.integrations.connections import vendor_call
from apps.integrations.models import (
    BillingCharge,
    BillingCustomer,
    BillingInvoice,
    BillingPaymentIntent,
    BillingRefund,
)

from .base import SNAPSHOT_KEYS


def _ts(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _customer(row: BillingCustomer) -> dict:
    return {
        "id": row.id,
        "object": "customer",
        "name": row.name,
        "email": row.email,
        "currency": row.currency,
        "delinquent": row.delinquent,
        "metadata": row.metadata,
        "created": _ts(row.created),
    }


def _charge(row: BillingCharge) -> dict:
    return {
        "id": row.id,
        "object": "charge",
        "amount": row.amount,
        "amount_captured": row.amount_captured,
        "amount_refunded": row.amount_refunded,
        "currency": row.currency,
        "customer": row.customer_id,
        "status": row.status,
        "paid": row.paid,
        "captured": row.captured,
        "refunded": row.refunded,
        "disputed": row.disputed,
        "failure_code": row.failure_code or None,
        "description": row.description,
        "statement_descriptor": row.statement_descriptor,
        "invoice": row.invoice_id,
        "payment_intent": row.payment_intent_id,
        "metadata": row.metadata,
        "created": _ts(row.created),
    }


def _intent(row: BillingPaymentIntent) -> dict:
    return {
        "id": row.id,
        "object": "payment_intent",
        "amount": row.amount,
        "amount_capturable": row.amount_capturable,
        "amount_received": row.amount_received,
        "currency": row.currency,
        "customer": row.customer_id,
        "capture_method": row.capture_method,
        "status": row.status,
        "cancellation_reason": row.cancellation_reason or None,
        "canceled_at": _ts(row.canceled_at),
        "description": row.description,
        "invoice": row.invoice_id,
        "created": _ts(row.created),
    }


def _refund(row: BillingRefund) -> dict:
    reference = row.destination_reference
    return {
        "id": row.id,
        "object": "refund",
        "amount": row.amount,
        "currency": row.currency,
        "charge": row.charge_id,
        "status": row.status,
        "reason": row.reason or None,
        "metadata": row.metadata,
        "destination_details": {
            "type": "card",
            "card": {
                "type": row.destination_type or "refund",
                "reference": reference or None,
                "reference_type": "system_trace_audit_number"
                if reference.upper().startswith("STAN")
                else ("acquirer_reference_number" if reference else None),
            },
        },
        "created": _ts(row.created),
    }


def _invoice(row: BillingInvoice) -> dict:
    return {
        "id": row.id,
        "object": "invoice",
        "number": row.number,
        "customer": row.customer_id,
        "description": row.description,
        "amount_due": row.amount_due,
        "amount_paid": row.amount_paid,
        "amount_remaining": row.amount_remaining,
        "currency": row.currency,
        "status": row.status,
        "period_start": _ts(row.period_start),
        "period_end": _ts(row.period_end),
        "created": _ts(row.created),
    }


class LocalBilling:
    """Billing client over the demo tables; every call is recorded on ``connection`` when one is given."""

    source = "local"

    def __init__(self, connection=None):
        self.connection = connection

    def _call(self, operation: str, fn):
        return vendor_call(self.connection, operation, fn)

    def ping(self) -> dict:
        return self._call("ping", lambda: {"customers": BillingCustomer.objects.count()})

    def customer_find(self, *, email: str = "", organization_id: int | None = None, hint: str = "") -> dict | None:
        def find():
            rows = BillingCustomer.objects.all()
            row = None
            if hint:
                row = rows.filter(id=hint).first()
            if row is None and organization_id:
                row = rows.filter(organization_id=organization_id).order_by("-created").first()
            if row is None and email:
                row = rows.filter(email__iexact=email).order_by("-created").first()
            return _customer(row) if row else None

        return self._call("customers.find", find)

    def customer(self, *, customer_ref: str) -> dict | None:
        return self._call(
            "customers.retrieve",
            lambda: next((_customer(r) for r in BillingCustomer.objects.filter(id=customer_ref)), None),
        )

    def charges(self, *, customer_ref: str, limit: int = 50) -> list[dict]:
        rows = BillingCharge.objects.filter(customer_id=customer_ref).order_by("-created", "-id")
        return self._call("charges.list", lambda: [_charge(r) for r in rows[:limit]])

    def payment_intents(self, *, customer_ref: str, limit: int = 50) -> list[dict]:
        rows = BillingPaymentIntent.objects.filter(customer_id=customer_ref).order_by("-created", "-id")
        return self._call("payment_intents.list", lambda: [_intent(r) for r in rows[:limit]])

    def refunds(self, *, customer_ref: str, limit: int = 50) -> list[dict]:
        rows = BillingRefund.objects.filter(charge__customer_id=customer_ref).order_by("-created", "-id")
        return self._call("refunds.list", lambda: [_refund(r) for r in rows[:limit]])

    def disputes(self, *, customer_ref: str, limit: int = 50) -> list[dict]:
        return []  # the demo tables keep no disputes

    def invoices(self, *, customer_ref: str, limit: int = 24) -> list[dict]:
        rows = BillingInvoice.objects.filter(customer_id=customer_ref).order_by("-created", "-id")
        return self._call("invoices.list", lambda: [_invoice(r) for r in rows[:limit]])

    def balance_transactions(self, *, customer_ref: str, limit: int = 50, charges=None, refunds=None) -> list[dict]:
        charges = self.charges(customer_ref=customer_ref, limit=limit) if charges is None else charges
        refunds = self.refunds(customer_ref=customer_ref, limit=limit) if refunds is None else refunds
        rows = [
            {
                "id": f"txn_{c['id'][3:]}",
                "object": "balance_transaction",
                "amount": c["amount_captured"],
                "currency": c["currency"],
                "type": "charge",
                "source": c["id"],
                "exchange_rate": None,
                "fee": 0,
                "net": c["amount_captured"],
                "created": c["created"],
            }
            for c in charges
            if c["captured"]
        ] + [
            {
                "id": f"txn_{r['id'][3:]}",
                "object": "balance_transaction",
                "amount": -r["amount"],
                "currency": r["currency"],
                "type": "refund",
                "source": r["id"],
                "exchange_rate": None,
                "fee": 0,
                "net": -r["amount"],
                "created": r["created"],
            }
            for r in refunds
            if r["status"] == "succeeded"
        ]
        return sorted(rows, key=lambda t: t["created"] or 0, reverse=True)[:limit]

    def snapshot(self, *, customer_ref: str) -> dict:
        customer = self.customer(customer_ref=customer_ref) or {"id": customer_ref}
        data = {
            "customer": customer,
            "charges": self.charges(customer_ref=customer_ref),
            "payment_intents": self.payment_intents(customer_ref=customer_ref),
            "refunds": self.refunds(customer_ref=customer_ref),
            "disputes": self.disputes(customer_ref=customer_ref),
            "invoices": self.invoices(customer_ref=customer_ref),
        }
        data["balance_transactions"] = self.balance_transactions(
            customer_ref=customer_ref, charges=data["charges"], refunds=data["refunds"]
        )
        assert set(SNAPSHOT_KEYS) <= set(data)
        return data
