"""The case harness on a hand-written file: loading, the per-case verdicts, isolation, the command's outputs."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.errors import ValidationError
from apps.tickets.models import Ticket
from apps.workflows.cases import cases_load, cases_run, kind_for
from apps.workflows.models import ClassifierVersion, Decision

SAMPLE = Path(__file__).with_name("sample_cases.jsonl")

pytestmark = pytest.mark.django_db


def test_cases_load_reads_the_file_and_names_bad_lines(tmp_path):
    cases = cases_load(SAMPLE)
    assert [c.id for c in cases] == ["S1", "S2", "S3"]
    assert cases[1].channel == "email" and cases[0].must_not == ["promise any refund, credit, amount or deadline"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(SAMPLE.read_text().splitlines()[0] + "\n{not json\n")
    with pytest.raises(ValidationError, match="bad.jsonl line 2: not valid JSON"):
        cases_load(bad)
    bad.write_text('{"id": "X", "input": {"body": "hi"}, "expected": {"decision": "maybe"}}\n')
    with pytest.raises(ValidationError, match="line 1 \\(X\\): expected.decision must be one of"):
        cases_load(bad)
    with pytest.raises(ValidationError, match="No case file"):
        cases_load(tmp_path / "missing.jsonl")


def test_unknown_must_not_kinds_are_unchecked():
    assert kind_for("hum a tune while answering") is None
    assert kind_for("promise any refund, credit, amount or deadline").name == "commitment"
    assert kind_for("create a new ticket (thread into T-1042 via In-Reply-To/References)").name == "new-ticket"
    assert kind_for("reply twice to the same message").name == "reply-twice"
    assert kind_for("store '[No subject]' or mojibake (e.g. 'sesiÃ³n')").name == "subject"
    assert kind_for("reply in English").name == "language"


def test_sample_file_verdicts_and_isolation(demo_workspace):
    tickets, decisions = Ticket.objects.count(), Decision.objects.count()
    report = cases_run(SAMPLE)
    by_id = {r.id: r for r in report.results}
    assert (report.passed, report.total) == (2, 3)
    assert by_id["S1"].passed and by_id["S1"].decision == "escalate" and by_id["S1"].queue == "billing"
    assert any("refund" in t for t in by_id["S1"].triggers)
    assert by_id["S2"].passed and by_id["S2"].queue == "security"
    s3 = by_id["S3"]
    assert not s3.passed
    assert [c.kind for c in s3.checks] == ["unchecked"]
    assert any(f.startswith("unchecked: hum a tune") for f in s3.failures)
    assert (Ticket.objects.count(), Decision.objects.count()) == (tickets, decisions)  # every case rolled back


def test_command_prints_json_and_a_table_and_fails_on_failures(demo_workspace):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("run_cases", str(SAMPLE), "--json", stdout=out)
    assert exit_.value.code == 1
    data = json.loads(out.getvalue())
    assert (data["passed"], data["total"]) == (2, 3)
    assert {c["id"]: c["passed"] for c in data["cases"]} == {"S1": True, "S2": True, "S3": False}
    assert set(data["cases"][0]) >= {"id", "passed", "decision", "queue", "failures"}
    table = StringIO()
    call_command("run_cases", str(SAMPLE), "--case", "S1", stdout=table, stderr=StringIO())
    assert "S1" in table.getvalue() and "1/1 passed" in table.getvalue()
    with pytest.raises(CommandError, match="No case with id S9"):
        call_command("run_cases", str(SAMPLE), "--case", "S9", stdout=StringIO())


def test_command_needs_a_seeded_workspace():
    ClassifierVersion.objects.update(is_active=False)
    with pytest.raises(CommandError, match="seed"):
        call_command("run_cases", str(SAMPLE), stdout=StringIO())
