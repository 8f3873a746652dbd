"""Connections: credentials encrypted at rest, masked when shown, env credentials, health and the call log."""

import pytest
from cryptography.fernet import Fernet

from apps.core.errors import ValidationError
from apps.integrations.connections import (
    connection_credentials,
    connection_for,
    connection_set_credentials,
    credentials_masked,
    recorded_call,
)
from apps.integrations.models import CallLog, Connection

pytestmark = pytest.mark.django_db

SECRET = "sk_test_51NotARealKeyButLongEnough"


def test_credentials_are_encrypted_at_rest_and_masked(monkeypatch):
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    conn = Connection.objects.create(kind="stripe", name="Stripe live")
    connection_set_credentials(connection=conn, values={"api_key": SECRET})
    conn.refresh_from_db()
    assert conn.service == "billing"
    assert SECRET not in conn.credentials_encrypted and conn.credentials_encrypted
    assert connection_credentials(conn) == {"api_key": SECRET}
    shown = credentials_masked(conn)["api_key"]
    assert shown == "••••ough"  # only the last four characters
    # a blank value in a write-only form keeps the stored secret
    connection_set_credentials(connection=conn, values={"api_key": ""})
    assert connection_credentials(conn) == {"api_key": SECRET}
    # another key cannot read it: a clear error, nothing lost
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", Fernet.generate_key().decode())
    with pytest.raises(ValidationError, match="cannot be decrypted"):
        connection_credentials(conn)


@pytest.mark.parametrize(
    "secret,shown",
    [
        ("whsec_tester", "••••"),  # 12 characters: nothing of it is shown
        ("0123456789abcde", "••••"),  # 15: still nothing
        ("0123456789abcdef", "••••cdef"),  # 16 and longer: the last four only
        ("whsec_0123456789abcdefghijklmnopqrstuv", "••••stuv"),
        ("", ""),
    ],
)
def test_mask_shows_at_most_the_last_four_and_nothing_of_short_secrets(secret, shown):
    from apps.integrations.connections import mask

    assert mask(secret) == shown


def test_the_edit_screen_never_shows_the_start_of_a_secret(admin_client_):
    from django.urls import reverse

    conn = Connection.objects.create(kind="stripe", name="Stripe", enabled=False)
    connection_set_credentials(connection=conn, values={"api_key": SECRET, "webhook_secret": "whsec_tester"})
    page = admin_client_.get(reverse("integrations:connection_edit", args=[conn.pk])).content.decode()
    assert "Stored: •••• — leave blank" in page and "Stored: ••••ough — leave blank" in page
    assert "whse" not in page and "sk_t" not in page and "ster" not in page


def test_environment_credentials_win_and_show_only_the_variable(monkeypatch):
    monkeypatch.setenv("SB_TEST_HUBSPOT_TOKEN", "pat-na1-0000-secret")
    env = {"token": "SB_TEST_HUBSPOT_TOKEN"}
    conn = Connection.objects.create(kind="hubspot", name="HubSpot", credentials_env=env)
    assert connection_credentials(conn) == {"token": "pat-na1-0000-secret"}
    assert credentials_masked(conn) == {"token": "env:SB_TEST_HUBSPOT_TOKEN"}


def test_recorded_call_updates_health_and_log():
    conn = Connection.objects.create(kind="local", service="billing", name="Demo billing")
    assert conn.healthy is None
    with recorded_call(conn, "charges.list"):
        pass
    with pytest.raises(RuntimeError), recorded_call(conn, "charges.list"):
        raise RuntimeError("boom")
    conn.refresh_from_db()
    assert conn.healthy is False and "boom" in conn.last_error
    assert list(CallLog.objects.filter(connection=conn).order_by("pk").values_list("ok", flat=True)) == [True, False]


def test_connection_for_prefers_vendor_and_respects_categories():
    local = Connection.objects.create(kind="local", service="billing", name="Demo billing")
    stripe = Connection.objects.create(kind="stripe", name="Stripe", allowed_categories=["billing"])
    assert connection_for(service="billing", category_slug="billing") == stripe
    assert connection_for(service="billing", category_slug="bug-report") == local
    stripe.enabled = False
    stripe.save()
    assert connection_for(service="billing", category_slug="billing") == local
    assert connection_for(service="crm") is None


def test_lookup_run_never_raises_and_respects_category_allow_list():
    from apps.core.errors import ValidationError as AppValidationError
    from apps.integrations.connections import connections_ensure_local
    from apps.integrations.crm.sync import crm_sync
    from apps.integrations.lookups import lookup_run
    from tests.factories import TicketFactory

    ticket = TicketFactory()
    unknown = lookup_run(name="billing.everything", ticket=ticket)
    assert not unknown.ok and "unknown lookup" in unknown.error

    # no connection at all: the local demo backend answers (nothing billed yet → no_charges, escalate)
    local = lookup_run(name="billing.summary", ticket=ticket)
    assert local.ok and local.source == "local"
    assert (local.facts["explanation"]["shape"], local.facts["explanation"]["escalate"]) == ("no_charges", True)

    created = connections_ensure_local()
    assert sorted(c.service for c in created) == ["billing", "crm"] and connections_ensure_local() == []
    billing = Connection.objects.get(service="billing")
    billing.allowed_categories = ["billing/double-charge"]
    billing.save()
    refused = lookup_run(name="billing.summary", ticket=ticket, category_slug="bug-report")
    assert not refused.ok and "no enabled billing connection may be used" in refused.error
    assert lookup_run(name="billing.summary", ticket=ticket, category_slug="billing/double-charge").ok

    # a Stripe connection without a key: ok=False, recorded on the connection, no exception
    stripe = Connection.objects.create(kind="stripe", name="Stripe without key")
    broken = lookup_run(name="billing.charges", ticket=ticket, category_slug="billing/double-charge")
    assert not broken.ok and "no Stripe api_key" in broken.error
    stripe.refresh_from_db()
    assert stripe.healthy is False and CallLog.objects.filter(connection=stripe, ok=False).count() == 1

    with pytest.raises(AppValidationError, match="nothing to sync"):
        crm_sync()
