"""LocalCRM: the CRM interface over Organizations (the demo workspace's accounts), so lookups work offline.

Status, tier, plan and contract dates are the Organization's own fields; the owner is its account manager; recent
activity is its latest support tickets.
"""

from __future__ import annotations

from django.db.models import Q

from apps.integrations.connections import vendor_call
from apps.tickets.models import Organization, Ticket

from .base import ACTIVITY_LIMIT, account_blank


def organization_account(org: Organization, *, with_details: bool = True) -> dict:
    """The account dict (``crm.base``) of an Organization."""
    manager = org.account_manager
    account = account_blank(
        id=f"org_{org.pk}",
        name=org.name,
        domain=org.domain or None,
        status=org.account_status or "active",
        tier=org.tier,
        plan=org.plan or None,
        contract_start=org.contract_start.isoformat() if org.contract_start else None,
        contract_end=org.contract_end.isoformat() if org.contract_end else None,
        owner={"name": manager.get_full_name() or manager.username, "email": manager.email}
        if manager
        else {"name": None, "email": None},
        industry=(org.crm_data or {}).get("industry"),
        source="local",
    )
    if with_details:
        tickets = Ticket.objects.filter(organization=org).order_by("-created_at")[:ACTIVITY_LIMIT]
        account["activity"] = [
            {"type": "ticket", "subject": t.subject[:140], "status": t.status, "date": t.created_at.date().isoformat()}
            for t in tickets
        ]
    return account


class LocalCRM:
    source = "local"

    def __init__(self, connection=None):
        self.connection = connection

    def ping(self) -> dict:
        return vendor_call(self.connection, "ping", lambda: {"organizations": Organization.objects.count()})

    def account_find(self, *, domain: str = "", name: str = "", external_id: str = "") -> dict | None:
        def find():
            rows = Organization.objects.select_related("account_manager")
            org = None
            if external_id.startswith("org_") and external_id[4:].isdigit():
                org = rows.filter(pk=int(external_id[4:])).first()
            if org is None and (domain or name):
                query = Q(domain__iexact=domain) if domain else Q(pk__in=[])
                if name:
                    query |= Q(name__iexact=name)
                org = rows.filter(query).order_by("pk").first()
            return organization_account(org) if org else None

        return vendor_call(self.connection, "accounts.find", find)

    def accounts(self, *, limit: int = 200) -> list[dict]:
        rows = Organization.objects.select_related("account_manager").order_by("name")[:limit]
        return vendor_call(
            self.connection, "accounts.list", lambda: [organization_account(o, with_details=False) for o in rows]
        )
