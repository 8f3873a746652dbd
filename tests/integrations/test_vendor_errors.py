"""Vendor error texts are scrubbed before they are stored (CallLog, connection health) or returned (lookup API,
test button): no query strings (Stripe's ``/v1/customers?email=…`` in a connection error) and no personal data."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import CallLog, Connection
from tests.factories import ContactFactory, OrganizationFactory, TicketFactory
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply
from tests.standins.stripe import API_KEY

pytestmark = pytest.mark.django_db
EMAIL = "maya.lind@shop-example.test"
LEAKS = ("maya", "shop-example", "%40", "?email", "email=", "+1 415")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stripe(base_url: str) -> Connection:
    conn = Connection.objects.create(
        kind="stripe",
        name="Stripe",
        base_url=base_url,
        options={"retries": 0, "timeout": 2},
        allowed_fields=["charges.amount"],
    )
    connection_set_credentials(connection=conn, values={"api_key": API_KEY})
    return conn


def _ticket():
    org = OrganizationFactory(name="Shop", domain="shop-example.test")
    return TicketFactory(contact=ContactFactory(organization=org, email=EMAIL), organization=org)


def _assert_clean(text: str):
    assert text, "an error text was expected"
    for leak in LEAKS:
        assert leak not in text, (leak, text)


def test_unreachable_stripe_error_keeps_the_customer_email_out_of_log_health_and_api(admin_client_):
    conn = _stripe(f"http://127.0.0.1:{_closed_port()}")
    ticket = _ticket()
    response = admin_client_.get(f"/api/v1/lookups/billing.charges/?ticket={ticket.pk}")
    assert response.status_code == 200 and response.json()["ok"] is False
    error = response.json()["error"]
    _assert_clean(error)
    assert "APIConnectionError" in error and "/v1/customers" in error  # still says what failed and where
    call = CallLog.objects.get(connection=conn)
    _assert_clean(call.error)
    conn.refresh_from_db()
    _assert_clean(conn.last_error)
    page = admin_client_.get(reverse("integrations:connection_calls", args=[conn.pk])).content.decode()
    assert "/v1/customers" in page and not any(leak in page for leak in LEAKS)
    api = admin_client_.get(f"/api/v1/connections/{conn.pk}/calls/").json()
    _assert_clean(api[0]["error"])


def test_vendor_message_with_personal_data_is_scrubbed(admin_client_, standin):  # noqa: F811
    message = f"No customer for {EMAIL} (+1 415 555 0199); see https://dashboard.test/customers?email={EMAIL}"
    server = standin(
        {("GET", r"/v1/customers"): Reply(400, {"error": {"type": "invalid_request_error", "message": message}})}
    )
    conn = _stripe(server.url)
    response = admin_client_.get(f"/api/v1/lookups/billing.summary/?ticket={_ticket().pk}")
    _assert_clean(response.json()["error"])
    assert "[EMAIL]" in response.json()["error"] and "InvalidRequestError" in response.json()["error"]
    _assert_clean(CallLog.objects.get(connection=conn).error)
    test = admin_client_.post(reverse("integrations:connection_test", args=[conn.pk]), HTTP_HX_REQUEST="true")
    _assert_clean(test.content.decode().split("hx-swap-oob")[0])


@pytest.mark.parametrize(
    "raw,scrubbed",
    [
        (
            "Max retries exceeded with url: /v1/customers?email=maya%40x.test&limit=1 (Caused by NewConnectionError)",
            "Max retries exceeded with url: /v1/customers?… (Caused by NewConnectionError)",
        ),
        ("Client error '404' for url 'https://a.zendesk.com/api/v2/search.json?query=a%40b.c'", None),
        ("Invalid email: ana@hike.example", "Invalid email: [EMAIL]"),
        ("GET /crm/v3/objects/contacts/ana%40hike.example failed", "GET /crm/v3/objects/contacts/[EMAIL] failed"),
        ("Is it down? Try again", "Is it down? Try again"),
    ],
)
def test_vendor_error_scrub(raw, scrubbed):
    from apps.integrations.connections import vendor_error_scrub

    out = vendor_error_scrub(raw)
    assert "%40" not in out and "ana@" not in out and "query=" not in out
    if scrubbed is not None:
        assert out == scrubbed


def test_migration_scrubs_errors_stored_before_the_fix():
    from importlib import import_module

    from django.apps import apps as django_apps

    conn = Connection.objects.create(kind="stripe", name="Old", last_error=f"GET /v1/customers?email={EMAIL}")
    call = CallLog.objects.create(
        connection=conn, operation="customers.list", duration_ms=1, ok=False, error=f"url: /v1/customers?email={EMAIL}"
    )
    kept = CallLog.objects.create(connection=conn, operation="charges.list", duration_ms=1, ok=False, error="APIError")
    import_module("apps.integrations.migrations.0005_scrub_stored_vendor_errors").scrub(django_apps, None)
    call.refresh_from_db(), conn.refresh_from_db(), kept.refresh_from_db()
    assert call.error == "url: /v1/customers?…" and conn.last_error == "GET /v1/customers?…"
    assert kept.error == "APIError"
