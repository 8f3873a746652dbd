"""Demo billing history shaped like Stripe objects: regular charges for paying accounts plus the "charged twice"
scenarios support must tell apart.

Scenarios (each on its own customer, recorded in ``BillingSpec.scenarios`` and in the customer's
``metadata["demo_scenario"]``):

- ``released_hold``: a canceled manual-capture payment intent (an authorization hold released after 4 minutes)
  next to one captured charge of the same amount: the customer sees two lines but paid once.
- ``pending_hold``: an authorization for added seats still waiting for capture (``requires_capture``).
- ``duplicate_capture``: two captured charges of the same amount for the same invoice, 3 minutes apart: a real
  double charge that needs a human refund.
- ``refund_reversal``: a charge refunded 5 hours later; the refund went through as a reversal, so the customer's
  statement never shows a credit line.
- ``foreign_currency_refund``: a UK customer (home currency GBP) charged and refunded in EUR; the card statement
  amounts in GBP (kept in ``metadata``) differ between charge and refund because of the exchange rate.
"""

import random
import string
from datetime import datetime, timedelta

from .specs import BillingSpec, OrgSpec

_ALNUM = string.ascii_letters + string.digits
SCENARIOS = ("released_hold", "pending_hold", "duplicate_capture", "refund_reversal", "foreign_currency_refund")


def stripe_id(rng: random.Random, prefix: str) -> str:
    """An id in Stripe's style: ``ch_3Q`` followed by 22 letters and digits."""
    return f"{prefix}_3Q{''.join(rng.choices(_ALNUM, k=22))}"


def seat_price(org: OrgSpec) -> int:
    """Cents per seat per month in the organization's currency (the list price is the same number in USD, EUR, GBP)."""
    return org.plan.price


def period_amount(org: OrgSpec) -> int:
    """Cents charged per billing period (a month, or a year on annual plans)."""
    return seat_price(org) * org.seats * (12 if org.plan.annual else 1)


def _add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year = moment.year + month // 12
    return moment.replace(year=year, month=month % 12 + 1, day=min(moment.day, 28))


class _Builder:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now, self.spec = rng, now, BillingSpec()

    def customer(self, org: OrgSpec, currency: str, metadata: dict) -> dict:
        row = {
            "id": stripe_id(self.rng, "cus"),
            "org_key": org.key,
            "email": org.contacts[0].email,
            "name": org.name,
            "currency": currency,
            "delinquent": False,
            "metadata": metadata,
            "created": org.created,
        }
        self.spec.customers.append(row)
        return row

    def invoice(
        self,
        org: OrgSpec,
        customer: dict,
        seq: int,
        amount: int,
        start: datetime,
        months: int,
        currency: str,
        description: str,
        paid: bool = True,
    ) -> dict:
        row = {
            "id": stripe_id(self.rng, "in"),
            "customer_id": customer["id"],
            "number": f"TF-{org.number:04d}-{seq:04d}",
            "description": description,
            "currency": currency,
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "status": "paid" if paid else "open",
            "period_start": start,
            "period_end": _add_months(start, months),
            "created": start,
        }
        self.spec.invoices.append(row)
        return row

    def intent(
        self,
        customer: dict,
        invoice: dict | None,
        amount: int,
        currency: str,
        created: datetime,
        *,
        status: str = "succeeded",
        capture_method: str = "automatic",
        description: str = "",
        **extra,
    ) -> dict:
        row = {
            "id": stripe_id(self.rng, "pi"),
            "customer_id": customer["id"],
            "invoice_id": invoice and invoice["id"],
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": amount if status == "succeeded" else 0,
            "currency": currency,
            "capture_method": capture_method,
            "status": status,
            "cancellation_reason": "",
            "canceled_at": None,
            "description": description or (invoice["description"] if invoice else ""),
            "created": created,
        }
        row.update(extra)
        self.spec.payment_intents.append(row)
        return row

    def charge(
        self,
        customer: dict,
        intent: dict | None,
        invoice: dict | None,
        amount: int,
        currency: str,
        created: datetime,
        *,
        failed: bool = False,
        descriptor: str = "TALLYFLOW",
        **extra,
    ) -> dict:
        row = {
            "id": stripe_id(self.rng, "ch"),
            "customer_id": customer["id"],
            "payment_intent_id": intent and intent["id"],
            "invoice_id": invoice and invoice["id"],
            "amount": amount,
            "amount_captured": 0 if failed else amount,
            "amount_refunded": 0,
            "currency": currency,
            "status": "failed" if failed else "succeeded",
            "paid": not failed,
            "captured": not failed,
            "refunded": False,
            "disputed": False,
            "failure_code": "card_declined" if failed else "",
            "description": invoice["description"] if invoice else "",
            "statement_descriptor": descriptor[:22],
            "metadata": {},
            "created": created,
        }
        row.update(extra)
        self.spec.charges.append(row)
        return row

    def refund(self, charge: dict, amount: int, created: datetime, **extra) -> dict:
        row = {
            "id": stripe_id(self.rng, "re"),
            "charge_id": charge["id"],
            "amount": amount,
            "currency": charge["currency"],
            "status": "succeeded",
            "reason": "requested_by_customer",
            "destination_type": "refund",
            "destination_reference": "".join(self.rng.choices(string.digits, k=23)),
            "metadata": {},
            "created": created,
        }
        row.update(extra)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self.spec.refunds.append(row)
        return row


def _period_starts(org: OrgSpec, now: datetime, latest: datetime | None) -> list[datetime]:
    """Start of each billing period in the last ~90 days (one for annual plans), oldest first."""
    if latest is None:
        anchor = org.created.replace(hour=6, minute=0, second=0, microsecond=0)
        step = 12 if org.plan.annual else 1
        latest = anchor
        while _add_months(latest, step) <= now:
            latest = _add_months(latest, step)
    if org.plan.annual:
        return [latest]
    return [_add_months(latest, -k) for k in (2, 1, 0)]


def billing_generate(*, orgs: list[OrgSpec], rng: random.Random, now: datetime) -> BillingSpec:
    """Billing customers, invoices, payment intents, charges and refunds for every paying organization.

    Amounts are cents; the scenario customers are picked among monthly Pro/Business accounts (the foreign-currency
    one among UK accounts) so their latest period started 2–4 days before ``now``.
    """
    build = _Builder(rng, now)
    paying = [o for o in orgs if o.tier != "free"]
    monthly = [o for o in paying if not o.plan.annual and o.tier in ("pro", "business")]
    uk = [o for o in monthly if o.region == "uk-ireland"]
    chosen: dict[str, OrgSpec] = {}
    if uk:
        chosen["foreign_currency_refund"] = rng.choice(uk)
    pool = [o for o in monthly if o not in chosen.values()]
    for name in SCENARIOS:
        if name not in chosen and pool:
            chosen[name] = pool.pop(rng.randrange(len(pool)))
    scenario_of = {org.key: name for name, org in chosen.items()}

    for org in paying:
        scenario = scenario_of.get(org.key)
        enterprise = org.tier == "enterprise"
        metadata = {"plan": org.plan.name, "seats": org.seats}
        if enterprise:
            metadata["collection_method"] = "send_invoice"
        if scenario:
            metadata["demo_scenario"] = scenario
        customer = build.customer(org, org.currency, metadata)
        latest = None
        if scenario:
            days_ago = 4 if scenario in ("refund_reversal", "foreign_currency_refund") else 2
            latest = (now - timedelta(days=days_ago)).replace(hour=6, minute=0, second=0, microsecond=0)
        amount = period_amount(org)
        months = 12 if org.plan.annual else 1
        unpaid_latest = not scenario and not enterprise and rng.random() < 0.04
        starts = _period_starts(org, now, latest)
        for seq, start in enumerate(starts, start=1):
            is_latest = seq == len(starts)
            paid = not (is_latest and unpaid_latest)
            description = f"{org.plan.name} × {org.seats} seats"
            invoice = build.invoice(org, customer, seq, amount, start, months, org.currency, description, paid=paid)
            if enterprise:
                continue  # paid by bank transfer against the invoice
            at = start + timedelta(hours=1, minutes=rng.randint(0, 50), seconds=rng.randint(0, 59))
            descriptor = f"TALLYFLOW* {org.plan.tier.upper()}"
            if not paid:
                intent = build.intent(customer, invoice, amount, org.currency, at, status="requires_payment_method")
                build.charge(customer, intent, invoice, amount, org.currency, at, failed=True, descriptor=descriptor)
                customer["delinquent"] = True
                continue
            intent = build.intent(customer, invoice, amount, org.currency, at)
            if rng.random() < 0.03:  # declined first, paid on the automatic retry a day later
                build.charge(customer, intent, invoice, amount, org.currency, at, failed=True, descriptor=descriptor)
                at += timedelta(days=1)
            charge = build.charge(customer, intent, invoice, amount, org.currency, at, descriptor=descriptor)
            if is_latest and scenario:
                _scenario(build, scenario, org, customer, invoice, intent, charge)
    build.spec.scenarios = {
        name: {**facts, "org_key": chosen[name].key} for name, facts in build.spec.scenarios.items() if name in chosen
    }
    return build.spec


def _scenario(
    build: _Builder, name: str, org: OrgSpec, customer: dict, invoice: dict, intent: dict, charge: dict
) -> None:
    rng, amount, currency = build.rng, charge["amount"], charge["currency"]
    facts = {
        "customer": customer["id"],
        "invoice": invoice["number"],
        "amount": amount,
        "currency": currency,
        "date": charge["created"],
    }
    if name == "released_hold":
        hold_at = charge["created"] - timedelta(minutes=3)
        hold = build.intent(
            customer,
            invoice,
            amount,
            currency,
            hold_at,
            status="canceled",
            capture_method="manual",
            amount_received=0,
            cancellation_reason="abandoned",
            canceled_at=hold_at + timedelta(minutes=4),
            description=f"Card authorization for {invoice['number']} (released)",
        )
        facts.update(hold=hold["id"], charge=charge["id"])
    elif name == "pending_hold":
        extra_seats = rng.randint(2, 6)
        held = extra_seats * seat_price(org)
        hold = build.intent(
            customer,
            None,
            held,
            currency,
            build.now - timedelta(hours=20),
            status="requires_capture",
            capture_method="manual",
            amount_received=0,
            amount_capturable=held,
            description=f"Authorization for {extra_seats} additional seats (prorated)",
        )
        facts.update(hold=hold["id"], held_amount=held, charge=charge["id"])
    elif name == "duplicate_capture":
        again_at = charge["created"] + timedelta(minutes=3, seconds=rng.randint(0, 40))
        second_intent = build.intent(customer, invoice, amount, currency, again_at)
        second = build.charge(
            customer, second_intent, invoice, amount, currency, again_at, descriptor=charge["statement_descriptor"]
        )
        facts.update(charges=[charge["id"], second["id"]])
    elif name == "refund_reversal":
        stan = "".join(rng.choices(string.digits, k=6))
        refund = build.refund(
            charge,
            amount,
            charge["created"] + timedelta(hours=5),
            destination_type="reversal",
            destination_reference=f"STAN {stan}",
        )
        facts.update(charge=charge["id"], refund=refund["id"], reference=f"STAN {stan}")
    elif name == "foreign_currency_refund":
        eur = 4900
        addon = build.invoice(
            org,
            customer,
            90,
            eur,
            charge["created"] + timedelta(hours=2),
            12,
            "eur",
            "Advanced reporting add-on, annual (EU price list)",
        )
        addon_intent = build.intent(customer, addon, eur, "eur", addon["created"])
        card_charged, card_refunded = round(eur * 0.8634), round(eur * 0.8381)
        addon_charge = build.charge(
            customer,
            addon_intent,
            addon,
            eur,
            "eur",
            addon["created"],
            descriptor="TALLYFLOW* ADDON",
            metadata={"card_currency": "gbp", "card_amount": card_charged, "card_country": "GB"},
        )
        refund = build.refund(
            addon_charge,
            eur,
            addon["created"] + timedelta(days=1, hours=3),
            metadata={"card_currency": "gbp", "card_amount": card_refunded},
        )
        facts.update(
            amount=eur,
            currency="eur",
            invoice=addon["number"],
            charge=addon_charge["id"],
            refund=refund["id"],
            card_currency="gbp",
            card_charged=card_charged,
            card_refunded=card_refunded,
            date=addon["created"],
        )
    build.spec.scenarios[name] = facts
