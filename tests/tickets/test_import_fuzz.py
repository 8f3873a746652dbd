"""Property-based checks: any file content gets a clear error or a consistent import, never a crash."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import ValidationError
from apps.tickets.models import Ticket
from apps.tickets.services.imports import tickets_import

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
cell = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "2024-05-01T09:30:00Z", "yesterday", "high", "Urgent", "5", "11", "a@b.example", "x@"]),
)
header = ["external_id", "subject", "body", "priority", "created_at", "contact_email", "csat", "category"]


def _check(result) -> None:
    assert result.rows_read == result.imported + result.duplicates + result.invalid
    assert len({str(e).split(":")[0] for e in result.errors}) <= result.invalid * len(header)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=6, max_size=9), max_size=8))
def test_any_csv_rows_import_consistently_or_fail_clearly(tmp_path, rows):
    import csv

    path = tmp_path / "fuzz.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    before = Ticket.objects.count()
    try:
        result = tickets_import(path=path, format="csv", skip_invalid=True)
    except ValidationError as exc:
        assert exc.message  # a readable reason
        assert Ticket.objects.count() == before
        return
    _check(result)
    assert Ticket.objects.count() == before + result.imported


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_get_a_clear_answer(tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"body,subject\n" + data)
    try:
        _check(tickets_import(path=path, format="csv", skip_invalid=True))
    except ValidationError as exc:
        assert exc.message


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(string.printable + "\x00é\ud800", max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(objects=st.lists(st.dictionaries(st.sampled_from([*header, "tags", "extra"]), json_value), max_size=6))
def test_any_json_lines_import_consistently_or_fail_clearly(tmp_path, objects):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(o) for o in objects) + "\n", encoding="utf-8")
    try:
        _check(tickets_import(path=path, format="jsonl", skip_invalid=True))
    except ValidationError as exc:
        assert exc.message
