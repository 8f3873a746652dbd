"""StripeBilling on the real ``stripe`` SDK against a local Stripe stand-in (HTTP on 127.0.0.1, no mocking).

Payloads are Stripe's own example objects (../shared/data/stripe_fixtures, read at run time) with the test's values.
"""

import json

import pytest

from apps.integrations.billing import billing_client
from apps.integrations.billing.stripe_client import StripeBilling
from apps.integrations.connections import connection_set_credentials
from apps.integrations.lookups import lookup_run, lookups_escalation
from apps.integrations.models import CallLog, Connection
from tests.factories import ContactFactory, OrganizationFactory, TicketFactory
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply
from tests.standins.stripe import API_KEY, StripeAccount, stripe_templates

pytestmark = [pytest.mark.django_db, pytest.mark.dataset]
T = 1746176580  # 2025-05-02T09:03Z
ADDRESS = "480 Trapelo Road"


@pytest.fixture
def account(shared_data):
    acct = StripeAccount(stripe_templates(shared_data))
    acct.add("customer", id="cus_F20", email="ana@hike.example", name="Hike n Co.", currency="usd")
    acct.add(
        "invoice",
        id="in_6001",
        number="INV-6001",
        customer="cus_F20",
        amount_due=4900,
        amount_paid=4900,
        currency="usd",
        status="paid",
        created=T,
    )
    acct.add(
        "payment_intent",
        id="pi_A1",
        customer="cus_F20",
        amount=4900,
        amount_received=0,
        currency="usd",
        capture_method="manual",
        status="canceled",
        cancellation_reason="abandoned",
        created=T - 180,
        canceled_at=T + 60,
        invoice=None,
    )
    acct.add(
        "charge",
        id="ch_B2",
        customer="cus_F20",
        amount=4900,
        amount_captured=4900,
        currency="usd",
        status="succeeded",
        paid=True,
        captured=True,
        invoice="in_6001",
        created=T,
        amount_refunded=0,
        balance_transaction="txn_B2",
        billing_details={"address": {"line1": ADDRESS}, "name": "Ana Example"},
        payment_intent="pi_B2",
    )
    acct.add("balance_transaction", id="txn_B2", amount=4900, currency="usd", type="charge", source="ch_B2", created=T)
    return acct


def _connection(server, **options):
    conn = Connection.objects.create(
        kind="stripe",
        name="Stripe (stand-in)",
        base_url=server.url,
        options={"timeout": 2, "retries": 2, "backoff": 0.01, **options},
        allowed_fields=["customer.id", "charges", "payment_intents.status", "explanation"],
    )
    conn.allowed_fields = [f for f in conn.allowed_fields if f != "charges"] + [
        "charges.id",
        "charges.amount",
        "charges.currency",
        "charges.status",
        "charges.created",
    ]
    conn.save()
    connection_set_credentials(connection=conn, values={"api_key": API_KEY})
    return conn


def _ticket():
    org = OrganizationFactory(name="Hike n Co.", domain="hike.example")
    return TicketFactory(contact=ContactFactory(organization=org, email="ana@hike.example"), organization=org)


def test_released_hold_from_stripe_objects(standin, account):  # noqa: F811
    server = standin(account.routes())
    conn = _connection(server)
    assert isinstance(billing_client(), StripeBilling)

    result = lookup_run(name="billing.summary", ticket=_ticket(), category_slug="billing/double-charge")

    assert result.ok and result.source == "stripe", result.error
    explanation = result.facts["explanation"]
    assert explanation["shape"] == "released_hold" and explanation["escalate"] is False
    assert "INV-6001" in explanation["customer_text"] and "charged twice" not in explanation["customer_text"]
    capture, hold = explanation["evidence"]
    assert capture["id"] == "ch_B2" and capture["amount"] == 4900 and capture["role"] == "capture"
    # evidence follows the allow-list too: payment_intents.status is allowed, payment_intents.id is not
    assert hold == {"object": "payment_intent", "role": "released_hold", "status": "canceled"}
    dumped = json.dumps(result.facts)
    assert "4242" not in dumped and ADDRESS not in dumped and "ana@hike.example" not in dumped
    assert set(result.facts["customer"]) == {"id"}
    # the SDK asked for this customer's objects, authenticated
    assert server.hits("GET", r"/v1/charges")[0].query["customer"] == ["cus_F20"]
    assert server.hits("GET", r"/v1/customers")[0].query["email"] == ["ana@hike.example"]
    assert server.hits("GET", r"/v1/balance_transactions/txn_B2")
    conn.refresh_from_db()
    assert conn.healthy is True and conn.last_success_at
    ops = set(CallLog.objects.filter(connection=conn, ok=True).values_list("operation", flat=True))
    assert {"customers.list", "charges.list", "payment_intents.list", "invoices.list"} <= ops


def test_duplicate_capture_escalates_with_evidence(standin, account):  # noqa: F811
    account.objects["payment_intent"].clear()
    account.add(
        "charge",
        id="ch_DUP",
        customer="cus_F20",
        amount=4900,
        amount_captured=4900,
        currency="usd",
        status="succeeded",
        paid=True,
        captured=True,
        invoice="in_6001",
        created=T + 4,
        amount_refunded=0,
        balance_transaction=None,
    )
    server = standin(account.routes())
    _connection(server)

    result = lookup_run(name="billing.summary", ticket=_ticket())

    explanation = result.facts["explanation"]
    assert explanation["shape"] == "duplicate_capture" and explanation["escalate"] is True
    assert explanation["queue_slug"] == "billing"
    assert {e["id"] for e in explanation["evidence"]} == {"ch_B2", "ch_DUP"}
    assert "hold" not in explanation["customer_text"].replace("not a temporary hold", "")
    # the decision signal does not depend on the allow-list
    assert result.signals == {"shape": "duplicate_capture", "escalate": True, "queue_slug": "billing"}
    assert lookups_escalation([result])["queue_slug"] == "billing"


def test_transient_500_is_retried_then_succeeds(standin, account):  # noqa: F811
    routes = account.routes()
    real = routes[("GET", r"/v1/charges")]
    calls = {"n": 0}

    def flaky(req):
        calls["n"] += 1
        return Reply(500, {"error": {"type": "api_error", "message": "boom"}}) if calls["n"] == 1 else real(req)

    routes[("GET", r"/v1/charges")] = flaky
    server = standin(routes)
    conn = _connection(server)

    charges = StripeBilling(conn).charges(customer_ref="cus_F20")

    assert [c["id"] for c in charges] == ["ch_B2"] and calls["n"] == 2
    log = CallLog.objects.get(connection=conn, operation="charges.list")
    assert log.ok is True


@pytest.mark.parametrize(
    "reply, options, attempts, error",
    [
        (Reply(500, {"error": {"type": "api_error", "message": "down"}}), {"retries": 2}, 3, "APIError"),
        (Reply(429, {"error": {"type": "rate_limit_error", "message": "slow"}}), {"retries": 1}, 2, "RateLimitError"),
        (Reply(200, {"object": "list", "data": []}, delay=1.5), {"retries": 0, "timeout": 0.3}, 1, "APIConnection"),
    ],
    ids=["500", "429", "timeout"],
)
def test_vendor_failures_give_ok_false_health_and_log(standin, account, reply, options, attempts, error):  # noqa: F811
    routes = account.routes()
    routes[("GET", r"/v1/charges")] = reply
    server = standin(routes)
    conn = _connection(server, **options)

    result = lookup_run(name="billing.summary", ticket=_ticket())

    assert result.ok is False and result.facts == {}
    assert error in result.error and f"after {attempts} attempt" in result.error
    assert len(server.hits("GET", r"/v1/charges")) == attempts
    conn.refresh_from_db()
    assert conn.healthy is False and error in conn.last_error
    failed = CallLog.objects.get(connection=conn, ok=False)
    assert failed.operation == "charges.list" and failed.duration_ms > 0


def test_bad_api_key_is_not_retried(standin, account):  # noqa: F811
    server = standin(account.routes())
    conn = _connection(server)
    connection_set_credentials(connection=conn, values={"api_key": "sk_test_wrong_key_000000000"})

    result = lookup_run(name="billing.charges", ticket=_ticket())

    assert not result.ok and "AuthenticationError" in result.error
    assert len(server.requests) == 1
