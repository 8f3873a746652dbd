"""Reading a failure-case file: JSON Lines, one case per line (``../shared/cases/failure_cases.jsonl`` format)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apps.core.errors import ValidationError

DECISIONS = ("resolve", "draft", "escalate")
CHANNELS = ("chat", "email", "web", "api")


@dataclass(frozen=True)
class Case:
    """One failure case. ``input``: channel, subject, body, page_url, customer {tier, plan}, extra {...} and
    optionally billing_events; ``expected``: decision, queue (optional), must_not (list of sentences)."""

    id: str
    title: str
    input: dict[str, Any]
    expected: dict[str, Any]
    family: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def extra(self) -> dict[str, Any]:
        return self.input.get("extra") or {}

    @property
    def channel(self) -> str:
        return self.input.get("channel") or "chat"

    @property
    def must_not(self) -> list[str]:
        return list(self.expected.get("must_not") or [])

    @property
    def billing_events(self) -> list[dict]:
        return list(self.input.get("billing_events") or self.extra.get("billing_events") or [])


def _case(data: Any, where: str) -> Case:
    if not isinstance(data, dict):
        raise ValidationError(f"{where}: a case must be a JSON object")
    problems = []
    case_id = str(data.get("id") or "").strip()
    if not case_id:
        problems.append("no id")
    given = data.get("input")
    expected = data.get("expected")
    if not isinstance(given, dict):
        problems.append("no input object")
    if not isinstance(expected, dict):
        problems.append("no expected object")
    if isinstance(given, dict):
        if given.get("channel", "chat") not in CHANNELS:
            problems.append(f"unknown channel {given.get('channel')!r} (use one of {', '.join(CHANNELS)})")
        if not isinstance(given.get("body", ""), str):
            problems.append("input.body must be a string")
    if isinstance(expected, dict):
        if expected.get("decision") not in DECISIONS:
            problems.append(f"expected.decision must be one of {', '.join(DECISIONS)}")
        if not isinstance(expected.get("must_not", []), list):
            problems.append("expected.must_not must be a list")
    if problems:
        raise ValidationError(f"{where} ({case_id or 'no id'}): " + "; ".join(problems))
    return Case(
        id=case_id,
        title=str(data.get("title") or ""),
        input=given,
        expected=expected,
        family=str(data.get("family") or ""),
        raw=data,
    )


def cases_load(path: str | Path) -> list[Case]:
    """The cases in the JSON Lines file ``path`` (blank lines skipped), in file order.

    Raises ``ValidationError`` naming the line for a file that is missing, not JSON, or a case without id, input,
    expected.decision (resolve/draft/escalate) or with a non-list must_not, and for duplicate ids."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"No case file at {path}.")
    cases, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"{where}: not valid JSON ({exc.msg})") from exc
        case = _case(data, where)
        if case.id in seen:
            raise ValidationError(f"{where}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise ValidationError(f"{path} holds no cases.")
    return cases
