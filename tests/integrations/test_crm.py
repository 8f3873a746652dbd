"""CRM clients on the vendors' SDKs (hubspot-api-client, simple-salesforce over TLS) against local stand-ins,
the local CRM over Organizations, and the sync that updates Organizations."""

import json
from datetime import date

import pytest

from apps.integrations.connections import connection_set_credentials
from apps.integrations.crm import DEFAULT_CRM_FIELDS
from apps.integrations.crm.sync import crm_sync
from apps.integrations.lookups import lookup_run
from apps.integrations.models import CallLog, Connection
from tests.factories import ContactFactory, OrganizationFactory, TicketFactory
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.hubspot import TOKEN, HubSpotPortal
from tests.standins.salesforce import SESSION, SalesforceOrg, ebikes_records
from tests.standins.server import Reply

pytestmark = pytest.mark.django_db
PHONE, STREET = "+1 617 555 0100", "480 Trapelo Road"


def _ticket(org):
    return TicketFactory(contact=ContactFactory(organization=org, email=f"ana@{org.domain}"), organization=org)


@pytest.fixture
def portal():
    p = HubSpotPortal()
    p.company(
        "501",
        name="Hike n Co.",
        domain="hike.example",
        account_status="active",
        tier="Business",
        plan="Business annual",
        contract_start_date="2025-02-01",
        contract_end_date="2026-01-31",
        hubspot_owner_id="77",
        phone=PHONE,
        address=STREET,
        city="Belmont",
        industry="Retail",
    )
    p.company("502", name="Unmatched Ltd", domain="nobody.example", account_status="churned")
    p.owner("77", "Jo", "Lee", "jo.lee@switchboard.example")
    p.note("501", "2025-10-02T09:00:00Z", "<p>QBR: asked about <b>SSO</b> rollout</p>")
    p.note("501", "2025-09-01T09:00:00Z", "Renewal call")
    return p


def _hubspot(server, **options):
    conn = Connection.objects.create(
        kind="hubspot",
        name="HubSpot",
        base_url=server.url,
        options={"retries": 1, "backoff": 0.01, **options},
        allowed_fields=DEFAULT_CRM_FIELDS,
    )
    connection_set_credentials(connection=conn, values={"access_token": TOKEN})
    return conn


def test_hubspot_account_lookup_is_allow_listed(standin, portal):  # noqa: F811
    server = standin(portal.routes())
    conn = _hubspot(server)
    org = OrganizationFactory(name="Hike n Co.", domain="hike.example")

    result = lookup_run(name="crm.account", ticket=_ticket(org))

    assert result.ok and result.source == "hubspot", result.error
    account = result.facts["account"]
    assert account["status"] == "active" and account["tier"] == "Business" and account["plan"] == "Business annual"
    assert (account["contract_start"], account["contract_end"]) == ("2025-02-01", "2026-01-31")
    assert account["owner"] == {"name": "Jo Lee"}  # owner e-mail is not allow-listed by default
    assert account["activity"][0] == {
        "type": "note",
        "subject": "QBR: asked about SSO rollout",
        "status": None,
        "date": "2025-10-02",
    }
    dumped = json.dumps(result.facts)
    assert PHONE not in dumped and STREET not in dumped and "jo.lee@" not in dumped
    search = server.hits("POST", r"/crm/v3/objects/companies/search")[0].json
    assert search["filterGroups"][0]["filters"][0] == {
        "propertyName": "domain",
        "operator": "EQ",
        "value": "hike.example",
    }
    assert CallLog.objects.filter(connection=conn, ok=True, operation="owners.get").exists()


def test_hubspot_sync_updates_organizations(standin, portal, django_user_model):  # noqa: F811
    server = standin(portal.routes())
    conn = _hubspot(server)
    manager = django_user_model.objects.create_user("jo", email="jo.lee@switchboard.example", role="lead")
    org = OrganizationFactory(name="Hike N Co.", domain="hike.example", tier="pro", plan="")

    report = crm_sync(connection=conn)

    assert report.as_dict() == {"accounts": 2, "updated": 1, "unmatched": ["Unmatched Ltd"]}
    org.refresh_from_db()
    assert (org.tier, org.plan, org.account_status) == ("business", "Business annual", "active")
    assert (org.contract_start, org.contract_end) == (date(2025, 2, 1), date(2026, 1, 31))
    assert org.account_manager == manager and org.external_id == "501" and org.crm_synced_at
    assert org.crm_data["source"] == "hubspot" and len(org.crm_data["activity"]) == 2


def test_hubspot_503_gives_ok_false_and_unhealthy(standin, portal):  # noqa: F811
    routes = portal.routes()
    routes[("POST", r"/crm/v3/objects/companies/search")] = Reply(503, {"status": "error", "message": "down"})
    server = standin(routes)
    conn = _hubspot(server)

    result = lookup_run(name="crm.account", ticket=_ticket(OrganizationFactory(domain="hike.example")))

    assert not result.ok and "after 2 attempt" in result.error and result.facts == {}
    assert len(server.hits("POST", r"/crm/v3/objects/companies/search")) == 2
    conn.refresh_from_db()
    assert conn.healthy is False


@pytest.fixture
def sforg(shared_data):
    org = SalesforceOrg()
    ids = {}
    for n, rec in enumerate(ebikes_records(shared_data, "Accounts"), start=1):
        ident = f"001000000000{n:03d}AAA"
        ids[rec["attributes"]["referenceId"]] = ident
        fields = {k: v for k, v in rec.items() if k != "attributes"}
        slug = rec["Name"].lower().replace(" ", "").replace(".", "")
        org.add(
            "Account",
            Id=ident,
            Website=f"https://www.{slug}.example",
            Type="Customer - Direct",
            Tier__c="Enterprise",
            Plan__c="Enterprise annual",
            Industry="Retail",
            Phone=PHONE,
            Owner={"attributes": {"type": "User"}, "Name": "Jo Lee", "Email": "jo.lee@switchboard.example"},
            **fields,
        )
    for rec in ebikes_records(shared_data, "Cases"):
        fields = {k: v for k, v in rec.items() if k not in ("attributes", "AccountId")}
        org.add(
            "Case", AccountId=ids[rec["AccountId"].lstrip("@")], CreatedDate="2025-10-01T08:00:00.000+0000", **fields
        )
    org.add(
        "Contract",
        Id="800000000000001AAA",
        AccountId=ids["AccountRef3"],
        Status="Activated",
        StartDate="2025-03-01",
        EndDate="2027-02-28",
    )
    org.add(
        "Task", AccountId=ids["AccountRef3"], Subject="Renewal call", Status="Completed", ActivityDate="2025-09-15"
    )
    return org


@pytest.mark.dataset
def test_salesforce_lookup_and_sync_over_tls(standin, sforg):  # noqa: F811
    server = standin(sforg.routes(), tls=True)
    conn = Connection.objects.create(
        kind="salesforce",
        name="Salesforce",
        base_url=server.url,
        allowed_fields=DEFAULT_CRM_FIELDS,
        options={"ca_bundle": server.ca_pem, "fields": {"tier": "Tier__c", "plan": "Plan__c"}, "backoff": 0.01},
    )
    connection_set_credentials(connection=conn, values={"session_id": SESSION})
    org = OrganizationFactory(name="Alpine Treckers", domain="alpinetreckers.example", tier="pro")

    result = lookup_run(name="crm.account", ticket=_ticket(org))

    assert result.ok and result.source == "salesforce", result.error
    account = result.facts["account"]
    assert (account["name"], account["tier"], account["status"]) == (
        "Alpine Treckers",
        "Enterprise",
        "Customer - Direct",
    )
    assert (account["contract_start"], account["contract_end"]) == ("2025-03-01", "2027-02-28")
    assert [a["type"] for a in account["activity"]] == ["case", "task"]
    assert "right color" in account["activity"][0]["subject"]
    assert "billing_address" not in account and PHONE not in json.dumps(result.facts)
    assert any("Website LIKE '%alpinetreckers.example%'" in q for q in sforg.queries)

    report = crm_sync(connection=conn)
    assert report.updated == 1 and report.accounts == 3
    org.refresh_from_db()
    assert (org.tier, org.external_id, org.contract_end) == ("enterprise", "001000000000003AAA", date(2027, 2, 28))


def test_local_crm_reads_organizations(django_user_model):
    manager = django_user_model.objects.create_user(
        "am", email="am@switchboard.example", first_name="Al", last_name="Manager", role="lead"
    )
    org = OrganizationFactory(
        tier="enterprise",
        plan="Enterprise",
        account_manager=manager,
        account_status="active",
        contract_end=date(2027, 1, 1),
    )
    ticket = _ticket(org)
    ticket.subject = "SSO setup"
    ticket.save()

    result = lookup_run(name="crm.account", ticket=ticket)

    assert result.ok and result.source == "local"
    account = result.facts["account"]
    assert (account["tier"], account["owner"], account["contract_end"]) == (
        "enterprise",
        {"name": "Al Manager"},
        "2027-01-01",
    )
    assert account["activity"][0]["subject"] == "SSO setup"


def test_crm_sync_command_reports_and_refuses_unknown_connections(standin, portal):  # noqa: F811
    from io import StringIO

    from django.core.management import CommandError, call_command

    server = standin(portal.routes())
    _hubspot(server)
    OrganizationFactory(name="Hike n Co.", domain="hike.example")
    out = StringIO()
    call_command("crm_sync", "--connection", "HubSpot", stdout=out)
    assert "2 CRM accounts read, 1 organizations updated, 1 unmatched" in out.getvalue()
    with pytest.raises(CommandError, match="No CRM connection named 'Nope'"):
        call_command("crm_sync", "--connection", "Nope")


def test_hubspot_timeout_is_retried_only_by_us(standin, portal):  # noqa: F811
    from apps.integrations.crm.hubspot_client import HubSpotCRM

    routes = portal.routes()
    routes[("GET", r"/crm/v3/objects/companies")] = Reply(200, {"results": []}, delay=1.0)
    server = standin(routes)
    conn = _hubspot(server, timeout=0.2, retries=1)

    with pytest.raises(Exception, match="after 2 attempt"):
        HubSpotCRM(conn).ping()

    assert len(server.hits("GET", r"/crm/v3/objects/companies")) == 2  # no hidden urllib3 retries
    assert "timed out" in CallLog.objects.get(connection=conn, ok=False).error.lower()


@pytest.mark.dataset
def test_salesforce_timeout_gives_ok_false(standin, sforg):  # noqa: F811
    routes = sforg.routes()
    routes[("GET", r"/services/data/v[\d.]+/query/?")] = Reply(200, {"records": []}, delay=1.0)
    server = standin(routes, tls=True)
    conn = Connection.objects.create(
        kind="salesforce",
        name="SF slow",
        base_url=server.url,
        options={"ca_bundle": server.ca_pem, "timeout": 0.2, "retries": 0},
    )
    connection_set_credentials(connection=conn, values={"session_id": SESSION})

    result = lookup_run(name="crm.account", ticket=_ticket(OrganizationFactory(domain="slow.example")))

    assert not result.ok and "ReadTimeout" in result.error and "after 1 attempt" in result.error
    conn.refresh_from_db()
    assert conn.healthy is False
