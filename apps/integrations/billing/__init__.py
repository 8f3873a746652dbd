"""Billing: a small client interface (``base.BillingClient``) with a Stripe backend and a local demo backend.

``billing_client(connection=..., category_slug=...)`` picks the backend from the Connection configuration: an
enabled ``stripe`` connection for the billing service uses Stripe, a ``local`` one (or none at all) the demo tables.
"""

from __future__ import annotations

from .base import BILLING_FIELDS, DEFAULT_BILLING_FIELDS, BillingClient


def billing_client(*, connection=None, category_slug: str = "") -> BillingClient:
    """The billing client for ``connection`` (or the enabled billing connection for ``category_slug``).

    Falls back to ``LocalBilling`` without a connection (offline demo). Raises ``ValidationError`` when a Stripe
    connection lacks its api_key.
    """
    from apps.integrations.connections import connection_for

    from .local import LocalBilling
    from .stripe_client import StripeBilling

    if connection is None:
        connection = connection_for(service="billing", category_slug=category_slug)
    if connection is not None and connection.kind == "stripe":
        return StripeBilling(connection)
    return LocalBilling(connection)


__all__ = ["BILLING_FIELDS", "DEFAULT_BILLING_FIELDS", "BillingClient", "billing_client"]
