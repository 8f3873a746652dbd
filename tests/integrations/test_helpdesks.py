"""Helpdesks against local stand-ins serving Zendesk, Freshdesk and Intercom API shapes (httpx, real HTTP)."""

from __future__ import annotations

import base64
import json

import pytest

from apps.core.errors import ValidationError
from apps.integrations.connections import connection_set_credentials
from apps.integrations.helpdesks import (
    helpdesk_export_rows,
    helpdesk_import,
    helpdesk_reply_post,
    helpdesk_rows_import,
)
from apps.integrations.models import CallLog, Connection
from apps.tickets.models import Ticket
from tests.factories import TicketFactory
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply

pytestmark = pytest.mark.django_db

ZD_PAGE_1 = {
    "tickets": [
        {
            "id": 101,
            "subject": "Cannot log in",
            "description": "I get logged out on my laptop.",
            "status": "open",
            "priority": "high",
            "requester_id": 9,
            "created_at": "2026-11-01T09:30:00Z",
            "via": {"channel": "email"},
            "tags": ["login"],
        },
        {
            "id": 102,
            "subject": "Invoice copy",
            "description": "Please send the October invoice.",
            "status": "solved",
            "priority": None,
            "requester_id": 10,
            "created_at": "2026-11-02T10:00:00Z",
            "via": {"channel": "web"},
            "tags": [],
        },
    ],
    "users": [
        {"id": 9, "name": "Maya Chen", "email": "maya@shop.test"},
        {"id": 10, "name": "Li", "email": "li@x.test"},
    ],
    "after_cursor": "cur-2",
    "end_of_stream": False,
}
ZD_PAGE_2 = {
    "tickets": [
        {
            "id": 103,
            "subject": "Hold",
            "description": "Waiting on a fix",
            "status": "hold",
            "requester_id": 9,
            "created_at": "2026-11-03T10:00:00Z",
            "via": {"channel": "voice"},
        }
    ],
    "users": [{"id": 9, "name": "Maya Chen", "email": "maya@shop.test"}],
    "after_cursor": None,
    "end_of_stream": True,
}


@pytest.fixture
def zendesk(standin):  # noqa: F811
    def incremental(req):
        return ZD_PAGE_2 if req.query.get("cursor") == ["cur-2"] else ZD_PAGE_1

    def comment(req):
        return {"ticket": {"id": int(req.params["id"]), "status": "open"}}

    server = standin(
        {
            ("GET", r"/api/v2/incremental/tickets/cursor\.json"): incremental,
            ("PUT", r"/api/v2/tickets/(?P<id>\d+)\.json"): comment,
        }
    )
    conn = Connection.objects.create(
        kind="zendesk", name="Zendesk", base_url=server.url, options={"retries": 1, "backoff": 0.01}
    )
    connection_set_credentials(connection=conn, values={"email": "bot@acme.test", "api_token": "zd-token"})
    return server, conn


def test_zendesk_history_import_through_the_pipeline_is_idempotent(zendesk):
    server, conn = zendesk
    result = helpdesk_import(connection=conn, since=0)
    assert (result.imported, result.source) == (3, "zendesk")
    first = server.hits("GET")[0]
    assert first.query["include"] == ["users"] and first.query["start_time"] == ["0"]
    assert first.headers["authorization"] == "Basic " + base64.b64encode(b"bot@acme.test/token:zd-token").decode()
    login = Ticket.objects.get(source="zendesk", external_id="101")
    assert (login.priority, login.contact.email, login.channel) == ("high", "maya@shop.test", "email")
    assert Ticket.objects.get(external_id="102").status == "resolved"
    assert Ticket.objects.get(external_id="103").channel == "phone"
    assert helpdesk_import(connection=conn, since=0).imported == 0  # a second run stores nothing twice
    assert Ticket.objects.filter(source="zendesk").count() == 3


def test_zendesk_public_reply_and_internal_note(zendesk):
    server, conn = zendesk
    ticket = TicketFactory(source="zendesk", external_id="101")
    assert helpdesk_reply_post(ticket=ticket, text="We are looking into it.", public=True).ok
    assert helpdesk_reply_post(ticket=ticket, text="Linked to SUP-1", public=False).ok
    bodies = [r.json for r in server.hits("PUT", r"/api/v2/tickets/101\.json")]
    assert bodies == [
        {"ticket": {"comment": {"body": "We are looking into it.", "public": True}}},
        {"ticket": {"comment": {"body": "Linked to SUP-1", "public": False}}},
    ]


def test_vendor_500_is_a_recorded_failure(zendesk):
    server, conn = zendesk
    server.route("PUT", r"/api/v2/tickets/(?P<id>\d+)\.json", Reply(500, {"error": "InternalError"}))
    result = helpdesk_reply_post(ticket=TicketFactory(source="zendesk", external_id="5"), text="Hi", public=True)
    assert not result.ok and "500" in result.error and "2 attempt" in result.error
    assert len(server.hits("PUT")) == 2  # one bounded retry
    conn.refresh_from_db()
    assert conn.healthy is False and CallLog.objects.filter(connection=conn, ok=False).count() == 1
    with pytest.raises(ValidationError, match="not a helpdesk"):
        helpdesk_reply_post(ticket=TicketFactory(source="email"), text="Hi")


def test_freshdesk_pages_and_replies(standin):  # noqa: F811
    def tickets(req):
        page = int(req.query["page"][0])
        if page == 1:
            return [
                {
                    "id": i,
                    "subject": f"T{i}",
                    "description_text": f"Body {i}",
                    "status": 2,
                    "priority": 3,
                    "source": 7,
                    "created_at": "2026-11-01T09:00:00Z",
                    "requester": {"email": f"c{i}@acme.test", "name": f"C{i}"},
                }
                for i in range(1, 101)
            ]
        return [
            {
                "id": 101,
                "subject": "Last",
                "description_text": "Body",
                "status": 5,
                "priority": 1,
                "source": 1,
                "created_at": "2026-11-01T09:00:00Z",
                "requester": {"email": "z@acme.test"},
            }
        ]

    server = standin(
        {
            ("GET", r"/api/v2/tickets"): tickets,
            ("POST", r"/api/v2/tickets/(?P<id>\d+)/reply"): Reply(201, {"id": 5001, "body": "x"}),
            ("POST", r"/api/v2/tickets/(?P<id>\d+)/notes"): Reply(201, {"id": 5002, "private": True}),
        }
    )
    conn = Connection.objects.create(kind="freshdesk", name="Freshdesk", base_url=server.url)
    connection_set_credentials(connection=conn, values={"api_key": "fd-key"})
    assert helpdesk_import(connection=conn, since="2026-01-01T00:00:00Z").imported == 101
    assert [r.query["page"] for r in server.hits("GET")] == [["1"], ["2"]]
    assert server.hits("GET")[0].headers["authorization"] == "Basic " + base64.b64encode(b"fd-key:X").decode()
    first = Ticket.objects.get(source="freshdesk", external_id="1")
    assert (first.channel, first.priority, first.status) == ("chat", "high", "open")
    assert Ticket.objects.get(source="freshdesk", external_id="101").status == "closed"
    reply = helpdesk_reply_post(ticket=first, text="Hello", public=True)
    note = helpdesk_reply_post(ticket=first, text="Internal", public=False)
    assert (reply.external_id, note.external_id) == ("5001", "5002")
    assert server.hits("POST", r"/api/v2/tickets/1/notes")[0].json == {"body": "Internal", "private": True}


def test_intercom_cursor_pages_and_reply(standin):  # noqa: F811
    def conversations(req):
        if req.query.get("starting_after") == ["c2"]:
            return {
                "type": "conversation.list",
                "conversations": [
                    {
                        "id": "3",
                        "created_at": 1733040000,
                        "state": "closed",
                        "source": {
                            "body": "<p>Thanks!</p>",
                            "delivered_as": "customer_initiated",
                            "author": {"email": "c@acme.test"},
                        },
                    }
                ],
                "pages": {"next": None},
            }
        return {
            "type": "conversation.list",
            "conversations": [
                {
                    "id": str(i),
                    "created_at": 1733040000,
                    "state": "open",
                    "priority": "priority",
                    "tags": {"tags": [{"name": "vip"}]},
                    "source": {
                        "subject": "",
                        "body": f"<p>Help {i}</p>",
                        "delivered_as": "email",
                        "author": {"email": f"u{i}@acme.test", "name": "U"},
                    },
                }
                for i in (1, 2)
            ],
            "pages": {"next": {"starting_after": "c2"}},
        }

    server = standin(
        {
            ("GET", r"/conversations"): conversations,
            ("POST", r"/conversations/(?P<id>\w+)/reply"): lambda req: {
                "type": "conversation",
                "id": req.params["id"],
            },
        }
    )
    conn = Connection.objects.create(kind="intercom", name="Intercom", base_url=server.url, options={"admin_id": "42"})
    connection_set_credentials(connection=conn, values={"access_token": "ic-token"})
    assert helpdesk_import(connection=conn).imported == 3
    assert server.hits("GET")[0].headers["authorization"] == "Bearer ic-token"
    one = Ticket.objects.get(source="intercom", external_id="1")
    assert (one.priority, one.channel, one.tags, one.messages.first().body) == ("high", "email", ["vip"], "Help 1")
    assert helpdesk_reply_post(ticket=one, text="Noted", public=False).ok
    assert server.hits("POST")[0].json == {"message_type": "note", "type": "admin", "admin_id": "42", "body": "Noted"}


def test_export_file_rows(tmp_path):
    path = tmp_path / "export.json"
    path.write_text("\n".join(json.dumps(t) for t in ZD_PAGE_1["tickets"]), encoding="utf-8")  # Zendesk ndjson
    rows = helpdesk_export_rows(provider="zendesk", path=path)
    assert [r["external_id"] for r in rows] == ["101", "102"]
    assert helpdesk_rows_import(provider="zendesk", rows=rows).imported == 2
    with pytest.raises(ValidationError, match="no tickets"):
        helpdesk_rows_import(provider="zendesk", rows=[])


def test_helpdesk_import_command(zendesk, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("helpdesk_import", connection="Zendesk", stdout=out)
    assert "3 tickets imported" in out.getvalue()
    path = tmp_path / "freshdesk.json"
    path.write_text(json.dumps([{"id": 9, "subject": "S", "description_text": "Hello", "status": 2}]), "utf-8")
    call_command("helpdesk_import", provider="freshdesk", file=path, stdout=out)
    assert Ticket.objects.filter(source="freshdesk", external_id="9").exists()
    with pytest.raises(CommandError, match="either"):
        call_command("helpdesk_import")


def test_connection_test_button_for_zendesk(zendesk):
    from apps.integrations.connections import connection_test

    server, conn = zendesk
    server.route("GET", r"/api/v2/users/me\.json", {"user": {"id": 1, "email": "bot@acme.test", "role": "admin"}})
    ok, message = connection_test(connection=conn)
    assert ok and "bot@acme.test" in message
    server.route("GET", r"/api/v2/users/me\.json", Reply(401, {"error": "Couldn't authenticate you"}))
    ok, message = connection_test(connection=conn)
    assert not ok and "401" in message


def test_sent_replies_are_posted_back_once(zendesk, django_capture_on_commit_callbacks):
    from apps.integrations.helpdesks.delivery import helpdesk_message_deliver
    from apps.integrations.models import HelpdeskPost
    from apps.tickets.services.replies import reply_send

    server, _ = zendesk
    ticket = TicketFactory(source="zendesk", external_id="101")
    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_send(ticket=ticket, body="We are on it.", author_kind="ai")
        note = reply_send(ticket=ticket, body="Bug SUP-1 linked", author_kind="ai", is_internal=True)
        reply_send(ticket=TicketFactory(source="email"), body="Hello", author_kind="ai")  # not a helpdesk ticket
    comments = [r.json["ticket"]["comment"] for r in server.hits("PUT")]
    assert comments == [{"body": "We are on it.", "public": True}, {"body": "Bug SUP-1 linked", "public": False}]
    assert helpdesk_message_deliver(message=reply).ok and len(server.hits("PUT")) == 2  # never posted twice
    assert HelpdeskPost.objects.get(message=note).public is False

    server.route("PUT", r"/api/v2/tickets/(?P<id>\d+)\.json", Reply(500, {"error": "down"}))
    with django_capture_on_commit_callbacks(execute=True):
        failed = reply_send(ticket=ticket, body="Second reply", author_kind="agent")
    post = HelpdeskPost.objects.get(message=failed)
    assert not post.ok and "500" in post.error
    server.route("PUT", r"/api/v2/tickets/(?P<id>\d+)\.json", {"ticket": {"id": 101}})
    assert helpdesk_message_deliver(message=failed).ok
    post.refresh_from_db()
    assert post.ok and post.attempts == 2
