"""charge_explain: why a customer sees what looks like a double charge, from the raw billing objects.

Shapes (checked in this order, the first that fits wins):

- ``duplicate_capture``: two captured, unrefunded charges of the same amount and currency for the same invoice or
  within ``DUPLICATE_WINDOW`` of each other: a real double charge. ``escalate=True`` (queue ``billing``) with both
  charges as evidence; only a human may refund.
- ``pending_hold``: a payment intent waiting for capture (``requires_capture``): money held, not taken.
- ``released_hold``: a canceled, never-captured (manual-capture) payment intent within ``HOLD_WINDOW`` of one
  captured charge of the same amount: the customer paid once; the bank drops the hold.
- ``refund_reversal``: a succeeded refund processed as a reversal: the original payment disappears instead of a
  credit line appearing.
- ``foreign_refund``: a refund whose card-statement currency differs from the charge's currency (the customer's
  currency, or the card currency kept in the charge's metadata), so the refunded amount on the statement differs.
- ``single``: captured charges, none of the above. ``no_charges``: nothing to explain (``escalate=True``).

``customer_text`` never promises a refund, an amount back or a date, and never names a bank-dependent exact date
(it says "depends on your bank"); ``internal_note`` is for the agent (ids, references, what to check).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

DUPLICATE_WINDOW = timedelta(hours=24)
HOLD_WINDOW = timedelta(days=7)
LOOKBACK = timedelta(days=35)
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf"}
SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
SHAPES = (
    "single",
    "pending_hold",
    "released_hold",
    "refund_reversal",
    "foreign_refund",
    "duplicate_capture",
    "no_charges",
)


@dataclass
class ChargeExplanation:
    """The outcome of ``charge_explain``; ``evidence`` items are dicts with ``object`` (charge, payment_intent,
    refund), ``id``, ``amount`` (minor units), ``currency``, ``status``, ``created`` (ISO 8601 UTC), ``role``."""

    shape: str
    escalate: bool
    evidence: list[dict] = field(default_factory=list)
    customer_text: str = ""
    internal_note: str = ""
    queue_slug: str = ""
    customer_ref: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def money(amount: int, currency: str) -> str:
    """'$49.00', '€49.00', '£42.31', '1200 JPY' from minor units."""
    currency = (currency or "").lower()
    value = amount if currency in ZERO_DECIMAL else amount / 100
    text = f"{value:,.0f}" if currency in ZERO_DECIMAL else f"{value:,.2f}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _at(ts) -> datetime | None:
    if ts in (None, ""):
        return None
    if isinstance(ts, datetime):
        return ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(ts), tz=UTC)


def _day(ts) -> str:
    moment = _at(ts)
    return f"{moment.day} {moment:%B %Y}" if moment else "an unknown date"


def _iso(ts) -> str | None:
    moment = _at(ts)
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _card(refund: dict) -> dict:
    return ((refund.get("destination_details") or {}).get("card")) or {}


def _evidence(obj: dict, kind: str, role: str, **extra) -> dict:
    item = {
        "object": kind,
        "id": obj.get("id"),
        "role": role,
        "amount": obj.get("amount"),
        "currency": obj.get("currency"),
        "status": obj.get("status"),
        "created": _iso(obj.get("created")),
    }
    item.update({k: v for k, v in extra.items() if v not in (None, "")})
    return item


def _captured(charge: dict) -> bool:
    return charge.get("status") == "succeeded" and bool(charge.get("captured") or charge.get("amount_captured"))


def _fully_refunded(charge: dict) -> bool:
    return bool(charge.get("refunded")) or (charge.get("amount_refunded") or 0) >= (charge.get("amount") or 0) > 0


def charge_explain(
    *, customer_ref: str, client=None, snapshot: dict | None = None, now: datetime | None = None
) -> ChargeExplanation:
    """Explain the customer's recent charges (the last ``LOOKBACK`` before their latest billing activity).

    ``customer_ref``: billing customer id (``cus_…``). ``snapshot``: a ``BillingClient.snapshot`` dict; when None it
    is read through ``client`` (default: ``billing_client()`` by Connection configuration). ``now`` limits pending
    holds to those still open then (default: now). Raises ``ProviderError`` when the vendor fails (``lookup_run``
    turns that into ok=False). Data source: the billing vendor's charges, payment intents, refunds and invoices.
    """
    if snapshot is None:
        if client is None:
            from . import billing_client

            client = billing_client()
        snapshot = client.snapshot(customer_ref=customer_ref)
    return _explain(snapshot, customer_ref=customer_ref, now=now or datetime.now(UTC))


def _explain(snap: dict, *, customer_ref: str, now: datetime) -> ChargeExplanation:
    charges = [c for c in snap.get("charges") or [] if c.get("id")]
    intents = [p for p in snap.get("payment_intents") or [] if p.get("id")]
    refunds = [r for r in snap.get("refunds") or [] if r.get("id")]
    invoices = {i.get("id"): i for i in snap.get("invoices") or []}
    customer = snap.get("customer") or {}
    stamps = [_at(o.get("created")) for o in charges + intents + refunds if o.get("created")]
    if not charges and not [p for p in intents if p.get("status") == "requires_capture"]:
        return ChargeExplanation(
            shape="no_charges",
            escalate=True,
            queue_slug="billing",
            customer_ref=customer_ref,
            customer_text=(
                "I can't find any payments on the billing account linked to your e-mail address, so I've passed "
                "this to our billing team to look into with you."
            ),
            internal_note=f"No charges or open holds for {customer_ref or 'this customer'}: the payment may be on "
            "another account, card or e-mail address. Ask for the statement line (descriptor, amount, date).",
        )
    since = max(stamps) - LOOKBACK if stamps else None
    recent = [c for c in charges if since is None or (_at(c.get("created")) or since) >= since]
    captured = sorted([c for c in recent if _captured(c)], key=lambda c: c.get("created") or 0)

    def invoice_label(obj: dict) -> str:
        inv = invoices.get(obj.get("invoice")) or {}
        return inv.get("number") or (obj.get("invoice") or "")

    # 1. a real duplicate capture
    for i, first in enumerate(captured):
        for second in captured[i + 1 :]:
            if (first.get("amount"), first.get("currency")) != (second.get("amount"), second.get("currency")):
                continue
            if _fully_refunded(first) or _fully_refunded(second):
                continue
            gap = _at(second.get("created")) - _at(first.get("created"))
            same_invoice = bool(first.get("invoice")) and first.get("invoice") == second.get("invoice")
            if not same_invoice and gap > DUPLICATE_WINDOW:
                continue
            amount = money(first["amount"], first.get("currency"))
            label = invoice_label(first)
            for_invoice = f" for invoice {label}" if label else ""
            seconds = int(gap.total_seconds())
            gap_text = f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"
            return ChargeExplanation(
                shape="duplicate_capture",
                escalate=True,
                queue_slug="billing",
                customer_ref=customer_ref,
                evidence=[
                    _evidence(first, "charge", "capture", invoice=label),
                    _evidence(second, "charge", "duplicate_capture", invoice=label, seconds_after=seconds),
                ],
                customer_text=(
                    f"I can see two completed payments of {amount}{for_invoice} on {_day(first.get('created'))}, "
                    f"taken {gap_text} apart. That is not a temporary hold, so I've passed it to our billing team "
                    "with both payment references so they can review it with you."
                ),
                internal_note=(
                    f"Genuine duplicate capture: {first['id']} and {second['id']}, {amount} each{for_invoice}, "
                    f"{gap_text} apart, neither refunded. Check for the same pattern on other customers "
                    "(gateway bug) before refunding one of them."
                ),
            )

    # 2. an authorization still held
    open_holds = [p for p in intents if p.get("status") == "requires_capture" and (p.get("amount_capturable") or 0)]
    if open_holds:
        hold = open_holds[0]
        held = money(hold["amount_capturable"], hold.get("currency"))
        what = f" ({hold['description']})" if hold.get("description") else ""
        paid = captured[-1] if captured else None
        paid_text = (
            f" Your completed payment is {money(paid['amount'], paid.get('currency'))} on {_day(paid.get('created'))}"
            f"{' for invoice ' + invoice_label(paid) if invoice_label(paid) else ''}."
            if paid
            else ""
        )
        return ChargeExplanation(
            shape="pending_hold",
            escalate=False,
            customer_ref=customer_ref,
            evidence=[_evidence(hold, "payment_intent", "pending_hold", amount_capturable=hold["amount_capturable"])]
            + ([_evidence(paid, "charge", "capture", invoice=invoice_label(paid))] if paid else []),
            customer_text=(
                f"The {held} line from {_day(hold.get('created'))} is a card authorization{what}: a temporary hold, "
                f"not a completed payment, which is why your bank shows it as pending.{paid_text} If the hold is "
                "not used, your bank releases it; how long that takes depends on your bank."
            ),
            internal_note=(
                f"Open authorization {hold['id']} for {held} (requires_capture). Capture or cancel it per the seat "
                "change; nothing was taken yet."
            ),
        )

    # 3. a released authorization next to one capture of the same amount
    for hold in intents:
        if hold.get("status") != "canceled" or (hold.get("amount_received") or 0):
            continue
        hold_at = _at(hold.get("created"))
        match = next(
            (
                c
                for c in captured
                if (c.get("amount"), c.get("currency")) == (hold.get("amount"), hold.get("currency"))
                and hold_at
                and abs(_at(c.get("created")) - hold_at) <= HOLD_WINDOW
            ),
            None,
        )
        if not match:
            continue
        amount = money(match["amount"], match.get("currency"))
        label = invoice_label(match)
        return ChargeExplanation(
            shape="released_hold",
            escalate=False,
            customer_ref=customer_ref,
            evidence=[
                _evidence(match, "charge", "capture", invoice=label),
                _evidence(
                    hold,
                    "payment_intent",
                    "released_hold",
                    canceled_at=_iso(hold.get("canceled_at")),
                    capture_method=hold.get("capture_method"),
                ),
            ],
            customer_text=(
                f"You paid once: {amount} on {_day(match.get('created'))}"
                f"{' for invoice ' + label if label else ''}. The other {amount} line is a card authorization (a "
                "temporary hold) that was released without taking any money. Banks keep showing a released hold "
                "as pending for a while and then drop it; how long depends on your bank. If it is still on your "
                "statement after about 10 business days, reply here and we'll look at it again."
            ),
            internal_note=(
                f"One capture {match['id']} ({amount}); {hold['id']} is a canceled manual-capture authorization "
                f"(released {_iso(hold.get('canceled_at')) or 'without capture'}). No refund needed."
            ),
        )

    by_id = {c["id"]: c for c in charges}
    done = [r for r in refunds if r.get("status") in ("succeeded", "pending")]
    # 4. a refund processed as a reversal
    for refund in done:
        card = _card(refund)
        if card.get("type") != "reversal":
            continue
        charge = by_id.get(refund.get("charge")) or {}
        amount = money(charge.get("amount") or refund["amount"], charge.get("currency") or refund.get("currency"))
        reference = card.get("reference") or ""
        return ChargeExplanation(
            shape="refund_reversal",
            escalate=False,
            customer_ref=customer_ref,
            evidence=[_evidence(charge, "charge", "refunded_charge")] * bool(charge)
            + [_evidence(refund, "refund", "reversal", charge=refund.get("charge"), reference=reference)],
            customer_text=(
                f"The refund of your {amount} payment from {_day(charge.get('created') or refund.get('created'))} "
                f"went through on {_day(refund.get('created'))}. Because it was made soon after the payment, it "
                "was processed as a reversal: instead of a separate credit line, the original payment is cancelled "
                "and drops off your statement, so no refund line appears. While your bank still lists it as "
                "pending it has not been collected; when it disappears depends on your bank."
                + (f" If your bank asks, the reference is {reference}." if reference else "")
            ),
            internal_note=(
                f"Refund {refund['id']} {refund.get('status')} as a reversal"
                f"{' (' + reference + ')' if reference else ''} of {charge.get('id') or refund.get('charge')}: "
                "the pending charge drops off, no credit line will appear. Do not refund again."
            ),
        )

    # 5. a refund in another currency than the customer's statement
    home = (customer.get("currency") or "").lower()
    for refund in done:
        charge = by_id.get(refund.get("charge")) or {}
        meta = charge.get("metadata") or {}
        card_currency = (meta.get("card_currency") or home or "").lower()
        paid_currency = (refund.get("currency") or charge.get("currency") or "").lower()
        if not card_currency or card_currency == paid_currency:
            continue
        paid = money(charge.get("amount") or refund["amount"], paid_currency)
        statement = ""
        refund_meta = refund.get("metadata") or {}
        if meta.get("card_amount") and refund_meta.get("card_amount"):
            statement = (
                f" On a {card_currency.upper()} card that can show as {money(int(meta['card_amount']), card_currency)}"
                f" for the payment and {money(int(refund_meta['card_amount']), card_currency)} for the return."
            )
        full = "the full amount" if refund["amount"] >= (charge.get("amount") or refund["amount"]) else "part"
        return ChargeExplanation(
            shape="foreign_refund",
            escalate=False,
            customer_ref=customer_ref,
            evidence=[_evidence(charge, "charge", "refunded_charge", card_currency=card_currency)] * bool(charge)
            + [_evidence(refund, "refund", "foreign_currency_refund", charge=refund.get("charge"))],
            customer_text=(
                f"Your payment of {paid} on {_day(charge.get('created') or refund.get('created'))} was in "
                f"{paid_currency.upper()}, and the refund on {_day(refund.get('created'))} returned {full} of it "
                f"in {paid_currency.upper()} as well. Your card is billed in {card_currency.upper()}, so your bank "
                "converted the payment and the refund at the exchange rate of the day each one went through; that "
                f"is why the two {card_currency.upper()} amounts on your statement differ.{statement}"
            ),
            internal_note=(
                f"Refund {refund['id']} ({money(refund['amount'], paid_currency)}) of {charge.get('id')} in "
                f"{paid_currency.upper()}; the card currency is {card_currency.upper()}: the statement difference is "
                "the issuer's exchange rate, not a partial refund."
            ),
        )

    # 6. nothing unusual
    latest = captured[-1] if captured else (recent or charges)[0]
    amount = money(latest.get("amount") or 0, latest.get("currency"))
    label = invoice_label(latest)
    periods = len(captured)
    return ChargeExplanation(
        shape="single",
        escalate=False,
        customer_ref=customer_ref,
        evidence=[_evidence(c, "charge", "capture", invoice=invoice_label(c)) for c in captured[-3:]]
        or [_evidence(latest, "charge", latest.get("status") or "charge")],
        customer_text=(
            f"I can see one payment of {amount} on {_day(latest.get('created'))}"
            f"{' for invoice ' + label if label else ''}"
            + (
                f", and one payment for each earlier billing period ({periods} payments in the last five weeks)."
                if periods > 1
                else "."
            )
            + " If your statement shows another line, tell me its amount and date and I'll check it."
        ),
        internal_note=f"{periods} captured charge(s) in the last {LOOKBACK.days} days, no duplicate, hold or refund.",
    )
