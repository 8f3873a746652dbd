"""Issue trackers against local stand-ins: the real ``jira`` package and httpx GraphQL calls for Linear."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection as db_connection

from apps.integrations.alerts import alert_post
from apps.integrations.connections import connection_set_credentials
from apps.integrations.models import AlertPost, CallLog, Connection, TrackerIssue
from apps.integrations.trackers import bug_report
from tests.factories import ContactFactory, TicketFactory
from tests.standins.fixtures import standin  # noqa: F401
from tests.standins.server import Reply

pytestmark = pytest.mark.django_db


class JiraProject:
    """Jira REST v2 shapes: create issue (201 id/key/self), get issue, add comment."""

    def __init__(self):
        self.issues: dict[str, dict] = {}
        self.comments: dict[str, list[str]] = {}
        self.url = ""

    def create(self, req):
        key = f"SUP-{len(self.issues) + 1}"
        self.issues[key] = {"id": str(10000 + len(self.issues)), "key": key, "fields": req.json["fields"]}
        return Reply(201, {"id": self.issues[key]["id"], "key": key, "self": f"{self.url}/rest/api/2/issue/{key}"})

    def get(self, req):
        issue = self.issues.get(req.params["key"])
        if not issue:
            return Reply(404, {"errorMessages": ["Issue does not exist"], "errors": {}})
        return {**issue, "self": f"{self.url}/rest/api/2/issue/{issue['key']}"}

    def comment(self, req):
        self.comments.setdefault(req.params["key"], []).append(req.json["body"])
        return Reply(201, {"id": "1", "body": req.json["body"], "self": f"{self.url}/comment/1"})

    def search(self, req):
        label = re.search(r'labels = "([^"]+)"', req.query["jql"][0]).group(1)
        found = [i for i in self.issues.values() if label in i["fields"]["labels"]]
        return {"startAt": 0, "maxResults": 1, "total": len(found), "issues": found[:1]}

    def routes(self):
        return {
            ("GET", r"/rest/api/2/field"): [],
            ("GET", r"/rest/api/2/search"): self.search,
            ("POST", r"/rest/api/2/issue"): self.create,
            ("GET", r"/rest/api/2/issue/(?P<key>[A-Z]+-\d+)"): self.get,
            ("POST", r"/rest/api/2/issue/(?P<key>[A-Z]+-\d+)/comment"): self.comment,
        }


@pytest.fixture
def jira(standin):  # noqa: F811
    project = JiraProject()
    server = standin(project.routes())
    project.url = server.url
    conn = Connection.objects.create(
        kind="jira", name="Jira", base_url=server.url, options={"project": "SUP", "retries": 1, "backoff": 0.01}
    )
    connection_set_credentials(connection=conn, values={"username": "bot@acme.test", "api_token": "jira-token-123"})
    return project, server, conn


def _tickets(n):
    return [TicketFactory(contact=ContactFactory()) for _ in range(n)]


def test_three_customers_same_signature_one_jira_issue_one_alert(jira, standin):  # noqa: F811
    project, server, conn = jira
    posted = []
    slack = standin(
        {
            ("POST", r"/api/chat.postMessage"): lambda req: (
                posted.append(req.form or req.json) or {"ok": True, "ts": "1.2"}
            )
        }
    )
    Connection.objects.create(kind="slack", name="Slack", base_url=slack.url + "/api/", options={"channel": "C1"})
    links = []
    for ticket in _tickets(3):
        link = bug_report(
            signature="E-5031", summary="Checkout throws E-5031 on Pay", steps="Click Pay", ticket=ticket
        )
        assert link.ok, link.error
        links.append(link)
        if link.customers >= 3:
            alert_post(key="spike:E-5031", text="E-5031 spike", counts={"customers": link.customers}, links=[link.url])

    assert len(project.issues) == 1 and TrackerIssue.objects.count() == 1
    issue = TrackerIssue.objects.get()
    assert (issue.external_key, issue.customers_count, issue.tickets.count()) == ("SUP-1", 3, 3)
    assert [lk.created for lk in links] == [True, False, False] and {lk.key for lk in links} == {"SUP-1"}
    fields = project.issues["SUP-1"]["fields"]
    assert fields["project"] == {"key": "SUP"} and "sb-sig-E-5031" in fields["labels"]
    assert "Error signature: E-5031" in fields["description"] and "Click Pay" in fields["description"]
    assert len(project.comments["SUP-1"]) == 2  # the 2nd and 3rd tickets are comments, not issues
    assert server.hits("POST", r"/rest/api/2/issue")[0].headers["authorization"].startswith("Basic ")
    # the alert: one Slack message even when asked again
    assert alert_post(key="spike:E-5031", text="E-5031 spike", counts={"customers": 3}, links=[]) is False
    assert len(posted) == 1 and AlertPost.objects.filter(ok=True).count() == 1
    assert CallLog.objects.filter(connection=conn, ok=True).count() == 3


def test_same_ticket_reported_twice_is_linked_once(jira):
    project, _, _ = jira
    ticket = TicketFactory()
    bug_report(signature="sig-a", summary="A", steps="", ticket=ticket)
    again = bug_report(signature="sig-a", summary="A", steps="", ticket=ticket, customers=14)
    assert not again.linked and again.customers == 14
    assert len(project.issues) == 1 and "SUP-1" not in project.comments


def test_vendor_500_is_a_recorded_failure_then_retried(jira):
    project, server, conn = jira
    server.route("POST", r"/rest/api/2/issue", Reply(500, {"errorMessages": ["Internal server error"]}))
    ticket = TicketFactory()
    link = bug_report(signature="E-9", summary="Crash", steps="", ticket=ticket)
    assert not link.ok and "500" in link.error and "2 attempt" in link.error
    issue = TrackerIssue.objects.get()
    assert issue.status == "failed" and issue.external_key == "" and "500" in issue.last_error
    conn.refresh_from_db()
    assert conn.healthy is False and CallLog.objects.filter(connection=conn, ok=False).count() == 1
    server.route("POST", r"/rest/api/2/issue", project.create)  # the vendor is back: the next report creates it
    link = bug_report(signature="E-9", summary="Crash", steps="", ticket=TicketFactory())
    assert link.ok and link.created and TrackerIssue.objects.get().status == "open" and len(project.issues) == 1


def test_bad_input_is_refused(jira):
    from apps.core.errors import ValidationError

    with pytest.raises(ValidationError, match="signature"):
        bug_report(signature="  ", summary="x", steps="", ticket=TicketFactory())


def test_linear_graphql_create_and_comment(standin):  # noqa: F811
    calls = []

    def graphql(req):
        body = req.json
        calls.append((req.headers["authorization"], body))
        if "IssueFind" in body["query"]:
            return {"data": {"issues": {"nodes": []}}}
        if "issueCreate" in body["query"]:
            inp = body["variables"]["input"]
            return {
                "data": {
                    "issueCreate": {
                        "success": True,
                        "issue": {
                            "id": "uuid-1",
                            "identifier": "ENG-7",
                            "url": "https://linear.app/acme/issue/ENG-7",
                            "t": inp,
                        },
                    }
                }
            }
        return {"data": {"commentCreate": {"success": True, "comment": {"id": "c1"}}}}

    server = standin({("POST", r"/graphql"): graphql})
    conn = Connection.objects.create(kind="linear", name="Linear", base_url=server.url, options={"team_id": "team-1"})
    connection_set_credentials(connection=conn, values={"api_key": "lin_api_secret"})
    first = bug_report(signature="E-1", summary="Broken export", steps="Export CSV", ticket=TicketFactory())
    second = bug_report(signature="E-1", summary="Broken export", steps="", ticket=TicketFactory())
    assert first.ok and first.key == "ENG-7" and second.key == "ENG-7" and not second.created
    assert [c[1]["query"].split("(")[0].split()[-1] for c in calls] == ["IssueFind", "IssueCreate", "CommentCreate"]
    assert calls[0][1]["variables"] == {"teamId": "team-1", "text": "Error signature: E-1\n"}
    assert calls[1][0] == "lin_api_secret" and calls[1][1]["variables"]["input"]["teamId"] == "team-1"
    assert calls[2][1]["variables"]["input"]["issueId"] == "uuid-1"
    server.route("POST", r"/graphql", {"errors": [{"message": "Entity not found: Team"}]})
    failed = bug_report(signature="E-2", summary="Other", steps="", ticket=TicketFactory())
    assert not failed.ok and "Entity not found" in failed.error


def test_local_tracker_without_connections():
    link = bug_report(signature="E-L", summary="Local", steps="", ticket=TicketFactory())
    again = bug_report(signature="E-L", summary="Local", steps="", ticket=TicketFactory())
    assert link.ok and link.source == "local" and link.key == f"LOCAL-{link.issue_id}" and again.key == link.key
    assert TrackerIssue.objects.get().customers_count == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_open_one_issue(jira):
    project, _, _ = jira
    tickets = _tickets(4)
    errors = []

    def report(ticket):
        try:
            bug_report(signature="E-RACE", summary="Race", steps="", ticket=ticket)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=report, args=(t,)) for t in tickets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(project.issues) == 1 and TrackerIssue.objects.get().tickets.count() == 4


def test_connection_test_button_for_trackers(jira, standin):  # noqa: F811
    from apps.integrations.connections import connection_test

    project, server, conn = jira
    server.route("GET", r"/rest/api/2/myself", {"name": "bot", "displayName": "Switchboard Bot"})
    ok, message = connection_test(connection=conn)
    assert ok and "Switchboard Bot" in message and "SUP" in message
    linear = standin({("POST", r"/graphql"): {"errors": [{"message": "Authentication required"}]}})
    bad = Connection.objects.create(kind="linear", name="Linear", base_url=linear.url, options={"team_id": "t"})
    ok, message = connection_test(connection=bad)
    assert not ok and "Authentication required" in message
    ok, message = connection_test(connection=Connection.objects.create(kind="jira", name="Jira 2"))
    assert not ok and "needs a base URL and a project key" in message


def test_engine_action_sees_the_vendor_failure_and_the_record_is_kept(jira):
    from types import SimpleNamespace

    from apps.workflows.services.triage import _action_run

    _, server, _ = jira
    server.route("POST", r"/rest/api/2/issue", Reply(503, {"errorMessages": ["Service unavailable"]}))
    ticket = TicketFactory()
    plan = SimpleNamespace(ctx=SimpleNamespace(ticket=ticket, ticket_id=ticket.pk))
    action = {"action": "bug_report", "node": "bug", "signature": "E-77", "summary": "Crash", "steps": "Open"}
    done = _action_run(action, plan)
    assert done["ok"] is False and "503" in done["error"]
    assert TrackerIssue.objects.get(signature="E-77").status == "failed"  # kept, not rolled back


def test_jira_issue_made_before_a_timeout_is_found_not_duplicated(jira):
    project, server, conn = jira
    conn.options = {**conn.options, "timeout": 0.5}
    conn.save()

    def slow_create(req):  # the vendor creates the issue but answers too late
        answer = project.create(req)
        answer.delay = 1.0
        return answer

    server.route("POST", r"/rest/api/2/issue", slow_create)
    link = bug_report(signature="E-SLOW", summary="Slow", steps="", ticket=TicketFactory())
    assert link.ok and link.key == "SUP-1" and len(project.issues) == 1
    assert len(server.hits("GET", r"/rest/api/2/search")) == 2  # searched before each attempt


def test_existing_jira_issue_with_the_signature_label_is_reused(jira):
    project, server, _ = jira
    project.issues["SUP-40"] = {"id": "10040", "key": "SUP-40", "fields": {"labels": ["sb-sig-E-OLD"]}}
    link = bug_report(signature="E-OLD", summary="Old", steps="", ticket=TicketFactory())
    assert link.ok and link.key == "SUP-40" and not server.hits("POST", r"/rest/api/2/issue")
