"""Fixtures for the tickets tests: a CSV writer and the probe triage tasks."""

import csv
import json

import pytest

from . import probe_tasks


@pytest.fixture
def write_csv(tmp_path):
    """Write ``rows`` (lists, header first) as a CSV file; returns its path."""

    def write(rows, *, name="tickets.csv", encoding="utf-8", delimiter=","):
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=delimiter).writerows(rows)
        return path

    return write


@pytest.fixture
def write_json(tmp_path):
    def write(data, *, name="mapping.json"):
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def probe_triage(monkeypatch):
    """Point the triage task names at ``probe_tasks`` and return the list of calls they receive."""
    probe_tasks.CALLS.clear()
    monkeypatch.setattr("apps.tickets.services.imports.TRIAGE_BATCH", "tests.tickets.probe_tasks.triage_batch")
    monkeypatch.setattr("apps.tickets.services.intake.TRIAGE_TICKET", "tests.tickets.probe_tasks.triage_ticket")
    return probe_tasks.CALLS
