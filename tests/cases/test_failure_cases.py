"""The real failure cases (../shared/cases/failure_cases.jsonl), one test per case, through the real pipeline.

Cases that still fail need a piece another part of the product is building; they are marked ``xfail(strict=True)``
with that piece named, so a fix makes the suite say so (an unexpected pass fails until the mark is removed).
"""

import json

import pytest

from apps.workflows.cases import case_run, cases_load
from tests.conftest import SHARED_CASES

CASES_FILE = SHARED_CASES / "failure_cases.jsonl"

# case id -> the missing piece (who builds it); none since session 15 (21/21)
KNOWN_FAILURES: dict[str, str] = {}


def _ids() -> list[str]:
    if not CASES_FILE.exists():
        return ["(missing)"]
    return [json.loads(line)["id"] for line in CASES_FILE.read_text().splitlines() if line.strip()]


def _param(case_id: str):
    if case_id in KNOWN_FAILURES:
        return pytest.param(case_id, marks=pytest.mark.xfail(reason=KNOWN_FAILURES[case_id], strict=True))
    return case_id


@pytest.mark.dataset
@pytest.mark.django_db
@pytest.mark.parametrize("case_id", [_param(i) for i in _ids()])
def test_failure_case(case_id, shared_cases, demo_workspace):
    case = next(c for c in cases_load(shared_cases / "failure_cases.jsonl") if c.id == case_id)
    result = case_run(case)
    assert result.passed, f"{case_id} ({result.decision} → {result.queue or '-'}): " + " | ".join(result.failures)
