import json
import logging

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.workflows.cases import cases_run


class Command(BaseCommand):
    help = (
        "Run failure cases (JSON Lines, e.g. ../shared/cases/failure_cases.jsonl) through the real pipeline, each in "
        "a rolled-back transaction, and check expected.decision, expected.queue and every must_not. Needs a seeded "
        "workspace (manage.py seed_demo). Exit status 1 when a case fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="JSON Lines file of cases")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON (passed, total, cases)")
        parser.add_argument("--case", action="append", default=[], help="Run only this case id (repeatable)")
        parser.add_argument(
            "--rollout",
            choices=["auto", "workspace"],
            default="auto",
            help="auto: every category at rollout auto during a case (default); workspace: the stored states",
        )
        parser.add_argument("--verbose-failures", action="store_true", help="Print each failure under the table")

    def handle(self, *args, path, json: bool, case, rollout, verbose_failures, **options):
        as_json = json
        progress = None if as_json else (lambda r: self.stderr.write(f"  {r.id} {'ok' if r.passed else 'FAIL'}"))
        logging.getLogger("apps.tickets.email").setLevel(logging.WARNING)  # one line per stored email otherwise
        try:
            report = cases_run(path, only=case, rollout=rollout, progress=progress)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self._table(report, verbose_failures)
        if report.passed != report.total:
            raise SystemExit(1)

    def _table(self, report, verbose: bool) -> None:
        rows = [("case", "result", "decision", "expected", "queue", "expected q", "failures")]
        for r in report.results:
            rows.append(
                (
                    r.id,
                    "pass" if r.passed else "FAIL",
                    r.decision,
                    r.expected_decision,
                    r.queue or "-",
                    r.expected_queue or "-",
                    str(len(r.failures)),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write(f"\n{report.passed}/{report.total} passed in {report.seconds:.1f} s ({report.path})")
        if verbose:
            for r in report.results:
                for failure in r.failures:
                    self.stdout.write(f"{r.id}: {failure}")


def _dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
