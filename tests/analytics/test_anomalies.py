"""Anomaly scan: spikes counted across distinct customers, duplicates ignored, one alert and issue per spike."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

import apps.analytics.anomalies as anomalies
from apps.analytics.anomalies import anomalies_scan, spikes_find
from apps.analytics.models import Anomaly
from apps.tickets.choices import AuthorKind
from tests.factories import ContactFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


@dataclass
class Link:
    url: str


@pytest.fixture
def sent(monkeypatch):
    """Record what would go to Slack and the tracker (the connectors' functions, same keyword contract)."""
    calls = {"alerts": [], "issues": []}

    def alert_post(*, key, text, counts, links):
        calls["alerts"].append({"key": key, "text": text, "counts": counts, "links": links})
        return True

    def bug_report(*, signature, summary, steps, ticket, customers=1):
        calls["issues"].append({"signature": signature, "ticket": ticket, "customers": customers})
        return Link(url=f"https://tracker.example/issues/{len(calls['issues'])}")

    monkeypatch.setattr(anomalies, "_integrations", lambda: (alert_post, bug_report))
    return calls


def _report(contact, at, body="Checkout fails with error E1042 again", ticket=None):
    ticket = ticket or TicketFactory(contact=contact, organization=contact.organization, created_at=at)
    MessageFactory(ticket=ticket, author_kind=AuthorKind.CUSTOMER, body=body, created_at=at)
    return ticket


def test_duplicates_do_not_make_a_spike(sent):
    now = timezone.now()
    one, two = ContactFactory(), ContactFactory()
    ticket = _report(one, now - timedelta(minutes=30))
    for minutes in (29, 28, 27):  # the same message delivered again, and the same customer writing again
        _report(one, now - timedelta(minutes=minutes), ticket=ticket)
    for minutes in (20, 10):
        _report(one, now - timedelta(minutes=minutes))
    _report(two, now - timedelta(minutes=5))
    assert spikes_find(now=now) == []  # 2 distinct customers, under the minimum
    assert anomalies_scan(now=now) == [] and sent == {"alerts": [], "issues": []}


def test_a_spike_across_customers_alerts_once(sent):
    now = timezone.now()
    _report(ContactFactory(), now - timedelta(days=3))  # the baseline: one report in a week
    contacts = [ContactFactory() for _ in range(4)]
    tickets = [_report(c, now - timedelta(minutes=50 - 5 * i)) for i, c in enumerate(contacts)]
    _report(contacts[0], now - timedelta(minutes=2), body="still error E1042", ticket=tickets[0])  # duplicate

    (spike,) = spikes_find(now=now)
    assert (spike.kind, spike.key, spike.customers, spike.tickets) == ("signature", "e1042", 4, 4)
    assert spike.baseline == pytest.approx(1 / 168, rel=0.01) and spike.p_value < 1e-6

    created = anomalies_scan(now=now)
    assert len(created) == 1 and Anomaly.objects.count() == 1
    anomaly = created[0]
    assert anomaly.alert_sent and anomaly.tracker_url == "https://tracker.example/issues/1" and anomaly.error == ""
    assert sent["alerts"][0]["counts"]["customers"] == 4 and sent["alerts"][0]["links"] == [anomaly.tracker_url]
    assert sent["issues"][0]["signature"] == "signature:e1042" and sent["issues"][0]["ticket"] in tickets

    # ten minutes later the spike goes on with a fifth customer: same anomaly, no second alert or issue
    _report(ContactFactory(), now + timedelta(minutes=5))
    assert anomalies_scan(now=now + timedelta(minutes=10)) == []
    assert Anomaly.objects.count() == 1 and len(sent["alerts"]) == 1 and len(sent["issues"]) == 1
    anomaly.refresh_from_db()
    assert anomaly.customers == 5


def test_missing_integrations_are_recorded_not_raised(monkeypatch):
    monkeypatch.setattr(anomalies, "_integrations", lambda: (None, None))
    now = timezone.now()
    for i in range(3):
        _report(ContactFactory(), now - timedelta(minutes=10 + i))
    (anomaly,) = anomalies_scan(now=now)
    assert not anomaly.alert_sent and "not installed" in anomaly.error


def test_anomalies_show_on_the_category_dashboard(lead_client, sent):
    now = timezone.now()
    for i in range(3):
        _report(ContactFactory(), now - timedelta(minutes=10 + i))
    anomalies_scan(now=now)
    html = lead_client.get("/analytics/metrics/").content.decode()
    assert "e1042" in html and "https://tracker.example/issues/1" in html


def test_a_failed_tracker_call_is_recorded(monkeypatch):
    @dataclass
    class Failed:
        ok: bool = False
        url: str = ""
        error: str = "403 from the tracker"

    monkeypatch.setattr(anomalies, "_integrations", lambda: (lambda **kw: True, lambda **kw: Failed()))
    now = timezone.now()
    for i in range(3):
        _report(ContactFactory(), now - timedelta(minutes=10 + i))
    (anomaly,) = anomalies_scan(now=now)
    assert anomaly.alert_sent and anomaly.tracker_url == "" and "403 from the tracker" in anomaly.error
