"""SalesforceCRM: accounts from Salesforce through the vendor's SDK (``simple-salesforce``), read-only (SOQL).

Connection settings: ``base_url`` = the org's instance URL (``https://…my.salesforce.com``); credentials either
``session_id`` (an OAuth access token) or ``username`` + ``password`` + ``security_token``; options ``timeout`` /
``retries`` / ``backoff``, ``ca_bundle`` (a CA file for a self-hosted proxy or stand-in), ``api_version``
(default 59.0) and ``fields`` (our field → Account field: ``status`` default ``Type``, ``tier`` / ``plan`` custom
fields such as ``Tier__c``, empty by default). Contract dates come from the account's latest Contract, the owner
from ``Owner.Name`` / ``Owner.Email``, recent activity from its latest Tasks and Cases. Values in SOQL are escaped
with ``format_soql``.
"""

from __future__ import annotations

import requests
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceError

from apps.core.errors import ValidationError
from apps.integrations.connections import connection_credentials, connection_option, vendor_call

from .base import ACTIVITY_LIMIT, account_blank

DEFAULT_FIELDS = {"status": "Type", "tier": "", "plan": ""}
ACCOUNT_FIELDS = [
    "Id",
    "Name",
    "Website",
    "Industry",
    "Phone",
    "BillingStreet",
    "BillingCity",
    "BillingPostalCode",
    "BillingCountry",
    "Owner.Name",
    "Owner.Email",
]


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout (simple-salesforce takes no timeout argument)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)


def transient(exc: BaseException) -> bool:
    """Timeouts, connection errors, 429 and 5xx are worth another try."""
    if isinstance(exc, SalesforceError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, requests.Timeout | requests.ConnectionError)


def _domain(website: str | None) -> str | None:
    if not website:
        return None
    host = website.split("//", 1)[-1].split("/", 1)[0].lower()
    return host.removeprefix("www.") or None


class SalesforceCRM:
    """CRM client for one Salesforce connection."""

    source = "salesforce"

    def __init__(self, connection):
        self.connection = connection
        creds = connection_credentials(connection)
        session = _TimeoutSession(connection_option(connection, "timeout", 10.0))
        ca_bundle = (connection.options or {}).get("ca_bundle")
        if ca_bundle:
            session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
            session.verify = ca_bundle
        version = str((connection.options or {}).get("api_version") or "59.0")
        self.fields = {**DEFAULT_FIELDS, **((connection.options or {}).get("fields") or {})}
        if creds.get("session_id"):
            if not connection.base_url:
                raise ValidationError(f"Connection {connection.name!r} needs the instance URL as its base URL.")
            self._connect = lambda: Salesforce(
                instance_url=connection.base_url.rstrip("/"),
                session_id=creds["session_id"],
                session=session,
                version=version,
            )
        elif creds.get("username") and creds.get("password"):
            self._connect = lambda: Salesforce(
                username=creds["username"],
                password=creds["password"],
                security_token=creds.get("security_token", ""),
                domain=(connection.options or {}).get("domain") or None,
                session=session,
                version=version,
            )
        else:
            raise ValidationError(
                f"Connection {connection.name!r} needs a session_id, or a username and password, for Salesforce."
            )
        self._sf = None

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            self._sf = self._call("login", self._connect)
        return self._sf

    def _call(self, operation: str, fn):
        return vendor_call(self.connection, operation, fn, transient=transient)

    def _query(self, operation: str, soql: str) -> list[dict]:
        sf = self.sf
        return list(self._call(operation, lambda: sf.query(soql)).get("records") or [])

    def _select(self) -> str:
        extra = [f for key in ("status", "tier", "plan") if (f := self.fields.get(key)) and f not in ACCOUNT_FIELDS]
        return ", ".join(ACCOUNT_FIELDS + extra)

    def _account(self, row: dict, *, with_details: bool) -> dict:
        owner = row.get("Owner") or {}
        address = ", ".join(
            p
            for p in (row.get(k) for k in ("BillingStreet", "BillingCity", "BillingPostalCode", "BillingCountry"))
            if p
        )
        account = account_blank(
            id=row.get("Id"),
            name=row.get("Name"),
            domain=_domain(row.get("Website")),
            status=row.get(self.fields["status"]) if self.fields.get("status") else None,
            tier=row.get(self.fields["tier"]) if self.fields.get("tier") else None,
            plan=row.get(self.fields["plan"]) if self.fields.get("plan") else None,
            owner={"name": owner.get("Name"), "email": owner.get("Email")},
            industry=row.get("Industry"),
            phone=row.get("Phone"),
            billing_address=address or None,
            source="salesforce",
        )
        if with_details and row.get("Id"):
            contracts = self._query(
                "contracts.query",
                format_soql(
                    "SELECT Id, Status, StartDate, EndDate FROM Contract WHERE AccountId = {} "
                    "ORDER BY StartDate DESC LIMIT 1",
                    row["Id"],
                ),
            )
            if contracts:
                account["contract_start"] = contracts[0].get("StartDate")
                account["contract_end"] = contracts[0].get("EndDate")
            account["activity"] = self._activity(row["Id"])
        return account

    def _activity(self, account_id: str) -> list[dict]:
        tasks = self._query(
            "tasks.query",
            format_soql(
                "SELECT Subject, Status, ActivityDate FROM Task WHERE AccountId = {} "
                "ORDER BY ActivityDate DESC NULLS LAST LIMIT {:literal}",
                account_id,
                str(ACTIVITY_LIMIT),
            ),
        )
        cases = self._query(
            "cases.query",
            format_soql(
                "SELECT CaseNumber, Subject, Status, CreatedDate FROM Case WHERE AccountId = {} "
                "ORDER BY CreatedDate DESC LIMIT {:literal}",
                account_id,
                str(ACTIVITY_LIMIT),
            ),
        )
        items = [
            {"type": "task", "subject": t.get("Subject"), "status": t.get("Status"), "date": t.get("ActivityDate")}
            for t in tasks
        ] + [
            {
                "type": "case",
                "subject": f"{c.get('CaseNumber') or ''} {c.get('Subject') or ''}".strip(),
                "status": c.get("Status"),
                "date": (c.get("CreatedDate") or "")[:10] or None,
            }
            for c in cases
        ]
        return sorted(items, key=lambda i: i["date"] or "", reverse=True)[:ACTIVITY_LIMIT]

    # -- interface -----------------------------------------------------------------------------------------------
    def ping(self) -> dict:
        rows = self._query("accounts.query", "SELECT Id FROM Account LIMIT 1")
        return {"accounts_visible": len(rows)}

    def account_find(self, *, domain: str = "", name: str = "", external_id: str = "") -> dict | None:
        select = self._select()
        rows: list[dict] = []
        if external_id and len(external_id) in (15, 18) and external_id.isalnum():
            rows = self._query(
                "accounts.query", format_soql(f"SELECT {select} FROM Account WHERE Id = {{}} LIMIT 1", external_id)
            )
        if not rows and domain:
            rows = self._query(
                "accounts.query",
                format_soql(f"SELECT {select} FROM Account WHERE Website LIKE '%{{:like}}%' LIMIT 5", domain),
            )
            rows = [r for r in rows if _domain(r.get("Website")) == domain.lower()] or rows[:0]
        if not rows and name:
            rows = self._query(
                "accounts.query", format_soql(f"SELECT {select} FROM Account WHERE Name = {{}} LIMIT 1", name)
            )
        return self._account(rows[0], with_details=True) if rows else None

    def accounts(self, *, limit: int = 200) -> list[dict]:
        soql = f"SELECT {self._select()} FROM Account ORDER BY Name LIMIT {int(limit)}"
        return [self._account(r, with_details=False) for r in self._query("accounts.query", soql)]
