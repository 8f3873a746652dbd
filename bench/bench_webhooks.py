"""Connector speed: how fast a signed webhook is answered (verify + store once + enqueue), how long its work takes
in the task, and what a ``bug_report`` costs with the local tracker.

    DB_NAME=sb_webhooks_bench .venv/bin/python bench/bench_webhooks.py [--deliveries 500] [--reports 300]

Uses the throwaway database ``DB_NAME`` (default ``sb_webhooks_bench``; its webhook deliveries, Zendesk tickets,
tracker issues and queued tasks are replaced). Timed:
- ``POST /api/v1/webhooks/zendesk/`` through the Django test client with a valid HMAC signature, one new ticket per
  delivery (the work is only enqueued: django-q2's ORM broker, no cluster running);
- the same deliveries again (duplicates: answered from the unique row, nothing enqueued);
- ``webhook_process`` per delivery (the task: ``ticket_receive`` with triage enqueued);
- ``bug_report`` with the local tracker: the first report of a signature and later reports linking tickets.
Goal: webhook answers p95 ≤ 50 ms (vendors time out at 10 s; Slack at 3 s).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_webhooks_bench")
os.environ["DJANGO_DEBUG"] = "false"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django_q.models import OrmQ  # noqa: E402

from apps.integrations.connections import connection_set_credentials  # noqa: E402
from apps.integrations.models import Connection, TrackerIssue, WebhookDelivery  # noqa: E402
from apps.integrations.trackers import bug_report  # noqa: E402
from apps.integrations.webhooks.tasks import webhook_process  # noqa: E402
from apps.tickets.models import Ticket  # noqa: E402

QUICK_ARGS = ["--deliveries", "200", "--reports", "100"]
SECRET = "bench-zendesk-secret"


def _row(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"| {name:<44} | {len(ms):>6} | {statistics.median(ms):>8.2f} | {p95:>8.2f} |"


def _signed(body: bytes) -> dict:
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())  # within the 5-minute signature tolerance
    sig = base64.b64encode(hmac.new(SECRET.encode(), ts.encode() + body, hashlib.sha256).digest()).decode()
    return {"HTTP_X_ZENDESK_WEBHOOK_SIGNATURE": sig, "HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP": ts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=500)
    parser.add_argument("--reports", type=int, default=300)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    WebhookDelivery.objects.all().delete()
    Ticket.objects.filter(source="zendesk", external_id__startswith="bench-").delete()
    TrackerIssue.objects.filter(signature__startswith="bench-").delete()
    Connection.objects.filter(name__in=["bench zendesk"]).delete()
    conn = Connection.objects.create(kind="zendesk", name="bench zendesk", base_url="http://127.0.0.1:9")
    connection_set_credentials(connection=conn, values={"webhook_secret": SECRET})
    client = Client()

    bodies = [
        json.dumps(
            {
                "ticket": {
                    "id": f"bench-{n}",
                    "subject": f"Checkout error {n}",
                    "description": "E-5031 when I click Pay",
                    "via": {"channel": "web"},
                    "requester": {"email": f"bench{n}@shop.test", "name": f"Customer {n}"},
                }
            }
        ).encode()
        for n in range(args.deliveries)
    ]
    first, again, work = [], [], []
    for n, body in enumerate(bodies):
        started = time.perf_counter()
        response = client.post(
            "/api/v1/webhooks/zendesk/",
            body,
            content_type="application/json",
            HTTP_X_ZENDESK_WEBHOOK_INVOCATION_ID=f"bench-inv-{n}",
            **_signed(body),
        )
        first.append(time.perf_counter() - started)
        assert response.status_code == 200 and response.json()["status"] == "accepted", response.content
    for n, body in enumerate(bodies):
        started = time.perf_counter()
        response = client.post(
            "/api/v1/webhooks/zendesk/",
            body,
            content_type="application/json",
            HTTP_X_ZENDESK_WEBHOOK_INVOCATION_ID=f"bench-inv-{n}",
            **_signed(body),
        )
        again.append(time.perf_counter() - started)
        assert response.json()["status"] == "duplicate"
    for delivery_id in WebhookDelivery.objects.values_list("pk", flat=True):
        started = time.perf_counter()
        assert webhook_process(delivery_id) == "processed"
        work.append(time.perf_counter() - started)

    tickets = list(Ticket.objects.filter(source="zendesk", external_id__startswith="bench-")[: args.reports])
    new_issue, linked = [], []
    for n, ticket in enumerate(tickets):
        signature = f"bench-{n // 10}"  # ten tickets per signature: 1 new issue + 9 links
        started = time.perf_counter()
        link = bug_report(signature=signature, summary="Checkout E-5031", steps="Click Pay", ticket=ticket)
        (new_issue if link.created else linked).append(time.perf_counter() - started)
        assert link.ok

    print(f"| {'step':<44} | {'count':>6} | {'p50 ms':>8} | {'p95 ms':>8} |")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 10}|{'-' * 10}|")
    print(_row("webhook answered: new delivery (enqueued)", first))
    print(_row("webhook answered: duplicate delivery", again))
    print(_row("task webhook_process (ticket_receive)", work))
    print(_row("bug_report local: first report (new issue)", new_issue))
    print(_row("bug_report local: later report (linked)", linked))
    print(
        f"\n{WebhookDelivery.objects.count()} deliveries stored for {2 * len(bodies)} requests; "
        f"{TrackerIssue.objects.filter(signature__startswith='bench-').count()} tracker issues for "
        f"{len(tickets)} reports"
    )
    OrmQ.objects.all().delete()  # the queued triage/webhook tasks of this throwaway database


if __name__ == "__main__":
    main()
