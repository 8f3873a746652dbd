"""Bad input everywhere (issue 9, item 4): property-based tests with hypothesis for the ticket importers (every
format, strict and lenient, random mappings and encodings) and the email parser and intake. Each input either
parses/imports or raises the project's clear error (``ApplicationError`` subclasses) — never another exception —
and a failed import or refused email leaves every table exactly as it was. Bounded: 50–80 examples each."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import ApplicationError
from apps.tickets.email.inbound import email_receive
from apps.tickets.email.parse import ParsedEmail, email_parse
from apps.tickets.importers import FIELDS, mapping_check
from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.tickets.services.imports import tickets_import
from apps.workflows.models import Category

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
LIGHT = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))

COLUMNS = ["external_id", "subject", "body", "priority", "created_at", "contact_email", "csat", "category", "tags"]
HELPDESK_COLUMNS = ["subject", "body", "answer", "queue", "priority", "language", "type", "tag_1", "tag_2"]
BITEXT_COLUMNS = ["flags", "instruction", "category", "intent", "response"]
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "2024-05-01T09:30:00Z", "31/02/2024", "high", "URGENT", "5", "-1", "6", "a@b.example", "x@", "\x00", "é"]
    ),
)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (Ticket, Message, Contact, Organization, Category)}


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def _import_or_clear_error(path, **kwargs):
    """Run an import; return its result, or None after checking a refused one wrote nothing."""
    before = _counts()
    try:
        result = tickets_import(path=path, **kwargs)
    except ApplicationError as error:
        assert error.message.strip()
        assert _counts() == before, "a refused import left rows behind"
        return None
    after = _counts()
    assert after["Ticket"] - before["Ticket"] == result.imported
    assert result.rows_read == result.imported + result.duplicates + result.invalid
    return result


@FUZZ
@given(
    fmt=st.sampled_from(["csv", "helpdesk-tickets", "bitext"]),
    header=st.lists(st.sampled_from(COLUMNS + HELPDESK_COLUMNS + BITEXT_COLUMNS + ["", "x"]), max_size=9),
    rows=st.lists(st.lists(cell, max_size=10), max_size=6),
    skip_invalid=st.booleans(),
)
def test_csv_formats_all_or_nothing(tmp_path, fmt, header, rows, skip_invalid):
    path = tmp_path / "fuzz.csv"
    path.write_text(_csv(header, rows), encoding="utf-8")
    result = _import_or_clear_error(path, format=fmt, skip_invalid=skip_invalid)
    if result is not None and not skip_invalid:
        assert result.invalid == 0  # strict mode never imports part of a file with bad rows


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(COLUMNS + ["extra"]), json_value, max_size=8).map(json.dumps),
            st.text(max_size=40),  # not JSON at all
            st.just(""),
        ),
        max_size=6,
    ),
    skip_invalid=st.booleans(),
)
def test_json_lines_all_or_nothing(tmp_path, lines, skip_invalid):
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = _import_or_clear_error(path, format="jsonl", skip_invalid=skip_invalid)
    assert result is None or result.rows_read <= len(lines)  # refused cleanly, or every stored row came from a line


@FUZZ
@given(
    data=st.binary(max_size=400),
    encoding=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "cp1252", "no-such-codec"]),
)
def test_any_bytes_in_any_declared_encoding(tmp_path, data, encoding):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"external_id,subject,body\n" + data)
    result = _import_or_clear_error(path, format="csv", skip_invalid=False, encoding=encoding)
    assert result is None or result.invalid == 0  # all-or-nothing: an accepted file had no invalid row


@LIGHT
@given(
    mapping=st.one_of(
        json_value,
        st.dictionaries(st.sampled_from([*FIELDS, "nope"]), json_value, max_size=5),
        st.dictionaries(st.sampled_from(list(FIELDS)), st.text(min_size=1, max_size=10), max_size=5),
    )
)
def test_any_mapping_is_accepted_or_refused_clearly(mapping):
    try:
        checked = mapping_check(mapping)
    except ApplicationError as error:
        assert error.message.startswith("mapping:")
    else:
        assert set(checked) <= set(FIELDS)


def test_unknown_format_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(ApplicationError, match="Unknown format"):
        tickets_import(path=tmp_path / "x.csv", format="xml")
    with pytest.raises(ApplicationError, match="No such file"):
        tickets_import(path=tmp_path / "missing.csv", format="csv")


# --- email ---------------------------------------------------------------------------------------------------

header_value = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "=?utf-8?b?SGVsbG8g8J+Ygw==?=",
            "=?x-unknown?q?broken?=",
            "=?utf-8?q?unterminated",
            "<a@b>",
            "<>",
            "Ann <ann@customer.example>",
            '"Quoted, Name" <q@x.example>, bad@@x',
            "Mon, 32 Feb 2024 25:61:00 +9999",
            "Tue, 1 Dec 2026 00:00:00 +0000",
        ]
    ),
)
part = st.tuples(
    st.sampled_from(["text/plain", "text/html", "application/pdf", "image/png", "message/rfc822", "bogus/type"]),
    st.sampled_from(["utf-8", "latin-1", "x-nonsense", "utf-16", ""]),
    st.sampled_from(["", "base64", "quoted-printable", "8bit", "x-uuencode"]),
    st.binary(max_size=200),
)


def _message(headers: list[tuple[str, str]], parts: list[tuple[str, str, str, bytes]], boundary: str) -> bytes:
    lines = [f"{name}: {value}".encode("utf-8", "surrogatepass") for name, value in headers]
    if len(parts) == 1:
        ctype, charset, cte, body = parts[0]
        lines += [f"Content-Type: {ctype}; charset={charset}".encode(), f"Content-Transfer-Encoding: {cte}".encode()]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body
    lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode())
    out = b"\r\n".join(lines) + b"\r\n\r\n"
    for ctype, charset, cte, body in parts:
        out += f"--{boundary}\r\nContent-Type: {ctype}; charset={charset}\r\n".encode()
        out += f"Content-Transfer-Encoding: {cte}\r\nContent-Disposition: attachment; filename=f\r\n\r\n".encode()
        out += body + b"\r\n"
    return out + (f"--{boundary}--\r\n".encode() if boundary else b"")


emails = st.builds(
    _message,
    headers=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "From",
                    "To",
                    "Cc",
                    "Subject",
                    "Date",
                    "Message-ID",
                    "In-Reply-To",
                    "References",
                    "Auto-Submitted",
                    "Reply-To",
                ]
            ),
            header_value,
        ),
        max_size=8,
    ),
    parts=st.lists(part, min_size=1, max_size=3),
    boundary=st.sampled_from(["b1", "", "x" * 80, "=_weird"]),
)


@LIGHT
@given(raw=st.one_of(st.binary(max_size=600), emails))
def test_email_parser_never_raises(raw):
    parsed = email_parse(raw)
    assert isinstance(parsed, ParsedEmail)
    assert isinstance(parsed.subject, str) and isinstance(parsed.reply_text, str)
    assert all(isinstance(a.filename, str) for a in parsed.attachments)


@FUZZ
@given(raw=emails)
def test_email_intake_stores_or_refuses_cleanly(raw):
    before = _counts()
    try:
        ticket, message, _created = email_receive(raw=raw)
    except ApplicationError as error:
        assert error.message.strip()
        assert _counts() == before
    else:
        assert message.ticket_id == ticket.pk
        assert Ticket.objects.filter(pk=ticket.pk).exists()


@pytest.mark.parametrize("header", ["Message-ID: <>", 'From: "x" <', "To: <", "From: a:<", "Date: <>"])
def test_headers_that_crashed_the_parser(header):
    """Found by the fuzzing above: the standard library's header parser raised IndexError on these."""
    parsed = email_parse(f"{header}\r\nSubject: hi\r\n\r\nMy export fails.".encode())
    assert parsed.subject == "hi" and "export fails" in parsed.reply_text


def test_utf16_declared_without_a_byte_order_mark_is_a_clear_error(tmp_path):
    """Found by fuzzing: the UTF-16 codec raises a bare UnicodeError, not UnicodeDecodeError."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"external_id,subject,body\n1,a,b\n")
    with pytest.raises(ApplicationError, match="not valid utf-16"):
        tickets_import(path=path, format="csv", encoding="utf-16")


def test_a_nul_in_a_header_is_stored_without_it():
    """Found by fuzzing: a NUL in a header reached the message's stored headers (jsonb refuses \\u0000)."""
    raw = b"From: Ann\x00 <ann@customer.example>\r\nSubject: hi\x00 there\r\nMessage-ID: <nul@x>\r\n\r\nBody text."
    ticket, message, created = email_receive(raw=raw)
    assert created and "\x00" not in str(message.email_headers) and "\x00" not in ticket.subject
