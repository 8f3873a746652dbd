"""HubSpotCRM: accounts from HubSpot companies through the vendor's SDK (``hubspot-api-client``), read-only.

Connection settings: credential ``access_token`` (a private-app token), ``base_url`` (stand-in; empty for
api.hubapi.com), options ``timeout`` / ``retries`` / ``backoff`` and ``properties`` (our field → HubSpot company
property for ``status``, ``tier``, ``plan``, ``contract_start``, ``contract_end``; defaults below). The owner comes
from the Owners API, recent activity from notes associated with the company (CRM search on
``associations.company``).
"""

from __future__ import annotations

import html
import re

import urllib3
from hubspot import HubSpot
from hubspot.crm.companies import PublicObjectSearchRequest
from hubspot.crm.objects.notes import PublicObjectSearchRequest as NoteSearchRequest

from apps.core.errors import ValidationError
from apps.integrations.connections import connection_credentials, connection_option, vendor_call

from .base import ACTIVITY_LIMIT, account_blank

DEFAULT_PROPERTIES = {
    "status": "account_status",
    "tier": "tier",
    "plan": "plan",
    "contract_start": "contract_start_date",
    "contract_end": "contract_end_date",
}
STANDARD = ["name", "domain", "industry", "phone", "address", "city", "country", "hubspot_owner_id", "lifecyclestage"]
_TAG = re.compile(r"<[^>]+>")


def transient(exc: BaseException) -> bool:
    """Timeouts, connection errors, 429 and 5xx are worth another try."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status == 429 or status >= 500
    return isinstance(exc, urllib3.exceptions.HTTPError | OSError)


def _date(value) -> str | None:
    return str(value)[:10] if value else None


class HubSpotCRM:
    """CRM client for one HubSpot connection."""

    source = "hubspot"

    def __init__(self, connection):
        self.connection = connection
        token = connection_credentials(connection).get("access_token", "")
        if not token:
            raise ValidationError(f"Connection {connection.name!r} has no HubSpot access_token credential.")
        kwargs = {"host": connection.base_url.rstrip("/")} if connection.base_url else {}
        # urllib3 would retry timeouts 3 times on its own: off, so vendor_call's bounded retries are the only ones
        self.client = HubSpot(access_token=token, retry=urllib3.util.Retry(total=0), **kwargs)
        timeout = connection_option(connection, "timeout", 10.0)
        self.timeout = (timeout, timeout)
        self.props = {**DEFAULT_PROPERTIES, **((connection.options or {}).get("properties") or {})}

    def _call(self, operation: str, fn):
        return vendor_call(self.connection, operation, fn, transient=transient)

    @property
    def _properties(self) -> list[str]:
        return STANDARD + [p for p in self.props.values() if p]

    def _account(self, company, *, with_details: bool) -> dict:
        props = company.properties or {}
        address = ", ".join(p for p in (props.get("address"), props.get("city"), props.get("country")) if p) or None
        account = account_blank(
            id=str(company.id),
            name=props.get("name"),
            domain=props.get("domain"),
            status=props.get(self.props["status"]) or props.get("lifecyclestage"),
            tier=props.get(self.props["tier"]),
            plan=props.get(self.props["plan"]),
            contract_start=_date(props.get(self.props["contract_start"])),
            contract_end=_date(props.get(self.props["contract_end"])),
            industry=props.get("industry"),
            phone=props.get("phone"),
            billing_address=address,
            source="hubspot",
        )
        owner_id = props.get("hubspot_owner_id")
        if with_details and owner_id:
            owner = self._call(
                "owners.get",
                lambda: self.client.crm.owners.owners_api.get_by_id(owner_id, _request_timeout=self.timeout),
            )
            name = " ".join(p for p in (owner.first_name, owner.last_name) if p) or None
            account["owner"] = {"name": name, "email": owner.email}
        if with_details:
            account["activity"] = self._activity(str(company.id))
        return account

    def _activity(self, company_id: str) -> list[dict]:
        request = NoteSearchRequest(
            filter_groups=[
                {"filters": [{"propertyName": "associations.company", "operator": "EQ", "value": company_id}]}
            ],
            sorts=[{"propertyName": "hs_timestamp", "direction": "DESCENDING"}],
            properties=["hs_timestamp", "hs_note_body"],
            limit=ACTIVITY_LIMIT,
        )
        page = self._call(
            "notes.search",
            lambda: self.client.crm.objects.notes.search_api.do_search(
                public_object_search_request=request, _request_timeout=self.timeout
            ),
        )
        items = []
        for note in page.results or []:
            props = note.properties or {}
            body = " ".join(html.unescape(_TAG.sub(" ", props.get("hs_note_body") or "")).split())
            items.append(
                {"type": "note", "subject": body[:140], "status": None, "date": _date(props.get("hs_timestamp"))}
            )
        return items

    def _search(self, prop: str, value: str):
        request = PublicObjectSearchRequest(
            filter_groups=[{"filters": [{"propertyName": prop, "operator": "EQ", "value": value}]}],
            properties=self._properties,
            limit=1,
        )
        page = self._call(
            "companies.search",
            lambda: self.client.crm.companies.search_api.do_search(
                public_object_search_request=request, _request_timeout=self.timeout
            ),
        )
        return (page.results or [None])[0]

    # -- interface -----------------------------------------------------------------------------------------------
    def ping(self) -> dict:
        page = self._call(
            "companies.list",
            lambda: self.client.crm.companies.basic_api.get_page(limit=1, _request_timeout=self.timeout),
        )
        return {"companies_visible": len(page.results or [])}

    def account_find(self, *, domain: str = "", name: str = "", external_id: str = "") -> dict | None:
        company = None
        if external_id and external_id.isdigit():
            company = self._call(
                "companies.get",
                lambda: self.client.crm.companies.basic_api.get_by_id(
                    external_id, properties=self._properties, _request_timeout=self.timeout
                ),
            )
        if company is None and domain:
            company = self._search("domain", domain)
        if company is None and name:
            company = self._search("name", name)
        return self._account(company, with_details=True) if company is not None else None

    def accounts(self, *, limit: int = 200) -> list[dict]:
        found, after = [], None
        while len(found) < limit:
            size = min(100, limit - len(found))
            page = self._call(
                "companies.list",
                lambda after=after, size=size: self.client.crm.companies.basic_api.get_page(
                    limit=size,
                    after=after,
                    properties=self._properties,
                    _request_timeout=self.timeout,
                ),
            )
            found += [self._account(c, with_details=False) for c in page.results or []]
            after = page.paging.next.after if page.paging and page.paging.next else None
            if not after:
                break
        return found[:limit]
