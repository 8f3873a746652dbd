"""Outgoing handoff webhooks against a real HTTP server on 127.0.0.1 (signed, retried, idempotent), the handoff
package over the API, and the sweep's schedule registration."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils.dateparse import parse_datetime
from django_q.models import Schedule

from apps.escalation.defaults import escalation_defaults_ensure
from apps.escalation.models import Handoff, WebhookDelivery, WebhookEndpoint
from apps.escalation.services import handoff_claim, handoff_create
from apps.escalation.webhooks import SIGNATURE_HEADER, webhook_deliver
from tests.factories import MessageFactory, QueueFactory, TicketFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A local webhook receiver answering with the queued statuses (then 200) and recording every request."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/handoffs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def start(*statuses):
        made.append(Receiver(statuses))
        return made[-1]

    yield start
    for r in made:
        r.close()


def escalate(ticket=None):
    ticket = ticket or TicketFactory(subject="Charged twice")
    MessageFactory(ticket=ticket, body="I was charged twice for March")
    return handoff_create(ticket=ticket, queue_slug="billing", reason="hard trigger: refund", priority="high")


def test_a_new_handoff_is_posted_signed_to_the_endpoint(receiver, django_capture_on_commit_callbacks, settings):
    hook = receiver()
    WebhookEndpoint.objects.create(name="crm", url=hook.url, secret="s3cret")

    with django_capture_on_commit_callbacks(execute=True):
        handoff = escalate()

    (request,) = hook.requests
    expected = "sha256=" + hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"][SIGNATURE_HEADER] == expected
    payload = json.loads(request["body"])
    assert payload["event"] == "handoff.created" and payload["handoff"]["id"] == handoff.pk
    package = payload["handoff"]["package"]
    assert package["conversation"][0]["body"] == "I was charged twice for March"
    assert package["why"]["reason"] == "hard trigger: refund" and package["priority"] == "high"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 1, 200)


def test_failures_are_retried_a_bounded_number_of_times(receiver, django_capture_on_commit_callbacks, settings):
    settings.ESCALATION_WEBHOOK_ATTEMPTS = 3
    flaky = receiver(503, 500)
    WebhookEndpoint.objects.create(name="flaky", url=flaky.url, secret="k")
    down = receiver(500, 500, 500, 500)
    WebhookEndpoint.objects.create(name="down", url=down.url, secret="k")

    with django_capture_on_commit_callbacks(execute=True):
        escalate()

    by_name = {d.endpoint.name: d for d in WebhookDelivery.objects.select_related("endpoint")}
    assert (by_name["flaky"].status, by_name["flaky"].attempts) == ("delivered", 3)
    assert (by_name["down"].status, by_name["down"].attempts, by_name["down"].last_error) == ("failed", 3, "HTTP 500")
    assert len(down.requests) == 3
    assert webhook_deliver(delivery_id=by_name["flaky"].pk).attempts == 3  # delivered: not sent again
    assert len(flaky.requests) == 3


def test_client_errors_fail_at_once_and_claims_notify(receiver, django_capture_on_commit_callbacks, agent_user):
    hook = receiver(404)
    WebhookEndpoint.objects.create(name="x", url=hook.url, secret="k", events=["handoff.updated"])
    with django_capture_on_commit_callbacks(execute=True):
        handoff = escalate()
    assert hook.requests == []  # subscribed to updates only

    with django_capture_on_commit_callbacks(execute=True):
        handoff_claim(handoff_id=handoff.pk, user=agent_user)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.status, delivery.attempts) == ("handoff.updated", "failed", 1)


def test_the_api_returns_the_package_with_sla_and_routing(agent_client):
    escalation_defaults_ensure()
    QueueFactory(slug="billing")
    ticket = TicketFactory(organization__tier="enterprise", contact__organization__tier="enterprise")
    handoff = escalate(ticket)

    body = agent_client.get(f"/api/v1/handoffs/{handoff.pk}/").json()

    assert body["queue"] == "billing" and body["priority"] == "high"
    assert body["sla_due_at"] is not None
    package = body["package"]
    assert package["sla"]["policy"] == "Enterprise" and package["sla"]["first_response_minutes"] == 60
    assert package["routing"]["queue"] == "billing" and package["routing"]["assignment"]
    assert package["conversation"][0]["body"] == "I was charged twice for March"
    assert Handoff.objects.get().sla_due_at == parse_datetime(body["sla_due_at"])


def test_setup_schedules_registers_the_every_minute_sweep():
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115
    schedule = Schedule.objects.get(name="escalation-soft-triggers-sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "apps.escalation.tasks.soft_triggers_sweep_task",
        Schedule.MINUTES,
        1,
    )
    call_command("setup_schedules", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Schedule.objects.filter(name="escalation-soft-triggers-sweep").count() == 1
