"""Bug-report signatures come from the report's content (``apps.workflows.engine.signature``): the same bug from
two customers links to one tracker issue, two different bugs filed by the same tree node open two (a tester saw
every bug of a node filed under one ``bug-report:file:<hash>`` signature, so unrelated bugs merged)."""

import pytest

from apps.integrations.models import TrackerIssue
from apps.tickets.choices import AuthorKind, Channel
from apps.workflows.choices import RolloutState
from apps.workflows.engine.signature import bug_signature, error_code, symptom_words
from apps.workflows.models import Workflow, WorkflowVersion
from apps.workflows.services.triage import ticket_triage
from tests.factories import CategoryFactory, MessageFactory, OrganizationFactory, QueueFactory, TicketFactory
from tests.workflows.test_engine_pipeline import CLF

BUG_TREE = {"start": "file", "fallback": "human", "nodes": [
    {"id": "file", "type": "action", "action": "bug_report", "summary": "Bug reported", "next": "answer"},
    {"id": "answer", "type": "answer", "knowledge": False, "template": "Thanks, we logged it for our engineers."},
    {"id": "human", "type": "escalate", "queue": "tech-support"}]}  # fmt: skip


def test_an_error_code_names_the_bug_wherever_it_is_written():
    assert error_code("Checkout throws error E-5031 when I click Pay.") == "E-5031"
    assert error_code("Upload fails: ERR_UPLOAD_TIMEOUT") == "ERR-UPLOAD-TIMEOUT"
    assert error_code("Export keeps failing with error E-EXPORT-504") == "E-EXPORT-504"
    assert error_code("the page says status 502") == "502"
    assert error_code("Where is my order ORD-88412?") == ""  # a record id is not an error code
    one = bug_signature(text="Checkout throws error E-5031 when I click Pay.", category_slug="bug-report")
    two = bug_signature(text="E-5031 again, on the checkout page", category_slug="bug-report", area="billing")
    assert one == two == "bug-report:error:E-5031"


def test_the_symptom_is_what_is_broken_in_the_area_it_was_reported_from():
    same = [
        "The CSV import drops the last row",
        "Hi, since yesterday the last row is dropped when I import a CSV file. Thanks!",
    ]
    assert symptom_words(same[0]) == symptom_words(same[1]) == ["csv", "drop", "import", "row"]
    first, second = (bug_signature(text=t, category_slug="bug-report", area="import") for t in same)
    other = bug_signature(text="The dashboard crashes when I open the reports tab", category_slug="bug-report")
    elsewhere = bug_signature(text=same[0], category_slug="bug-report", area="billing")
    assert first == second and first.startswith("bug-report:symptom:")
    assert len({first, other, elsewhere}) == 3
    assert bug_signature(text="Hi! Thanks", category_slug="x", fallback="file|import").startswith("x:report:")


@pytest.mark.django_db
def test_same_bug_from_two_customers_links_one_issue_and_different_bugs_open_two():
    category = CategoryFactory(
        slug="bug-report", rollout_state=RolloutState.AUTO, auto_threshold=0.9, draft_threshold=0.5,
        default_queue=QueueFactory(slug="tech-support"),
    )  # fmt: skip
    workflow = Workflow.objects.create(category=category, name="Bugs")
    WorkflowVersion.objects.create(workflow=workflow, number=1, status="published", tree=BUG_TREE,
                                   thresholds={"auto": 0.9, "draft": 0.5})  # fmt: skip

    def report(body, name):
        org = OrganizationFactory(name=name)
        ticket = TicketFactory(subject="", channel=Channel.CHAT, organization=org, contact__organization=org,
                               page_context={"area": "import"})  # fmt: skip
        MessageFactory(ticket=ticket, body=f"[bug-report@0.97] {body}", author_kind=AuthorKind.CUSTOMER)
        decision = ticket_triage(ticket_id=ticket.pk, classifier=CLF)
        (result,) = next(s for s in decision.trace["steps"] if s["step"] == "actions")["results"]
        assert result["ok"], result
        return result

    a = report("The CSV import drops the last row", "Acme")
    b = report("since yesterday the last row is dropped when I import a CSV", "Globex")
    c = report("Import of an Excel sheet doubles every date column", "Initech")
    assert a["signature"] == b["signature"] != c["signature"]
    assert a["key"] == b["key"] != c["key"]
    assert (a["created"], b["created"], c["created"]) == (True, False, True)
    assert TrackerIssue.objects.count() == 2
