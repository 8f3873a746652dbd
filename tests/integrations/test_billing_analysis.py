"""charge_explain on the failure cases (F20, F21, F23), a foreign-currency refund case written here, and the demo
workspace's "charged twice" scenarios read through LocalBilling from the demo billing tables."""

import json
import random
from datetime import UTC, datetime

import pytest
from faker import Faker

from apps.core.demo.billing import billing_generate
from apps.core.demo.company import REGIONS
from apps.core.demo.orgs import organizations_generate
from apps.integrations.billing.analysis import charge_explain
from apps.integrations.billing.local import LocalBilling
from apps.integrations.models import (
    BillingCharge,
    BillingCustomer,
    BillingInvoice,
    BillingPaymentIntent,
    BillingRefund,
)
from apps.workflows.guard import reply_violations

# What a customer must never be told about money: promises, bank-dependent dates, blame, "charged twice" as fact.
NEVER = [
    r"we will refund",
    r"we'll refund",
    r"you will (get|receive)",
    r"refund(ed)? (of|for) [$€£]",
    r"within \d+",
    r"by (monday|tuesday|wednesday|thursday|friday|\d)",
    r"your bank('s)? (made a mistake|error|fault)",
    r"you were charged twice",
]


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def case_snapshot(events: list[dict], currency: str = "usd") -> dict:
    """Stripe-shaped objects from a failure case's ``billing_events`` (amounts there are major units)."""
    snap = {
        "customer": {"id": "cus_case", "currency": currency},
        "charges": [],
        "payment_intents": [],
        "refunds": [],
        "invoices": [],
        "disputes": [],
        "balance_transactions": [],
    }
    for e in events:
        status, amount = str(e.get("status", "")).lower(), round(float(e["amount"]) * 100)
        base = {"id": e["id"], "amount": amount, "currency": e.get("currency", "usd"), "created": _ts(e["created"])}
        if e["type"] == "authorization":
            canceled = "cancel" in status
            snap["payment_intents"].append(
                {
                    **base,
                    "capture_method": "manual",
                    "amount_received": 0,
                    "status": "canceled" if canceled else "requires_capture",
                    "amount_capturable": 0 if canceled else amount,
                }
            )
        elif e["type"] == "charge":
            invoice = e.get("invoice")
            if invoice and not any(i["id"] == invoice for i in snap["invoices"]):
                snap["invoices"].append({"id": invoice, "number": invoice})
            snap["charges"].append(
                {
                    **base,
                    "status": "succeeded",
                    "captured": True,
                    "amount_captured": amount,
                    "amount_refunded": 0,
                    "refunded": False,
                    "invoice": invoice,
                    "metadata": e.get("metadata", {}),
                }
            )
        elif e["type"] == "refund":
            charge = next(c for c in reversed(snap["charges"]) if c["amount"] == amount)
            charge.update(amount_refunded=amount, refunded=True)
            snap["refunds"].append(
                {
                    **base,
                    "status": "succeeded",
                    "charge": charge["id"],
                    "metadata": e.get("metadata", {}),
                    "destination_details": {
                        "type": "card",
                        "card": {"type": e.get("processed_as", "refund"), "reference": e.get("reference")},
                    },
                }
            )
    return snap


def _safe(text: str) -> None:
    import re

    for pattern in NEVER:
        assert not re.search(pattern, text, re.I), (pattern, text)
    assert reply_violations(text) == [], text


def _cases(shared_cases) -> dict:
    rows = [json.loads(line) for line in (shared_cases / "failure_cases.jsonl").read_text().splitlines() if line]
    return {r["id"]: r for r in rows}


@pytest.mark.dataset
@pytest.mark.parametrize(
    "case_id, shape, escalate",
    [("F20", "released_hold", False), ("F21", "refund_reversal", False), ("F23", "duplicate_capture", True)],
)
def test_failure_cases(shared_cases, case_id, shape, escalate):
    case = _cases(shared_cases)[case_id]
    result = charge_explain(customer_ref="cus_case", snapshot=case_snapshot(case["input"]["billing_events"]))
    assert (result.shape, result.escalate) == (shape, escalate)
    _safe(result.customer_text)
    if case_id == "F20":  # one charge; the other line is a hold the bank drops; no exact date
        assert "INV-6001" in result.customer_text and "depends on your bank" in result.customer_text
        assert {e["role"] for e in result.evidence} == {"capture", "released_hold"}
    if case_id == "F21":  # the explanation for the billing agent: reversal, reference, no second refund
        assert "STAN 448812" in result.internal_note and "reversal" in result.customer_text
        assert "failed" not in result.customer_text.lower()
    if case_id == "F23":  # evidence for billing: both captures, seconds apart, not called a hold
        assert result.queue_slug == "billing"
        assert [e["id"] for e in result.evidence] == ["ch_E5", "ch_E6"] and result.evidence[1]["seconds_after"] == 4
        assert "not a temporary hold" in result.customer_text and "bank" not in result.customer_text


def test_foreign_currency_refund_case():
    """Written for this project: a German customer's EUR card, a USD charge refunded in full in USD; the euro
    amounts on the statement differ (exchange rate of each day). Not a partial refund, not a duplicate."""
    events = [
        {
            "id": "ch_F1",
            "type": "charge",
            "amount": 49.0,
            "currency": "usd",
            "status": "succeeded",
            "created": "2025-09-01T07:00Z",
            "invoice": "INV-8100",
            "metadata": {"card_currency": "eur", "card_amount": 4512},
        },
        {
            "id": "re_F2",
            "type": "refund",
            "amount": 49.0,
            "currency": "usd",
            "status": "succeeded",
            "created": "2025-09-03T10:00Z",
            "metadata": {"card_currency": "eur", "card_amount": 4420},
        },
    ]
    body = "You charged me 45,12 € but only refunded 44,20 €. Where is the rest?"
    assert body  # the customer's question the explanation answers
    result = charge_explain(customer_ref="cus_case", snapshot=case_snapshot(events, currency="eur"))
    assert (result.shape, result.escalate) == ("foreign_refund", False)
    assert "exchange rate" in result.customer_text and "the full amount" in result.customer_text
    assert "€45.12" in result.customer_text and "€44.20" in result.customer_text
    assert "$49.00" in result.customer_text
    _safe(result.customer_text)


def test_refunded_duplicate_is_not_escalated_and_no_charges_is():
    events = [
        {
            "id": "ch_1",
            "type": "charge",
            "amount": 29.0,
            "status": "succeeded",
            "created": "2025-08-01T04:00:02Z",
            "invoice": "INV-1",
        },
        {
            "id": "ch_2",
            "type": "charge",
            "amount": 29.0,
            "status": "succeeded",
            "created": "2025-08-01T04:00:06Z",
            "invoice": "INV-1",
        },
        {"id": "re_1", "type": "refund", "amount": 29.0, "status": "succeeded", "created": "2025-08-02T04:00:00Z"},
    ]
    result = charge_explain(customer_ref="cus_case", snapshot=case_snapshot(events))
    assert result.shape != "duplicate_capture" and not result.escalate
    empty = charge_explain(customer_ref="cus_none", snapshot=case_snapshot([]))
    assert (empty.shape, empty.escalate, empty.queue_slug) == ("no_charges", True, "billing")
    _safe(empty.customer_text)


DEMO_SHAPES = {
    "released_hold": "released_hold",
    "pending_hold": "pending_hold",
    "duplicate_capture": "duplicate_capture",
    "refund_reversal": "refund_reversal",
    "foreign_currency_refund": "foreign_refund",
}


@pytest.mark.django_db
def test_demo_scenarios_through_local_billing():
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    rng = random.Random(7)
    fake = Faker(sorted({locale for locale, _, _ in REGIONS.values()}))
    fake.seed_instance(7)
    orgs = organizations_generate(fake=fake, rng=rng, count=60, now=now)
    spec = billing_generate(orgs=orgs, rng=rng, now=now)
    assert set(spec.scenarios) == set(DEMO_SHAPES)
    regular = next(
        c["id"]
        for c in spec.customers
        if "demo_scenario" not in c["metadata"] and not c["delinquent"] and "collection_method" not in c["metadata"]
    )
    keep = {s["customer"] for s in spec.scenarios.values()} | {regular}
    BillingCustomer.objects.bulk_create(
        [BillingCustomer(**{k: v for k, v in c.items() if k != "org_key"}) for c in spec.customers if c["id"] in keep]
    )
    BillingInvoice.objects.bulk_create([BillingInvoice(**r) for r in spec.invoices if r["customer_id"] in keep])
    BillingPaymentIntent.objects.bulk_create(
        [BillingPaymentIntent(**r) for r in spec.payment_intents if r["customer_id"] in keep]
    )
    BillingCharge.objects.bulk_create([BillingCharge(**r) for r in spec.charges if r["customer_id"] in keep])
    charge_ids = set(BillingCharge.objects.values_list("id", flat=True))
    BillingRefund.objects.bulk_create([BillingRefund(**r) for r in spec.refunds if r["charge_id"] in charge_ids])

    client = LocalBilling()
    for scenario, facts in spec.scenarios.items():
        result = charge_explain(customer_ref=facts["customer"], client=client, now=now)
        assert result.shape == DEMO_SHAPES[scenario], (scenario, result)
        assert result.escalate is (scenario == "duplicate_capture")
        _safe(result.customer_text)
    single = charge_explain(customer_ref=regular, client=client, now=now)
    assert (single.shape, single.escalate) == ("single", False)
    assert client.customer_find(email="", hint=regular)["id"] == regular
    assert client.balance_transactions(customer_ref=regular)[0]["type"] == "charge"
