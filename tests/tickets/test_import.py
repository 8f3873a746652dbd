"""import_tickets: mapping, validation per row, encodings, all-or-nothing, idempotent re-runs, triage."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.tickets.services.imports import ImportRejected, tickets_import
from apps.workflows.models import Category
from tests.factories import CategoryFactory, ContactFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "Ticket ID",
    "Title",
    "Description",
    "Reply",
    "Via",
    "Urgency",
    "Topic",
    "Opened",
    "Solved",
    "Email",
    "Customer",
    "Company",
    "Plan",
    "Lang",
    "Labels",
    "Rating",
    "Region",
]
MAPPING = {
    "external_id": "Ticket ID",
    "subject": "Title",
    "body": "Description",
    "answer": "Reply",
    "channel": "Via",
    "priority": "Urgency",
    "category": "Topic",
    "created_at": "Opened",
    "resolved_at": "Solved",
    "contact_email": "Email",
    "contact_name": "Customer",
    "organization": "Company",
    "tier": "Plan",
    "language": "Lang",
    "tags": "Labels",
    "csat": "Rating",
}


def row(n, **over):
    values = {
        "Ticket ID": f"Z-{n}",
        "Title": f"Invoice {n}",
        "Description": f"I was charged twice for order {n}.",
        "Reply": "Refunded the duplicate.",
        "Via": "e-mail",
        "Urgency": "Medium",
        "Topic": "Billing/Double charge",
        "Opened": "2024-05-01T09:30:00Z",
        "Solved": "2024-05-01 11:00",
        "Email": "Anna@Acme.example",
        "Customer": "Anna Weber",
        "Company": "Acme GmbH",
        "Plan": "enterprise",
        "Lang": "de",
        "Labels": "vip; refund",
        "Rating": "5",
        "Region": "EU",
    }
    values.update(over)
    return [values[h] for h in HEADER]


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_tickets", *map(str, args), "--no-progress", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_csv_with_mapping_stores_tickets_messages_contacts_and_categories(write_csv, write_json):
    path = write_csv([HEADER, row(1), row(2, Email="anna@acme.example", Reply="", Solved="", Rating="")])
    out, _ = run(path, "--format", "csv", "--mapping", write_json(MAPPING), "--source", "zendesk")

    assert "imported                      2" in out
    first = Ticket.objects.get(source="zendesk", external_id="Z-1")
    assert first.subject == "Invoice 1"
    assert first.channel == "email" and first.priority == "normal" and first.status == "resolved"
    assert first.category.slug == "billing/double-charge" and first.labelled_category_id == first.category_id
    assert first.created_at == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert first.resolved_at is not None and first.csat == 5
    assert first.tags == ["vip", "refund"] and first.language == "de"
    assert first.metadata == {"Region": "EU"}  # unmapped columns are kept
    assert [(m.author_kind, m.body) for m in first.messages.all()] == [
        ("customer", "I was charged twice for order 1."),
        ("agent", "Refunded the duplicate."),
    ]
    second = Ticket.objects.get(external_id="Z-2")
    assert second.status == "new" and second.messages.count() == 1 and second.csat is None
    # one contact (email matched case-insensitively) in one organization with the tier of its rows
    assert Contact.objects.count() == 1 and Organization.objects.count() == 1
    assert second.contact_id == first.contact_id and first.organization.tier == "enterprise"
    assert first.contact.organization_id == first.organization_id


def test_existing_contacts_and_categories_are_reused(write_csv, write_json):
    contact = ContactFactory(email="anna@acme.example")
    category = CategoryFactory(slug="billing/double-charge", name="Double charge")
    run(write_csv([HEADER, row(1)]), "--mapping", write_json(MAPPING))

    ticket = Ticket.objects.get()
    assert ticket.contact_id == contact.id and ticket.category_id == category.id
    assert Contact.objects.count() == 1 and Category.objects.count() == 1


def test_rerun_is_idempotent_and_repeats_in_a_file_count_as_duplicates(write_csv, write_json):
    path = write_csv([HEADER, row(1), row(2), row(1, Title="same id again")])
    mapping = write_json(MAPPING)
    out, _ = run(path, "--mapping", mapping)
    assert "imported                      2" in out and "skipped (duplicates)          1" in out

    out, _ = run(path, "--mapping", mapping)
    assert "imported                      0" in out and "skipped (duplicates)          3" in out
    assert Ticket.objects.count() == 2 and Message.objects.count() == 4


def test_rows_without_an_id_get_a_stable_content_hash(write_csv):
    path = write_csv([["subject", "body"], ["Login", "I cannot log in"], ["Login", "Password reset mail missing"]])
    run(path)
    ids = set(Ticket.objects.values_list("external_id", flat=True))
    assert len(ids) == 2 and all(i.startswith("h:") for i in ids)

    path2 = write_csv([["subject", "body"], ["Login", "I cannot log in"]], name="again.csv")
    out, _ = run(path2)
    assert "skipped (duplicates)          1" in out and Ticket.objects.count() == 2


def test_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(write_csv, write_json):
    path = write_csv(
        [
            HEADER,
            row(1),
            row(2, Opened="2024-13-45"),
            row(3, Description="  "),
            row(4, Urgency="whenever", Rating="11"),
            row(5)[:5],
        ]
    )
    with pytest.raises(CommandError, match="4 of 5 rows are invalid; nothing was imported"):
        out = io.StringIO()
        err = io.StringIO()
        call_command(
            "import_tickets", str(path), "--no-progress", "--mapping", str(write_json(MAPPING)), stdout=out, stderr=err
        )
    errors = err.getvalue()
    assert "row 2 (line 3), column 'Opened': bad date '2024-13-45'" in errors
    assert "row 3 (line 4), column 'Description': missing required body" in errors
    assert (
        "row 4 (line 5), column 'Urgency': bad priority 'whenever' (expected one of high, low, normal, urgent)"
        in errors
    )
    assert "row 4 (line 5), column 'Rating': bad CSAT '11'" in errors
    assert "row 5 (line 6): expected 17 columns, found 5" in errors
    assert not Ticket.objects.exists() and not Category.objects.exists() and not Contact.objects.exists()


def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(write_csv, write_json):
    path = write_csv([HEADER, row(1), row(2, Email="not-an-email"), row(3)])
    out, err = run(path, "--mapping", write_json(MAPPING), "--skip-invalid")

    assert "row 2 (line 3), column 'Email': bad email 'not-an-email'" in err
    assert "skipped (invalid)             1" in out
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == ["Z-1", "Z-3"]


def test_missing_columns_fail_before_anything_is_written(write_csv, write_json):
    path = write_csv([["Title", "Text"], ["Hello", "Body"]])
    with pytest.raises(
        CommandError, match=r"Missing column\(s\): a column for the required field 'body'.*Title, Text"
    ):
        run(path)
    mapping = write_json({"body": "Text", "subject": "Headline"})
    with pytest.raises(CommandError, match=r"'Headline' \(for subject\)"):
        run(path, "--mapping", mapping)
    with pytest.raises(CommandError, match="unknown field"):
        run(path, "--mapping", write_json({"bodyy": "Text"}, name="typo.json"))
    assert not Ticket.objects.exists()


def test_latin1_file_is_decoded_correctly(write_csv):
    text = "Grüße aus Köln, die Rechnung für März ist doppelt abgebucht worden. Können Sie das prüfen?"
    rows = [["subject", "body", "contact_name"]] + [
        [f"Rückerstattung {n}", f"{text} Bestellung {n}", "Jürgen Müller"] for n in range(20)
    ]
    path = write_csv(rows, encoding="latin-1")
    out, _ = run(path)

    assert "decoded as" in out
    ticket = Ticket.objects.get(subject="Rückerstattung 3")
    assert ticket.messages.get().body == f"{text} Bestellung 3"
    assert ticket.metadata["contact_name"] == "Jürgen Müller"


def test_undecodable_and_binary_files_fail_with_a_clear_message(tmp_path):
    xlsx = tmp_path / "export.csv"
    xlsx.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(CommandError, match="ZIP archive"):
        run(xlsx)
    declared = tmp_path / "declared.csv"
    declared.write_bytes("body\nGrüße\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"not valid utf-8: undecodable byte at offset 7 \(line 2\)"):
        run(declared, "--encoding", "utf-8")
    assert not Ticket.objects.exists()


def test_utf8_with_bom_and_semicolons(write_csv):
    path = write_csv(
        [["subject", "body", "priority"], ["Hallo", "Zugang gesperrt; bitte prüfen", "critical"]],
        encoding="utf-8-sig",
        delimiter=";",
    )
    run(path)
    ticket = Ticket.objects.get()
    assert ticket.subject == "Hallo" and ticket.priority == "urgent"
    assert ticket.messages.get().body == "Zugang gesperrt; bitte prüfen"


def test_huge_fields_are_capped_with_a_note(write_csv, settings):
    settings.IMPORT_MAX_TEXT_CHARS = 100
    run(write_csv([["subject", "body"], ["x" * 600, "y" * 5000]]))
    ticket = Ticket.objects.get()
    assert len(ticket.subject) == 500 and len(ticket.messages.get().body) == 100
    assert ticket.metadata["truncated"] == {"subject": {"original_chars": 600}, "body": {"original_chars": 5000}}


def test_jsonl_with_nested_mapping_and_bad_lines(tmp_path, write_json):
    lines = [
        {
            "id": 7,
            "text": "Where is my parcel?",
            "requester": {"email": "bo@shop.example", "name": "Bo"},
            "created": 1714555800,
            "labels": ["shipping"],
            "source_system": "freshdesk",
        },
        "not json {",
        ["a", "list"],
        {"id": 8, "text": "Cancel please", "requester": {"email": "bo@shop.example"}, "created": "yesterday"},
    ]
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    mapping = write_json(
        {
            "external_id": "id",
            "body": "text",
            "contact_email": "requester.email",
            "contact_name": "requester.name",
            "created_at": "created",
            "tags": "labels",
        }
    )
    with pytest.raises(ImportRejected) as rejected:
        tickets_import(path=path, format="jsonl", mapping=json.loads(mapping.read_text()))
    messages = [str(e) for e in rejected.value.result.errors]
    assert messages[0].startswith("row 2 (line 2): invalid JSON")
    assert messages[1] == "row 3 (line 3): expected a JSON object, got list"
    assert messages[2].startswith("row 4 (line 4), column 'created': bad date 'yesterday'")
    assert not Ticket.objects.exists()

    result = tickets_import(path=path, format="jsonl", mapping=json.loads(mapping.read_text()), skip_invalid=True)
    assert (result.imported, result.invalid) == (1, 3)
    ticket = Ticket.objects.get(external_id="7")
    assert ticket.contact.email == "bo@shop.example" and ticket.contact.name == "Bo"
    assert ticket.organization.domain == "shop.example"  # company found from the email's domain
    assert ticket.tags == ["shipping"] and ticket.metadata == {"source_system": "freshdesk"}
    assert ticket.created_at == datetime.fromtimestamp(1714555800, tz=UTC)


def test_triage_is_enqueued_in_batches_of_500_after_commit(
    write_csv, probe_triage, django_capture_on_commit_callbacks
):
    path = write_csv([["external_id", "body"]] + [[f"T{n}", f"message {n}"] for n in range(1001)])
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(path, "--triage")
    assert "triage enqueued for 1,001 tickets" in out
    assert [len(ids) for kind, ids in probe_triage] == [500, 500, 1]
    assert sorted(i for _, ids in probe_triage for i in ids) == sorted(Ticket.objects.values_list("id", flat=True))


def test_triage_flag_without_the_task_says_so(write_csv, monkeypatch):
    monkeypatch.setattr("apps.tickets.services.imports.TRIAGE_BATCH", "apps.nothing_here.tasks.triage_batch")
    _, err = run(write_csv([["body"], ["hello"]]), "--triage")
    assert "triage NOT enqueued" in err and Ticket.objects.count() == 1


def test_awkward_values_get_row_errors_or_safe_storage_never_a_crash(tmp_path):
    lines = [
        '{"body": "nested", "extra": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"body": "NaN and a lone surrogate \\ud800", "score": NaN, "big": 1e400, "k\\u0000ey": "v\\u0000al"}',
        '{"body": "rating", "csat": NaN}',
        '{"body": "emoji only category", "category": "🎉🎉"}',
        '{"body": "unicode category", "category": "退款"}',
        '{"body": "first", "organization": "İSTANBUL Ltd", "contact_email": "Oz@Example.COM"}',
        '{"body": "second", "organization": "istanbul ltd", "contact_email": "oz@example.com"}',
    ]
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = tickets_import(path=path, format="jsonl", skip_invalid=True)

    errors = [str(e) for e in result.errors]
    assert errors[0] == "row 1 (line 1): JSON nested too deeply"
    assert errors[1].startswith("row 3 (line 3), column 'csat': bad CSAT 'nan'")
    assert errors[2].startswith("row 4 (line 4), column 'category': bad category '🎉🎉'")
    assert result.imported == 4
    odd = Ticket.objects.get(messages__body="NaN and a lone surrogate \ufffd")
    assert odd.metadata == {"score": "nan", "big": "inf", "key": "val"}
    assert Category.objects.get().slug == "退款"
    # names and emails are matched with PostgreSQL's lower(), the same function as the lookups
    first, second = Ticket.objects.filter(messages__body__in=["first", "second"]).order_by("id")
    assert first.organization_id is not None and first.organization_id == second.organization_id
    assert first.contact_id is not None and first.contact_id == second.contact_id


def test_jsonl_lines_end_at_newline_only_a_lone_carriage_return_is_whitespace(tmp_path):
    """Regression (hypothesis found ``"0\\r0"`` read as two rows): JSON Lines splits on ``\\n`` only."""
    path = tmp_path / "cr.jsonl"
    path.write_bytes(b'{"body": "one object",\r "subject": "split by a lone CR"}\r\n{"body": "second line"}\n')

    result = tickets_import(path=path, format="jsonl")

    assert result.rows_read == 2 and result.imported == 2
    assert Ticket.objects.filter(subject="split by a lone CR", messages__body="one object").exists()
