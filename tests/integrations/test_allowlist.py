"""Field allow-lists: only listed fields reach facts, the trace/package records, composer facts, logs and the API.

The leak test serves a Stripe customer whose card last 4 digits, cardholder address and e-mail are in the vendor
payload (real SDK, local stand-in) and checks that none of them appears anywhere the product writes or shows
looked-up data, while the allowed values do.
"""

import json

import pytest

from apps.escalation.services import handoff_create
from apps.integrations.allowlist import allowlist_filter, payload_paths
from apps.integrations.billing import DEFAULT_BILLING_FIELDS
from apps.integrations.connections import connection_set_credentials
from apps.integrations.lookups import (
    lookups_composer_facts,
    lookups_facts,
    lookups_run,
    lookups_trace,
)
from apps.integrations.models import CallLog, Connection
from tests.factories import ContactFactory, OrganizationFactory, QueueFactory, TicketFactory
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.stripe import API_KEY, StripeAccount, stripe_templates

LAST4, STREET, CARD_EMAIL = "9731", "17 Hidden Lane", "cardholder-private@mail.example"
SECRETS = (LAST4, STREET, CARD_EMAIL)


def test_filter_keeps_only_listed_paths_through_lists():
    payload = {
        "customer": {"id": "cus_1", "address": {"line1": STREET}},
        "charges": [
            {"id": "ch_1", "amount": 100, "payment_method_details": {"card": {"last4": LAST4, "brand": "visa"}}},
            {"id": "ch_2", "amount": 200},
        ],
        "refunds": [],
    }
    kept = allowlist_filter(
        payload, ["customer.id", "charges.amount", "charges.payment_method_details.card.brand", "refunds"]
    )
    assert kept == {
        "customer": {"id": "cus_1"},
        "charges": [{"amount": 100, "payment_method_details": {"card": {"brand": "visa"}}}, {"amount": 200}],
        "refunds": [],
    }
    assert allowlist_filter(payload, []) == {}
    whole = allowlist_filter(payload, ["customer"])
    whole["customer"]["id"] = "changed"
    assert payload["customer"]["id"] == "cus_1"  # a copy, never the caller's objects
    assert "charges.payment_method_details.card.last4" in payload_paths(payload)


@pytest.mark.django_db
@pytest.mark.dataset
def test_unlisted_fields_never_leak(standin, shared_data, agent_client):  # noqa: F811
    account = StripeAccount(stripe_templates(shared_data))
    account.add(
        "customer",
        id="cus_L1",
        email="ops@leak.example",
        name="Leak Test Ltd",
        currency="usd",
        address={"line1": STREET, "city": "Springfield"},
        phone="+1 555 0100",
    )
    account.add(
        "charge",
        id="ch_L1",
        customer="cus_L1",
        amount=2900,
        amount_captured=2900,
        currency="usd",
        status="succeeded",
        paid=True,
        captured=True,
        created=1754020802,
        amount_refunded=0,
        invoice=None,
        balance_transaction=None,
        payment_method_details={"card": {"last4": LAST4, "brand": "visa"}},
        billing_details={"address": {"line1": STREET}, "email": CARD_EMAIL, "name": "Pat Private"},
    )
    server = standin(account.routes())
    conn = Connection.objects.create(
        kind="stripe",
        name="Stripe",
        base_url=server.url,
        allowed_fields=DEFAULT_BILLING_FIELDS,
        options={"backoff": 0.01},
    )
    connection_set_credentials(connection=conn, values={"api_key": API_KEY})
    org = OrganizationFactory(name="Leak Test Ltd", domain="leak.example")
    ticket = TicketFactory(contact=ContactFactory(organization=org, email="ops@leak.example"), organization=org)
    # the vendor really sends them
    assert LAST4 in json.dumps(account.objects["charge"]) and STREET in json.dumps(account.objects["customer"])

    results = lookups_run(names=["billing.summary", "billing.charges", "billing.summary"], ticket=ticket)

    assert [r.name for r in results] == ["billing.summary", "billing.charges"] and all(r.ok for r in results)
    trace = lookups_trace(results)  # what the Decision trace and the package's tried.lookups record
    facts = lookups_facts(results)  # the package's facts
    composer = lookups_composer_facts(results)  # what the composer and reply_violations get
    handoff = handoff_create(
        ticket=ticket,
        queue_slug=QueueFactory(slug="billing").slug,
        reason="test",
        package={"facts": facts, "tried": {"lookups": trace}},
    )
    api_lookup = agent_client.get(f"/api/v1/lookups/billing.charges/?ticket={ticket.pk}")
    api_handoff = agent_client.get(f"/api/v1/handoffs/{handoff.pk}/")
    logs = list(CallLog.objects.filter(connection=conn).values())
    assert api_lookup.status_code == 200 and api_handoff.status_code == 200

    sinks = {
        "trace": json.dumps(trace),
        "facts": json.dumps(facts),
        "composer": json.dumps(composer),
        "handoff package": json.dumps(handoff.package),
        "api lookup": api_lookup.content.decode(),
        "api handoff": api_handoff.content.decode(),
        "call log": json.dumps(logs, default=str),
    }
    for where, text in sinks.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into the {where}"
    # … while the allowed values do arrive
    assert api_lookup.json()["facts"]["charges"][0]["id"] == "ch_L1"
    assert composer["charge_shape"] == "single" and "$29.00" in composer["charge_explanation"]
    assert facts["billing.charges"]["charges"][0]["payment_method_details"] == {"card": {"brand": "visa"}}
    assert "ch_L1" in sinks["handoff package"]
