"""crm_sync: update Organizations from the CRM (status, tier, plan, contract dates, account manager, activity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import ValidationError
from apps.tickets.choices import Tier
from apps.tickets.models import Organization

from . import crm_client


@dataclass
class SyncReport:
    """What a sync did: CRM accounts read, Organizations updated, accounts matching no Organization (names)."""

    accounts: int = 0
    updated: int = 0
    unmatched: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accounts": self.accounts, "updated": self.updated, "unmatched": self.unmatched}


def _match(account: dict) -> Organization | None:
    query = Q(external_id=account["id"]) if account.get("id") else Q(pk__in=[])
    if account.get("domain"):
        query |= Q(domain__iexact=account["domain"])
    if account.get("name"):
        query |= Q(name__iexact=account["name"])
    candidates = list(Organization.objects.filter(query)[:5])
    for rule in (
        lambda o: o.external_id == account.get("id"),
        lambda o: account.get("domain") and o.domain.lower() == account["domain"].lower(),
        lambda o: True,
    ):
        found = next((o for o in candidates if rule(o)), None)
        if found:
            return found
    return None


def _day(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def crm_sync(*, connection=None, limit: int = 200) -> SyncReport:
    """Read up to ``limit`` CRM accounts and update the matching Organizations (by CRM id kept in
    ``external_id``, else web domain, else name; case-insensitive). Additive: fields the CRM leaves empty keep
    their value; the tier changes only to a known tier (free, pro, business, enterprise); the account manager is
    the Switchboard user with the owner's e-mail, if any. Vendor failures raise ``ProviderError`` (recorded on
    the connection); a local connection raises ``ValidationError`` (nothing to sync from).
    """
    client = crm_client(connection=connection)
    if client.source == "local":
        raise ValidationError("The local CRM reads Organizations directly; there is nothing to sync.")
    report = SyncReport()
    users = {u.email.lower(): u for u in get_user_model().objects.exclude(email="")}
    for summary in client.accounts(limit=limit):
        report.accounts += 1
        org = _match(summary)
        if org is None:
            report.unmatched.append(summary.get("name") or summary.get("id") or "?")
            continue
        account = client.account_find(external_id=summary["id"] or "", domain=summary.get("domain") or "") or summary
        with transaction.atomic():
            org = Organization.objects.select_for_update().get(pk=org.pk)
            if not org.external_id and account.get("id"):
                org.external_id = account["id"]
            if (account.get("tier") or "").lower() in Tier.values:
                org.tier = account["tier"].lower()
            org.plan = account.get("plan") or org.plan
            org.account_status = (account.get("status") or org.account_status)[:32]
            org.contract_start = _day(account.get("contract_start")) or org.contract_start
            org.contract_end = _day(account.get("contract_end")) or org.contract_end
            owner_email = ((account.get("owner") or {}).get("email") or "").lower()
            if owner_email in users:
                org.account_manager = users[owner_email]
            org.crm_data = {
                **(org.crm_data or {}),
                "source": client.source,
                "id": account.get("id"),
                "owner": account.get("owner"),
                "activity": account.get("activity") or [],
                "industry": account.get("industry"),
            }
            org.crm_synced_at = timezone.now()
            org.save()
        report.updated += 1
    return report
