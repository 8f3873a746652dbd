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


def test_a_new_stripe_connection_starts_off_and_is_switched_on_only_after_a_passing_test(
    admin_client_,
    client,
    standin,  # noqa: F811
):
    from apps.integrations.connections import connection_for
    from apps.integrations.lookups import lookup_run
    from tests.factories import TicketFactory
    from tests.integrations.test_webhooks_malformed import signed_headers

    url = reverse("integrations:connection_create") + "?kind=stripe"
    page = admin_client_.get(url).content.decode()
    assert 'name="enabled"' not in page and "New connections start switched off" in page
    secret = "whsec_malformed_secret_0123456789"  # the secret signed_headers signs Stripe events with
    response = admin_client_.post(
        url,
        {"name": "Stripe live", "enabled": "on", "cred_api_key": API_KEY, "cred_webhook_secret": secret},
        follow=True,
    )
    conn = Connection.objects.get(name="Stripe live")
    assert conn.enabled is False  # a posted "enabled" is ignored on creation
    assert "It is switched off: run “Test connection”, then tick Enabled." in response.content.decode()

    # while off it takes over nothing: billing lookups stay on the local demo backend, its webhooks are refused
    assert connection_for(service="billing") is None
    result = lookup_run(name="billing.charges", ticket=TicketFactory())
    assert result.source == "local" and not CallLog.objects.filter(connection=conn).exists()
    body = b'{"id":"evt_1","object":"event","type":"invoice.paid"}'
    hook = client.post(
        "/api/v1/webhooks/stripe/", body, content_type="application/json", **signed_headers("stripe", body)
    )
    assert hook.status_code == 401 and "'Stripe live' is switched off" in hook.json()["error"]["message"]

    edit = reverse("integrations:connection_edit", args=[conn.pk])
    edit_page = admin_client_.get(edit).content.decode()
    assert "instead of the local demo backend" in edit_page and "only after a successful" in edit_page
    refused = admin_client_.post(edit, {"name": "Stripe live", "enabled": "on"}).content.decode()
    assert "Run “Test connection” first" in refused and "it has not been tested yet" in refused
    conn.refresh_from_db()
    assert conn.enabled is False

    account = StripeAccount({"customer": {"id": "cus_x", "object": "customer"}})
    account.add("customer", id="cus_1")
    conn.base_url = standin(account.routes()).url
    conn.options = {"retries": 0, "backoff": 0.01}
    conn.save()
    tested = admin_client_.post(reverse("integrations:connection_test", args=[conn.pk]), HTTP_HX_REQUEST="true")
    assert "Connected (stripe)" in tested.content.decode() and "tick Enabled and save" in tested.content.decode()
    assert admin_client_.post(edit, {"name": "Stripe live", "enabled": "on"}).status_code == 302
    conn.refresh_from_db()
    assert conn.enabled is True and connection_for(service="billing") == conn
    hook = client.post(
        "/api/v1/webhooks/stripe/", body, content_type="application/json", **signed_headers("stripe", body)
    )
    assert hook.status_code == 200


def test_switching_back_on_after_a_failed_call_needs_a_new_passing_test(admin_client_):
    conn = _stripe(enabled=False)
    CallLog.objects.create(connection=conn, operation="customers.list", duration_ms=3, ok=False, error="APIError")
    from apps.integrations.connections import connection_record_call

    connection_record_call(connection=conn, operation="ping", duration_ms=1, ok=False, error="AuthenticationError")
    edit = reverse("integrations:connection_edit", args=[conn.pk])
    refused = admin_client_.post(edit, {"name": "Stripe", "enabled": "on"}).content.decode()
    assert "its latest call failed" in refused
    connection_record_call(connection=conn, operation="ping", duration_ms=1, ok=True)
    assert admin_client_.post(edit, {"name": "Stripe", "enabled": "on"}).status_code == 302
    conn.refresh_from_db()
    assert conn.enabled is True
    # an enabled connection stays on when it is saved again, whatever its health
    connection_record_call(connection=conn, operation="ping", duration_ms=1, ok=False, error="APIError")
    assert admin_client_.post(edit, {"name": "Stripe", "enabled": "on"}).status_code == 302
