"""Plain data the demo generator produces and the seeder writes: no database access, so it can be compared."""

from dataclasses import dataclass, field
from datetime import datetime

from .company import Plan


@dataclass
class ContactSpec:
    key: str
    org_key: str
    name: str
    first: str
    email: str
    language: str
    phone: str


@dataclass
class OrgSpec:
    key: str
    number: int
    name: str
    domain: str
    tier: str
    plan: Plan
    seats: int
    segment: str
    region: str
    locale: str
    currency: str
    account_manager: str | None
    created: datetime
    vat_id: str
    contacts: list[ContactSpec] = field(default_factory=list)


@dataclass
class MessageSpec:
    author_kind: str
    author: str | None  # username of the agent, None for customers
    body: str
    created_at: datetime
    is_internal: bool = False
    email_message_id: str = ""
    email_in_reply_to: str = ""
    email_headers: dict = field(default_factory=dict)


@dataclass
class TicketSpec:
    external_id: str
    org_key: str
    contact_key: str
    channel: str
    status: str
    priority: str
    subject: str
    language: str
    category: str | None
    queue: str | None
    assignee: str | None
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    csat: int | None = None
    page_url: str = ""
    page_title: str = ""
    page_context: dict = field(default_factory=dict)
    tags: list = field(default_factory=list)
    metadata: dict = field(default_factory=dict)
    messages: list[MessageSpec] = field(default_factory=list)


@dataclass
class BillingSpec:
    """Rows for the demo billing tables as field dicts; customers carry ``org_key`` instead of an Organization."""

    customers: list[dict] = field(default_factory=list)
    invoices: list[dict] = field(default_factory=list)
    payment_intents: list[dict] = field(default_factory=list)
    charges: list[dict] = field(default_factory=list)
    refunds: list[dict] = field(default_factory=list)
    # scenario name -> {"org_key", "customer", ...facts the matching open ticket quotes}
    scenarios: dict[str, dict] = field(default_factory=dict)


@dataclass
class WorkspaceSpec:
    orgs: list[OrgSpec]
    tickets: list[TicketSpec]
    open_tickets: list[TicketSpec]
    billing: BillingSpec
