"""Real failure cases run through the real pipeline (``manage.py run_cases``, ``tests/cases``).

``cases_load`` reads a JSON Lines file; ``case_run`` runs one case in a rolled-back transaction: the world is built
through the real services (customer, history, knowledge, billing, SLA calendar), the message arrives through the
real intake (raw RFC 822 for email), triage runs, and the outcome is checked against ``expected.decision``,
``expected.queue`` and every ``must_not`` (mapped to a concrete check by its kind, see ``checks.KINDS``).
"""

from .checks import KINDS, CheckResult, kind_for, must_not_check
from .loader import Case, cases_load
from .runner import CaseResult, CasesReport, case_run, cases_run, workspace_check

__all__ = [
    "KINDS",
    "Case",
    "CaseResult",
    "CasesReport",
    "CheckResult",
    "case_run",
    "cases_load",
    "cases_run",
    "kind_for",
    "must_not_check",
    "workspace_check",
]
