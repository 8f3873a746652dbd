"""A spike end to end through the real integrations: the scan opens one Jira issue and posts one Slack alert on
local stand-ins, and the spike shows on the overview dashboard and the category dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.analytics.anomalies import anomalies_scan
from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import Connection, TrackerIssue
from tests.analytics.test_anomalies import _report
from tests.factories import ContactFactory
from tests.integrations.test_trackers import JiraProject
from tests.standins.fixtures import standin  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendors(standin):  # noqa: F811
    project = JiraProject()
    jira = standin(project.routes())
    project.url = jira.url
    conn = Connection.objects.create(
        kind="jira", name="Jira", base_url=jira.url, options={"project": "SUP", "retries": 1, "backoff": 0.01}
    )
    connection_set_credentials(connection=conn, values={"username": "bot@acme.test", "api_token": "jira-token"})
    slack = standin({("POST", r"/api/chat\.postMessage"): {"ok": True, "channel": "C0ALERTS", "ts": "1733.0001"}})
    conn = Connection.objects.create(
        kind="slack",
        name="Slack",
        base_url=slack.url + "/api/",
        options={"channel": "C0ALERTS", "retries": 1, "backoff": 0.01},
    )
    connection_set_credentials(connection=conn, values={"bot_token": "xoxb-test-token", "signing_secret": "s3cret"})
    return project, slack


def test_spike_opens_one_issue_and_one_alert_then_shows_on_the_dashboards(vendors, lead_client):
    project, slack = vendors
    now = timezone.now()
    contacts = [ContactFactory() for _ in range(4)]
    tickets = [_report(c, now - timedelta(minutes=50 - 5 * i)) for i, c in enumerate(contacts)]
    _report(contacts[0], now - timedelta(minutes=2), body="still error E1042", ticket=tickets[0])  # a duplicate

    (anomaly,) = anomalies_scan(now=now)
    assert anomaly.customers == 4 and anomaly.alert_sent and anomaly.error == ""
    assert len(project.issues) == 1 and anomaly.tracker_url.endswith("/browse/SUP-1")
    assert TrackerIssue.objects.get().external_key == "SUP-1"
    (post,) = slack.hits("POST")
    assert "e1042" in post.json["text"] and "SUP-1" in str(post.json["blocks"])

    _report(ContactFactory(), now + timedelta(minutes=5))  # the spike goes on: no second issue or alert
    assert anomalies_scan(now=now + timedelta(minutes=10)) == []
    assert len(project.issues) == 1 and len(slack.hits("POST")) == 1

    overview = lead_client.get("/analytics/").content.decode()
    assert 'data-anomaly="e1042"' in overview and "/browse/SUP-1" in overview and ">sent<" in overview
    assert "/browse/SUP-1" in lead_client.get("/analytics/metrics/").content.decode()
