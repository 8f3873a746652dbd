"""StripeBilling: the billing interface on Stripe's own SDK (``stripe``), read-only.

Connection settings: credential ``api_key`` (encrypted or from ``credentials_env``), ``base_url`` (a stand-in or
proxy; empty for api.stripe.com), options ``timeout`` (seconds, default 10), ``retries`` (default 2) and ``backoff``
(seconds, default 0.5). The SDK's own retries are off; ``vendor_call`` retries timeouts, connection errors, 429 and
5xx with tenacity and records every call in the CallLog. Objects come back as plain dicts (``to_dict``).
"""

from __future__ import annotations

import requests
import stripe

from apps.core.errors import ValidationError
from apps.integrations.connections import connection_credentials, connection_option, vendor_call

from .base import SNAPSHOT_KEYS

TRANSIENT = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
DETAIL_LIMIT = 10  # refunded / disputed / recent charges whose refunds, disputes, balance transactions are fetched


def _plain(obj) -> dict:
    return obj.to_dict(for_json=True) if hasattr(obj, "to_dict") else dict(obj)


class StripeBilling:
    """Billing client for one Stripe connection (Stripe's REST API through ``stripe.StripeClient``)."""

    source = "stripe"

    def __init__(self, connection):
        self.connection = connection
        api_key = connection_credentials(connection).get("api_key", "")
        if not api_key:
            raise ValidationError(f"Connection {connection.name!r} has no Stripe api_key credential.")
        session = requests.Session()
        if connection.base_url:
            session.trust_env = False  # stand-ins and self-hosted proxies: no environment proxies or CA overrides
        http_client = stripe.RequestsClient(timeout=connection_option(connection, "timeout", 10.0), session=session)
        base = {"api": connection.base_url.rstrip("/")} if connection.base_url else None
        self.client = stripe.StripeClient(api_key, base_addresses=base, max_network_retries=0, http_client=http_client)

    def _call(self, operation: str, fn):
        return vendor_call(self.connection, operation, fn, transient=TRANSIENT)

    def _list(self, operation: str, service, params: dict) -> list[dict]:
        result = self._call(operation, lambda: service.list(params=params))
        return [_plain(item) for item in result.data]

    # -- interface -----------------------------------------------------------------------------------------------
    def ping(self) -> dict:
        found = self._list("customers.list", self.client.v1.customers, {"limit": 1})
        return {"customers_visible": len(found)}

    def customer(self, *, customer_ref: str) -> dict | None:
        try:
            return _plain(self._call("customers.retrieve", lambda: self.client.v1.customers.retrieve(customer_ref)))
        except Exception as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError):  # 404: no such customer
                return None
            raise

    def customer_find(self, *, email: str = "", organization_id: int | None = None, hint: str = "") -> dict | None:
        if hint:
            found = self.customer(customer_ref=hint)
            if found:
                return found
        if email:
            rows = self._list("customers.list", self.client.v1.customers, {"email": email, "limit": 1})
            return rows[0] if rows else None
        return None

    def charges(self, *, customer_ref: str, limit: int = 50) -> list[dict]:
        rows = self._list("charges.list", self.client.v1.charges, {"customer": customer_ref, "limit": limit})
        return sorted(rows, key=lambda c: c.get("created") or 0, reverse=True)

    def payment_intents(self, *, customer_ref: str, limit: int = 50) -> list[dict]:
        params = {"customer": customer_ref, "limit": limit}
        rows = self._list("payment_intents.list", self.client.v1.payment_intents, params)
        return sorted(rows, key=lambda c: c.get("created") or 0, reverse=True)

    def refunds(self, *, customer_ref: str, limit: int = 50, charges: list[dict] | None = None) -> list[dict]:
        """Refunds of the customer's refunded charges (Stripe lists refunds per charge, not per customer)."""
        charges = self.charges(customer_ref=customer_ref) if charges is None else charges
        rows: list[dict] = []
        for charge in [c for c in charges if c.get("amount_refunded")][:DETAIL_LIMIT]:
            embedded = (charge.get("refunds") or {}).get("data") if isinstance(charge.get("refunds"), dict) else None
            if embedded:
                rows.extend(embedded)
            else:
                rows.extend(self._list("refunds.list", self.client.v1.refunds, {"charge": charge["id"], "limit": 20}))
        return sorted(rows, key=lambda r: r.get("created") or 0, reverse=True)[:limit]

    def disputes(self, *, customer_ref: str, limit: int = 50, charges: list[dict] | None = None) -> list[dict]:
        charges = self.charges(customer_ref=customer_ref) if charges is None else charges
        rows: list[dict] = []
        for charge in [c for c in charges if c.get("disputed")][:DETAIL_LIMIT]:
            rows.extend(self._list("disputes.list", self.client.v1.disputes, {"charge": charge["id"], "limit": 10}))
        return rows[:limit]

    def invoices(self, *, customer_ref: str, limit: int = 24) -> list[dict]:
        return self._list("invoices.list", self.client.v1.invoices, {"customer": customer_ref, "limit": limit})

    def balance_transactions(
        self, *, customer_ref: str, limit: int = 50, charges: list[dict] | None = None, refunds=None
    ) -> list[dict]:
        """Balance transactions of the customer's latest captured charges and their refunds (by id)."""
        charges = self.charges(customer_ref=customer_ref) if charges is None else charges
        refunds = self.refunds(customer_ref=customer_ref, charges=charges) if refunds is None else refunds
        ids = [c.get("balance_transaction") for c in charges if c.get("captured")][:DETAIL_LIMIT]
        ids += [r.get("balance_transaction") for r in refunds][:DETAIL_LIMIT]
        rows = []
        service = self.client.v1.balance_transactions
        for txn in [t for t in ids if isinstance(t, str) and t]:
            rows.append(_plain(self._call("balance_transactions.retrieve", lambda t=txn: service.retrieve(t))))
        return rows[:limit]

    def snapshot(self, *, customer_ref: str) -> dict:
        charges = self.charges(customer_ref=customer_ref)
        refunds = self.refunds(customer_ref=customer_ref, charges=charges)
        data = {
            "customer": self.customer(customer_ref=customer_ref) or {"id": customer_ref},
            "charges": [{k: v for k, v in c.items() if k != "refunds"} for c in charges],
            "payment_intents": self.payment_intents(customer_ref=customer_ref),
            "refunds": refunds,
            "disputes": self.disputes(customer_ref=customer_ref, charges=charges),
            "invoices": self.invoices(customer_ref=customer_ref),
            "balance_transactions": self.balance_transactions(
                customer_ref=customer_ref, charges=charges, refunds=refunds
            ),
        }
        assert set(SNAPSHOT_KEYS) <= set(data)
        return data
