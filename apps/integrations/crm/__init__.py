"""CRM: account status, tier, plan, contract dates, owner and recent activity from HubSpot, Salesforce or the local
Organizations; ``crm_client`` picks the backend from the Connection configuration, ``sync.crm_sync`` updates
Organizations from the vendor."""

from __future__ import annotations

from .base import CRM_FIELDS, DEFAULT_CRM_FIELDS, CRMClient


def crm_client(*, connection=None, category_slug: str = "") -> CRMClient:
    """The CRM client for ``connection`` (or the enabled CRM connection for ``category_slug``); ``LocalCRM``
    without one. Raises ``ValidationError`` when a vendor connection lacks credentials."""
    from apps.integrations.connections import connection_for

    from .hubspot_client import HubSpotCRM
    from .local import LocalCRM
    from .salesforce_client import SalesforceCRM

    if connection is None:
        connection = connection_for(service="crm", category_slug=category_slug)
    kind = getattr(connection, "kind", "")
    if kind == "hubspot":
        return HubSpotCRM(connection)
    if kind == "salesforce":
        return SalesforceCRM(connection)
    return LocalCRM(connection)


__all__ = ["CRM_FIELDS", "DEFAULT_CRM_FIELDS", "CRMClient", "crm_client"]
