"""Running failure cases through the real pipeline, one transaction per case rolled back afterwards.

Per case: build the world and deliver the message through the intake (``world``), run triage
(``apps.workflows.services.triage.ticket_triage``) for every ticket the intake asked to triage, read the outcome
back (``outcome``), then compare ``expected.decision``, ``expected.queue`` (when given) and every ``must_not``
(``checks``). Nothing a case writes survives it.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from apps.core.errors import ValidationError
from apps.tickets.models import Ticket
from apps.workflows.choices import RolloutState
from apps.workflows.models import Category, ClassifierVersion

from .checks import CheckResult, must_not_check
from .loader import Case, cases_load
from .outcome import case_outcome_read
from .world import case_world_build

ROLLOUTS = ("auto", "workspace")


@dataclass
class CaseResult:
    """One case's verdict: ``failures`` says in words what failed (decision, queue, each must_not)."""

    id: str
    title: str
    passed: bool
    decision: str
    queue: str
    expected_decision: str
    expected_queue: str
    failures: list[str] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    category: str = ""
    confidence: float | None = None
    triggers: list[str] = field(default_factory=list)
    reason: str = ""
    reply: str = ""
    seconds: float = 0.0

    @property
    def unchecked(self) -> int:
        return sum(1 for c in self.checks if c.kind == "unchecked")

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "passed": self.passed,
            "decision": self.decision,
            "queue": self.queue,
            "expected": {"decision": self.expected_decision, "queue": self.expected_queue or None},
            "failures": self.failures,
            "must_not": [c.as_dict() for c in self.checks],
            "category": self.category,
            "confidence": self.confidence,
            "triggers": self.triggers,
            "reason": self.reason,
            "reply": self.reply,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class CasesReport:
    path: str
    results: list[CaseResult]
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def total(self) -> int:
        return len(self.results)

    def as_dict(self) -> dict:
        """``{"passed", "total", "path", "seconds", "cases": [{id, passed, decision, queue, failures, …}]}``."""
        return {
            "passed": self.passed,
            "total": self.total,
            "path": self.path,
            "seconds": round(self.seconds, 2),
            "cases": [r.as_dict() for r in self.results],
        }


class _Rollback(Exception):
    pass


def workspace_check() -> None:
    """Raise ``ValidationError`` unless the workspace has categories with default queues and an active classifier
    (``manage.py seed_demo`` makes both)."""
    if not Category.objects.filter(default_queue__isnull=False).exists():
        raise ValidationError("No categories with queues: seed the workspace first (manage.py seed_demo).")
    if not ClassifierVersion.objects.filter(is_active=True).exists():
        raise ValidationError("No active classifier: run manage.py seed_demo (or train_classifier) first.")


def case_run(case: Case, *, rollout: str = "auto") -> CaseResult:
    """Run ``case`` through the pipeline in a transaction that is rolled back; never raises for the case's own
    failures (an exception becomes a failure naming it). ``rollout``: ``auto`` sets every category's rollout to
    auto for the case (the cases judge the AI's decision at full rollout), ``workspace`` keeps the stored ones."""
    from apps.workflows.services.triage import ticket_triage

    started = time.perf_counter()
    expected = case.expected
    result = CaseResult(
        id=case.id,
        title=case.title,
        passed=False,
        decision="none",
        queue="",
        expected_decision=expected.get("decision", ""),
        expected_queue=expected.get("queue") or "",
    )
    try:
        with transaction.atomic():
            if rollout == "auto":
                Category.objects.update(rollout_state=RolloutState.AUTO)
            errors: list[str] = []
            try:
                world = case_world_build(case)
            except Exception as exc:  # noqa: BLE001 — intake failures are the case's failure, reported
                result.failures.append(f"intake failed: {type(exc).__name__}: {exc}")
                raise _Rollback from exc
            for ticket_id in dict.fromkeys(world.triaged):
                try:
                    ticket_triage(ticket_id=ticket_id)
                except Exception as exc:  # noqa: BLE001
                    errors.append(f"triage of #{ticket_id} failed: {type(exc).__name__}: {exc}")
            out = case_outcome_read(world, errors)
            _judge(result, case, out)
            raise _Rollback
    except _Rollback:
        pass
    except Exception as exc:  # noqa: BLE001
        result.failures.append(f"error: {type(exc).__name__}: {exc}")
        result.failures.append(traceback.format_exc(limit=3).splitlines()[-1])
    result.passed = not result.failures
    result.seconds = time.perf_counter() - started
    return result


def _judge(result: CaseResult, case: Case, out) -> None:
    result.failures.extend(out.errors)
    result.decision = out.outcome
    result.queue = out.queue
    decision = out.decision
    if decision is not None:
        result.category = decision.category.slug if decision.category else ""
        result.confidence = decision.confidence
        result.triggers = [f"{t.get('name')}: {t.get('evidence')}" for t in decision.triggers]
        result.reason = decision.reason
    result.reply = out.reply[:2000]
    if result.decision != result.expected_decision:
        result.failures.append(f"decision {result.decision}, expected {result.expected_decision}")
    if result.expected_queue and result.queue != result.expected_queue:
        result.failures.append(f"queue {result.queue or '(none)'}, expected {result.expected_queue}")
    for sentence in case.must_not:
        check = must_not_check(out, sentence)
        result.checks.append(check)
        if not check.passed:
            label = "unchecked" if check.kind == "unchecked" else f"must_not [{check.kind}]"
            result.failures.append(f"{label}: {sentence} — {check.detail}")


def cases_run(
    path: str | Path,
    *,
    only: Iterable[str] = (),
    rollout: str = "auto",
    progress: Callable[[CaseResult], None] | None = None,
) -> CasesReport:
    """Run every case of the JSON Lines file ``path`` (or those whose id is in ``only``) in isolation.

    Raises ``ValidationError`` for a bad file, an unknown id in ``only``, an unknown ``rollout`` or a workspace
    without categories or classifier (see ``workspace_check``)."""
    if rollout not in ROLLOUTS:
        raise ValidationError(f"rollout must be one of {', '.join(ROLLOUTS)}")
    started = time.perf_counter()
    cases = cases_load(path)
    wanted = set(only or ())
    unknown = wanted - {c.id for c in cases}
    if unknown:
        raise ValidationError(f"No case with id {', '.join(sorted(unknown))} in {path}.")
    workspace_check()
    tickets = Ticket.objects.count()
    results = []
    for case in cases:
        if wanted and case.id not in wanted:
            continue
        result = case_run(case, rollout=rollout)
        results.append(result)
        if progress:
            progress(result)
    if Ticket.objects.count() != tickets:  # isolation: every case rolled back
        raise ValidationError("A case left tickets behind: case isolation is broken.")
    return CasesReport(path=str(path), results=results, seconds=time.perf_counter() - started)
