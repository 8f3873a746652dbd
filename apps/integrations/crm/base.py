"""The CRM client interface and the account fields it can return (HubSpot, Salesforce and the local backend).

An account is a dict: ``id``, ``name``, ``domain``, ``status`` (active, trial, churned …), ``tier``, ``plan``,
``contract_start`` / ``contract_end`` (ISO dates or None), ``owner`` ({``name``, ``email``}: the account manager),
``activity`` (newest first, up to 5 of {``type``, ``subject``, ``status``, ``date``}), ``industry``, ``phone``,
``billing_address``, ``source``. Clients raise ``ProviderError`` when the vendor fails.
"""

from __future__ import annotations

from typing import Protocol

CRM_FIELDS: list[tuple[str, str, bool]] = [
    ("account.id", "CRM account id", True),
    ("account.name", "Account name", True),
    ("account.domain", "Domain", True),
    ("account.status", "Account status", True),
    ("account.tier", "Tier", True),
    ("account.plan", "Plan", True),
    ("account.contract_start", "Contract start", True),
    ("account.contract_end", "Contract end", True),
    ("account.owner.name", "Account manager", True),
    ("account.owner.email", "Account manager e-mail", False),
    ("account.activity.type", "Recent activity: kind", True),
    ("account.activity.subject", "Recent activity: subject", True),
    ("account.activity.status", "Recent activity: status", True),
    ("account.activity.date", "Recent activity: date", True),
    ("account.industry", "Industry", True),
    ("account.phone", "Company phone", False),
    ("account.billing_address", "Billing address", False),
]
DEFAULT_CRM_FIELDS = [path for path, _, on in CRM_FIELDS if on]
ACTIVITY_LIMIT = 5


def account_blank(**values) -> dict:
    """An account dict with every key present (None / [] when the CRM has no value)."""
    account = {
        "id": None,
        "name": None,
        "domain": None,
        "status": None,
        "tier": None,
        "plan": None,
        "contract_start": None,
        "contract_end": None,
        "owner": {"name": None, "email": None},
        "activity": [],
        "industry": None,
        "phone": None,
        "billing_address": None,
        "source": None,
    }
    account.update(values)
    return account


class CRMClient(Protocol):
    connection: object | None
    source: str

    def ping(self) -> dict:
        """A cheap authenticated call for the "test connection" button."""

    def account_find(self, *, domain: str = "", name: str = "", external_id: str = "") -> dict | None:
        """The account by CRM id (``external_id``), else web domain, else exact name; None when not found."""

    def accounts(self, *, limit: int = 200) -> list[dict]:
        """Accounts for the sync (without activity), up to ``limit``."""
