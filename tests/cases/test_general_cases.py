"""Cases written for this repository (``general_cases.jsonl``, same format as the shared failure cases) that vary
the failure kinds in other words: a spike of one report, a question about one invoice, a follow-up, a thank-you
with an old offer quoted, a Spanish question, sarcasm on the invoices page, a re-issue request. They guard against
fixes that only fit the shared cases' wording."""

from pathlib import Path

import pytest

from apps.workflows.cases import case_run, cases_load

GENERAL = Path(__file__).with_name("general_cases.jsonl")


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases_load(GENERAL), ids=lambda c: c.id)
def test_general_case(case, demo_workspace):
    result = case_run(case)
    assert result.passed, f"{case.id} ({result.decision} → {result.queue or '-'}): " + " | ".join(result.failures)
