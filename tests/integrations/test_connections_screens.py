"""Connection screens: list with health (leads view, admins edit), per-kind form with the allow-list editor and
write-only credentials, the HTMX "test connection" button against a Stripe stand-in, the call log."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.integrations.connections import connection_credentials, connection_set_credentials
from apps.integrations.models import CallLog, Connection
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.stripe import API_KEY, StripeAccount

pytestmark = pytest.mark.django_db
LIST = reverse("integrations:connection_list")


def _stripe(**extra):
    conn = Connection.objects.create(kind="stripe", name="Stripe", allowed_fields=["charges.amount"], **extra)
    connection_set_credentials(connection=conn, values={"api_key": API_KEY})
    return conn


def test_lead_sees_health_and_masked_credentials_but_cannot_edit(lead_client, agent_user):
    conn = _stripe()
    CallLog.objects.create(connection=conn, operation="charges.list", duration_ms=12.5, ok=False, error="APIError")
    page = lead_client.get(LIST).content.decode()
    assert "Stripe" in page and "••••0000" in page and API_KEY not in page
    assert f'href="{reverse("integrations:connection_edit", args=[conn.pk])}"' not in page and "hx-post" not in page
    assert lead_client.get(reverse("integrations:connection_calls", args=[conn.pk])).status_code == 200
    assert lead_client.get(reverse("integrations:connection_edit", args=[conn.pk])).status_code == 403
    assert lead_client.post(reverse("integrations:connection_test", args=[conn.pk])).status_code == 403
    agent = Client()
    agent.force_login(agent_user)
    assert agent.get(LIST).status_code == 403


def test_admin_creates_a_stripe_connection_with_allow_list(admin_client_):
    url = reverse("integrations:connection_create") + "?kind=stripe"
    form_page = admin_client_.get(url).content.decode()
    assert 'value="charges.payment_method_details.card.last4"' in form_page  # offered, unticked by default
    response = admin_client_.post(
        url,
        {
            "name": "Stripe live",
            "enabled": "on",
            "base_url": "",
            "cred_api_key": API_KEY,
            "credentials_env_text": "webhook_secret=STRIPE_WEBHOOK_SECRET",
            "allowed_fields_choice": ["charges.amount", "charges.currency", "explanation.shape"],
            "opt_timeout": "5",
            "opt_retries": "1",
            "opt_backoff": "0.2",
        },
    )
    assert response.status_code == 302
    conn = Connection.objects.get(name="Stripe live")
    assert conn.service == "billing" and conn.options == {"timeout": 5.0, "retries": 1, "backoff": 0.2}
    assert conn.allowed_fields == ["charges.amount", "charges.currency", "explanation.shape"]
    assert conn.credentials_env == {"webhook_secret": "STRIPE_WEBHOOK_SECRET"}
    assert API_KEY not in conn.credentials_encrypted and connection_credentials(conn)["api_key"] == API_KEY
    edit = admin_client_.get(reverse("integrations:connection_edit", args=[conn.pk])).content.decode()
    assert API_KEY not in edit and "Stored: ••••0000" in edit
    # saving again with the secret left blank keeps it
    admin_client_.post(
        reverse("integrations:connection_edit", args=[conn.pk]),
        {
            "name": "Stripe live",
            "enabled": "on",
            "cred_api_key": "",
            "allowed_fields_choice": ["charges.amount"],
        },
    )
    conn.refresh_from_db()
    assert connection_credentials(conn)["api_key"] == API_KEY and conn.allowed_fields == ["charges.amount"]


def test_bad_env_lines_are_refused_with_a_clear_error(admin_client_):
    url = reverse("integrations:connection_create") + "?kind=hubspot"
    response = admin_client_.post(url, {"name": "HubSpot", "credentials_env_text": "just-a-token"})
    assert response.status_code == 200 and "write credential=ENV_VARIABLE" in response.content.decode()
    assert not Connection.objects.exists()


def test_test_button_reports_success_and_failure(admin_client_, standin):  # noqa: F811
    account = StripeAccount({"customer": {"id": "cus_x", "object": "customer"}})
    account.add("customer", id="cus_1")
    server = standin(account.routes())
    conn = _stripe(base_url=server.url, options={"backoff": 0.01, "retries": 0})
    url = reverse("integrations:connection_test", args=[conn.pk])

    ok = admin_client_.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-test-ok="true"' in ok and "Connected (stripe)" in ok and "healthy" in ok

    connection_set_credentials(connection=conn, values={"api_key": "sk_test_wrong_000000000000"})
    failed = admin_client_.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-test-ok="false"' in failed and "AuthenticationError" in failed and "failing" in failed
    conn.refresh_from_db()
    assert conn.healthy is False
    calls = admin_client_.get(reverse("integrations:connection_calls", args=[conn.pk]) + "?failed=1").content.decode()
    assert "customers.list" in calls and calls.count("data-call-id=") == 1


def test_forms_per_kind(admin_client_):
    create = reverse("integrations:connection_create")
    local = admin_client_.get(create + "?kind=local&service=crm").content.decode()
    assert 'value="account.owner.name"' in local and "Credentials</h2>" not in local
    slack = admin_client_.get(create + "?kind=slack").content.decode()
    assert "Bot token" in slack and "Signing secret" in slack and "dotted paths, one per line" in slack
    salesforce = admin_client_.get(create + "?kind=salesforce").content.decode()
    assert "Session id" in salesforce and "CA bundle file" in salesforce
    assert admin_client_.get(create + "?kind=ftp").status_code == 404
    response = admin_client_.post(
        create + "?kind=local&service=billing",
        {"name": "Demo billing", "service": "billing", "enabled": "on", "allowed_fields_choice": ["charges.id"]},
    )
    assert response.status_code == 302
    assert Connection.objects.get(name="Demo billing").allowed_fields == ["charges.id"]
