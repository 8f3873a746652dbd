"""Open tickets from the last hours with no reply yet, so triage, the review queue and the handoff list have work.

The billing ones are written by the scenario customers (see ``billing.py``) and quote their real amounts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .company import APP_URL, APP_VERSION
from .history import HistoryGenerator
from .specs import BillingSpec, OrgSpec, TicketSpec
from .text import Slots, humanize, money, render


@dataclass(frozen=True)
class OpenTicket:
    """One scripted arrival: who writes (a billing scenario, or a tier and optionally a region), how, and what."""

    channel: str
    subject: str
    body: str
    minutes_ago: int
    scenario: str = ""
    tier: str = ""
    region: str = ""
    area: str = ""
    language: str = "en"


OPEN_TICKETS: list[OpenTicket] = [
    OpenTicket(
        "chat",
        "",
        "Why was I charged twice? My bank shows two {amount} payments to you on {date}.",
        25,
        scenario="released_hold",
        area="billing",
    ),
    OpenTicket(
        "chat",
        "",
        "Why was I charged twice this month? My bank froze my card because of two identical {amount} payments.",
        12,
        scenario="duplicate_capture",
        area="billing",
    ),
    OpenTicket(
        "email",
        "Refund not received",
        "Hi,\n\nyour email says my {amount} payment was refunded on {date}, but "
        "my card shows no refund - only the original {amount}, still pending. Where is my money?\n\n{first}",
        95,
        scenario="refund_reversal",
    ),
    OpenTicket(
        "email",
        "Refund is less than what I paid",
        "Hello,\n\nyou refunded invoice {invoice_no} ({amount}) but "
        "my card was charged {card_charged} and I only got {card_refunded} back. Where is the rest?\n\nThanks,\n"
        "{name}",
        140,
        scenario="foreign_currency_refund",
    ),
    OpenTicket(
        "chat",
        "",
        "there's a pending charge of {held} on my card from you, we only added a few seats. is that a second charge?",
        48,
        scenario="pending_hold",
        area="billing",
    ),
    OpenTicket(
        "chat",
        "",
        "I forgot my password and the reset email never arrives. checked spam already",
        8,
        tier="free",
        area="login",
    ),
    OpenTicket(
        "chat", "", "How do I set up recurring invoices for a retainer client?", 33, tier="pro", area="projects"
    ),
    OpenTicket(
        "email",
        "Logo auf Rechnungen",
        "Hallo,\n\nwie kann ich unser Logo auf die Rechnungen bekommen? Ich "
        "finde das nicht in den Einstellungen.\n\nViele Grüße\n{first}",
        70,
        tier="pro",
        region="dach",
        language="de",
    ),
    OpenTicket(
        "email",
        "Upgrade to Business",
        "Hi team,\n\nwe'd like to move from {plan} to Business next month with "
        "12 seats. Is the upgrade prorated, and do we keep our retainers?\n\nBest regards,\n{name}",
        180,
        tier="pro",
    ),
    OpenTicket(
        "chat",
        "",
        "Nobody on our team can log in, the login page keeps spinning for 20 minutes now. We have "
        "a client presentation at 3pm!!",
        5,
        tier="enterprise",
        area="login",
    ),
    OpenTicket(
        "email",
        "Right of access request",
        "Dear Sir or Madam,\n\nunder Art. 15 GDPR I request a copy of all "
        "personal data you hold about me.\n\nKind regards\n{name}",
        220,
        tier="business",
    ),
    OpenTicket(
        "email",
        "Renewal",
        "Hello,\n\nif the QuickBooks sync isn't fixed by Friday we will not renew our "
        "contract. This has been going on for three weeks.\n\n{name}\n{company}",
        160,
        tier="enterprise",
    ),
    OpenTicket(
        "email",
        "Wrong VAT on invoice PDFs",
        "Hi,\n\nsince yesterday's update the invoice PDFs show 19% VAT "
        "instead of 7% for our reduced-rate clients. The numbers in the app are right, only the PDF is wrong. "
        "We use Chrome.\n\nThanks,\n{first}",
        110,
        tier="business",
    ),
    OpenTicket(
        "chat",
        "",
        "Xero integration shows 'token expired' although I reconnected twice today",
        41,
        tier="pro",
        area="integrations",
    ),
    OpenTicket("chat", "", "any plans for a dark mode? my eyes would thank you", 64, tier="free", area="projects"),
    OpenTicket(
        "email",
        "Bank details changed on our invoices!",
        "Hi,\n\nsomeone changed the bank details on our "
        "outgoing invoices yesterday. We didn't do that! Please help urgently.\n\n{name}",
        15,
        tier="business",
    ),
    OpenTicket(
        "chat",
        "",
        "how do i make my colleague an admin? she needs to see the invoices",
        27,
        tier="pro",
        area="settings",
    ),
    OpenTicket(
        "email",
        "VAT number on invoices",
        "Hello,\n\ncould you add our VAT ID {vat_id} to our invoices? It's "
        "missing on {invoice_no}.\n\nThank you,\n{name}",
        300,
        tier="business",
        region="uk-ireland",
    ),
]


def open_tickets_generate(
    *, orgs: list[OrgSpec], now: datetime, billing: BillingSpec, history: HistoryGenerator
) -> list[TicketSpec]:
    """The scripted ``OPEN_TICKETS`` as new, unclassified tickets created minutes to hours before ``now``.

    Scenario tickets come from the scenario's customer; the others from a random account of the given tier (and
    region), falling back to any account when the workspace is too small to have one.
    """
    by_key = {o.key: o for o in orgs}
    scenario_orgs = {facts["org_key"] for facts in billing.scenarios.values()}
    tickets: list[TicketSpec] = []
    for n, spec in enumerate(OPEN_TICKETS, start=1):
        rng = history.reseed(f"open:{n}")
        facts = billing.scenarios.get(spec.scenario, {})
        if spec.scenario and not facts:
            continue
        if facts:
            org = by_key[facts["org_key"]]
        else:
            others = [o for o in orgs if o.key not in scenario_orgs] or orgs
            pool = [o for o in others if o.tier == spec.tier and (not spec.region or o.region == spec.region)]
            pool = pool or [o for o in others if o.tier == spec.tier] or others
            org = rng.choice(pool)
        contact = org.contacts[0] if facts else rng.choice(org.contacts)
        created = now - timedelta(minutes=spec.minutes_ago, seconds=rng.randint(0, 59))
        slots = history.context(org, contact, "", 0, created)
        if facts:
            currency = facts["currency"]
            slots.update(
                amount=money(facts["amount"], currency),
                invoice_no=facts["invoice"],
                date=f"{facts['date']:%b} {facts['date'].day}",
            )
            if "card_charged" in facts:
                slots.update(
                    card_charged=money(facts["card_charged"], facts["card_currency"]),
                    card_refunded=money(facts["card_refunded"], facts["card_currency"]),
                )
            if "held_amount" in facts:
                slots.update(held=money(facts["held_amount"], currency))
        body = render(spec.body, Slots(dict(slots), rng))
        if spec.channel == "chat":
            body = humanize(body, rng, channel="chat", language=spec.language)
        ticket = TicketSpec(
            external_id=f"demo-open-{n:03d}",
            org_key=org.key,
            contact_key=contact.key,
            channel=spec.channel,
            status="new",
            priority="high" if org.tier == "enterprise" else "normal",
            subject=spec.subject or (body if len(body) <= 80 else body[:77].rsplit(" ", 1)[0] + "…"),
            language=spec.language,
            category=None,
            queue=None,
            assignee=None,
            created_at=created,
            tags=["vip"] if org.tier == "enterprise" else [],
            metadata={"generator": "seed_demo", "tier": org.tier, **({"scenario": spec.scenario} if facts else {})},
        )
        if spec.channel == "chat":
            area = spec.area or "projects"
            path = {
                "billing": "/settings/billing",
                "login": "/login",
                "settings": "/settings/members",
                "integrations": "/settings/integrations",
            }.get(area, "/projects")
            ticket.page_url = APP_URL + path
            ticket.page_title = f"{area.title()} · Tallyflow"
            ticket.page_context = {
                "area": area,
                "app_version": APP_VERSION,
                "plan": org.plan.name,
                "workspace": org.domain.split(".")[0],
            }
        ticket.messages = [history.message(ticket, "customer", None, body, created, contact, org)]
        tickets.append(ticket)
    return tickets
