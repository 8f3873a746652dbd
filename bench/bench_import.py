"""History import speed: our import path vs ``bulk_create`` vs raw PostgreSQL COPY of the same rows.

    .venv/bin/python bench/bench_import.py [--rows 100000]

Uses the database ``DB_NAME`` (default ``sb_bench_import``, migrated first; its tickets, contacts and organizations
are emptied, so it is not the ``sb_bench`` workspace other benches read).
Each method loads the same generated rows — one ticket, the customer message and the agent answer per row,
20,000 contacts in 2,000 organizations — into empty tables with their indexes, in one transaction:

- ours: ``import_tickets`` end to end from a CSV file: encoding check, CSV parsing, validation of every field,
  COPY into a staging table, set-based INSERT … ON CONFLICT of organizations, contacts, tickets, messages;
- bulk_create: the ORM from rows already parsed in memory (no validation), batches of 2,000;
- raw COPY: the physical limit, from rows already shaped as table tuples with ids reserved from the
  sequences: COPY into the tickets table alone (its organizations and contacts loaded beforehand, untimed, so
  the foreign keys are the same), and COPY of everything ours writes (organizations, contacts, tickets,
  messages) minus parsing, validation and deduplication.
Goal: ours >= 50% of raw COPY. Both ratios are printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DB_NAME", "sb_bench_import")
os.environ["DJANGO_DEBUG"] = "false"  # no query log: it would slow the ORM path and grow without bound

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from apps.tickets.importers.fields import category_slug  # noqa: E402
from apps.tickets.models import Contact, Message, Organization, Ticket  # noqa: E402
from apps.tickets.services.imports import tickets_import  # noqa: E402
from apps.workflows.models import Category  # noqa: E402

WORDS = (  # noqa: SIM905 - a word list reads better as one text
    "invoice charge charged twice refund card account login password reset plan upgrade downgrade export api "
    "webhook integration slack error timeout page dashboard report billing seats users admin permission sso "
    "please help urgent since yesterday again still cannot could would order delivery tracking number the a "
    "we our my your is was not working after update mobile app browser chrome safari settings team workspace"
).split()
CATEGORIES = [
    "Billing",
    "Double charge",
    "Password reset",
    "Plan upgrade",
    "How-to",
    "Bug report",
    "Outage",
    "Cancellation",
    "Legal/Privacy",
    "Integrations",
    "Feature request",
    "Account access",
]
FIELDS = [
    "external_id",
    "subject",
    "body",
    "answer",
    "channel",
    "priority",
    "category",
    "created_at",
    "resolved_at",
    "contact_email",
    "contact_name",
    "organization",
    "tier",
    "language",
    "tags",
    "csat",
    "status",
]


TICKETS_ONLY = "raw COPY: tickets table only"
SAME_WRITES = "raw COPY: orgs, contacts, tickets, messages"


def generate(n: int) -> list[dict]:
    """``n`` ticket-sized rows (body ~400 chars, answer ~250 chars), deterministic."""
    rng = random.Random(42)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        org = rng.randrange(2000)
        person = rng.randrange(10)
        created = start + timedelta(minutes=rng.randrange(90 * 24 * 60))
        rows.append(
            {
                "external_id": f"B-{i}",
                "subject": " ".join(rng.choices(WORDS, k=6)).capitalize(),
                "body": " ".join(rng.choices(WORDS, k=70)).capitalize() + ".",
                "answer": " ".join(rng.choices(WORDS, k=45)).capitalize() + ".",
                "channel": rng.choice(["email", "chat"]),
                "priority": rng.choice(["low", "normal", "normal", "high", "urgent"]),
                "category": rng.choice(CATEGORIES),
                "created_at": created.isoformat(),
                "resolved_at": (created + timedelta(hours=rng.randrange(1, 72))).isoformat(),
                "contact_email": f"person{person}@customer{org}.example",
                "contact_name": f"Person {person} of {org}",
                "organization": f"Customer {org} GmbH",
                "tier": ["free", "pro", "business", "enterprise"][org % 4],
                "language": "en",
                "tags": rng.choice(["", "vip", "vip;refund", "mobile"]),
                "csat": rng.choice(["", "3", "4", "5"]),
                "status": "resolved",
            }
        )
    return rows


def empty_tables() -> None:
    database = connection.settings_dict["NAME"]
    if "bench" not in database:
        raise SystemExit(f"Refusing to empty the ticket tables of '{database}': use a DB_NAME containing 'bench'.")
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tickets_message, tickets_ticket, tickets_contact, tickets_organization RESTART IDENTITY CASCADE"
        )
        cursor.execute("CHECKPOINT")


def run_ours(path: Path) -> float:
    started = time.perf_counter()
    result = tickets_import(path=path, format="csv", source="bench")
    elapsed = time.perf_counter() - started
    assert result.imported == result.rows_read, result
    return elapsed


def run_bulk_create(rows: list[dict], categories: dict[str, Category]) -> float:
    started = time.perf_counter()
    with transaction.atomic():
        orgs = {}
        for r in rows:
            orgs.setdefault(r["organization"], Organization(name=r["organization"], tier=r["tier"]))
        Organization.objects.bulk_create(orgs.values(), batch_size=2000)
        contacts = {}
        for r in rows:
            contacts.setdefault(
                r["contact_email"],
                Contact(email=r["contact_email"], name=r["contact_name"], organization=orgs[r["organization"]]),
            )
        Contact.objects.bulk_create(contacts.values(), batch_size=2000)
        tickets = [
            Ticket(
                source="bench",
                external_id=r["external_id"],
                subject=r["subject"],
                channel=r["channel"],
                priority=r["priority"],
                status=r["status"],
                category=categories[r["category"]],
                labelled_category=categories[r["category"]],
                created_at=datetime.fromisoformat(r["created_at"]),
                resolved_at=datetime.fromisoformat(r["resolved_at"]),
                language=r["language"],
                organization=orgs[r["organization"]],
                contact=contacts[r["contact_email"]],
                tags=r["tags"].split(";") if r["tags"] else [],
                csat=int(r["csat"]) if r["csat"] else None,
            )
            for r in rows
        ]
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        messages = []
        for ticket, r in zip(tickets, rows, strict=True):
            messages.append(
                Message(ticket=ticket, author_kind="customer", body=r["body"], created_at=ticket.created_at)
            )
            messages.append(
                Message(ticket=ticket, author_kind="agent", body=r["answer"], created_at=ticket.resolved_at)
            )
        Message.objects.bulk_create(messages, batch_size=2000)
    return time.perf_counter() - started


def copy_columns(model, given: tuple[str, ...]) -> tuple[str, tuple]:
    """The COPY column list for ``model``: the ``given`` columns (their values come with each row), then every other
    NOT NULL column with its model default (JSON defaults as JSON text), so a new non-null column (the CRM fields of
    Organization, say) never breaks the COPY; nullable columns left out are NULL. Returns (columns SQL, defaults)."""
    columns, defaults = list(given), []
    for field in model._meta.concrete_fields:
        if field.column in given or field.primary_key or field.null:
            continue
        value = field.get_default()
        if value is None:
            raise SystemExit(f"{model.__name__}.{field.name} is NOT NULL without a default: give it in bench_import")
        columns.append(field.column)
        defaults.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return ", ".join(columns), tuple(defaults)


TICKET_COLS, TICKET_DEFAULTS = copy_columns(
    Ticket,
    (
        "id", "source", "external_id", "organization_id", "contact_id", "channel", "status", "priority", "subject",
        "language", "category_id", "labelled_category_id", "tags", "csat", "created_at", "updated_at", "resolved_at",
    ),
)  # fmt: skip
MESSAGE_COLS, MESSAGE_DEFAULTS = copy_columns(Message, ("ticket_id", "author_kind", "body", "created_at"))
ORG_COLS, ORG_DEFAULTS = copy_columns(Organization, ("id", "name", "tier", "created_at", "updated_at"))
CONTACT_COLS, CONTACT_DEFAULTS = copy_columns(
    Contact, ("id", "organization_id", "name", "email", "language", "created_at", "updated_at")
)


def shaped(rows: list[dict], categories: dict[str, Category]) -> list[tuple]:
    """The rows as table-ready tuples (parsed dates, JSON text), so raw COPY pays no conversion."""
    return [
        (
            r["external_id"], r["channel"], r["status"], r["priority"], r["subject"], r["language"],
            categories[r["category"]].id, datetime.fromisoformat(r["created_at"]),
            datetime.fromisoformat(r["resolved_at"]), json.dumps(r["tags"].split(";") if r["tags"] else []),
            int(r["csat"]) if r["csat"] else None, r["body"], r["answer"], r["organization"], r["tier"],
            r["contact_email"], r["contact_name"],
        )
        for r in rows
    ]  # fmt: skip


def _reserve(cursor, table: str, n: int) -> list[int]:
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [n])
    return [row[0] for row in cursor.fetchall()]


def copy_people(cursor, tuples: list[tuple]) -> tuple[dict[str, int], dict[str, int]]:
    """COPY the distinct organizations and contacts of the rows; returns (name -> id, email -> id)."""
    now = datetime.now(UTC)
    orgs = {t[13]: t[14] for t in tuples}  # name -> tier
    org_ids = dict(zip(orgs, _reserve(cursor, "tickets_organization", len(orgs)), strict=True))
    with cursor.copy(f"COPY tickets_organization ({ORG_COLS}) FROM STDIN") as copy:
        for name, tier in orgs.items():
            copy.write_row((org_ids[name], name, tier, now, now, *ORG_DEFAULTS))
    people = {t[15]: (t[16], t[13]) for t in tuples}  # email -> (name, organization)
    contact_ids = dict(zip(people, _reserve(cursor, "tickets_contact", len(people)), strict=True))
    with cursor.copy(f"COPY tickets_contact ({CONTACT_COLS}) FROM STDIN") as copy:
        for email, (name, org) in people.items():
            copy.write_row((contact_ids[email], org_ids[org], name, email, "en", now, now, *CONTACT_DEFAULTS))
    return org_ids, contact_ids


def run_copy(tuples: list[tuple], *, everything: bool) -> float:
    """Raw COPY. ``everything``: organizations, contacts, tickets and both messages, all timed; otherwise the
    organizations and contacts are loaded first (not timed) and only the tickets are timed."""
    if not everything:
        with transaction.atomic(), connection.cursor() as cursor:
            people = copy_people(cursor, tuples)
    started = time.perf_counter()
    now = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        if everything:
            people = copy_people(cursor, tuples)
        org_ids, contact_ids = people
        ids = _reserve(cursor, "tickets_ticket", len(tuples))
        with cursor.copy(f"COPY tickets_ticket ({TICKET_COLS}) FROM STDIN") as copy:
            for tid, t in zip(ids, tuples, strict=True):
                ext, channel, status, priority, subject, lang, cat, created, resolved, tags, csat = t[:11]
                copy.write_row((
                    tid, "bench", ext, org_ids[t[13]], contact_ids[t[15]], channel, status, priority, subject, lang,
                    cat, cat, tags, csat, created, now, resolved, *TICKET_DEFAULTS,
                ))  # fmt: skip
        if everything:
            with cursor.copy(f"COPY tickets_message ({MESSAGE_COLS}) FROM STDIN") as copy:
                for tid, t in zip(ids, tuples, strict=True):
                    copy.write_row((tid, "customer", t[11], t[7], *MESSAGE_DEFAULTS))
                    copy.write_row((tid, "agent", t[12], t[8], *MESSAGE_DEFAULTS))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the best is kept")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    n = args.rows
    print(f"Generating {n:,} rows…", flush=True)
    rows = generate(n)
    categories = {
        name: Category.objects.get_or_create(slug=category_slug(name), defaults={"name": name})[0]
        for name in CATEGORIES
    }
    tuples = shaped(rows, categories)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        size_mb = path.stat().st_size / 1e6
        methods = {
            "ours (CSV → validate → COPY staging → INSERT…SELECT)": lambda: run_ours(path),
            "bulk_create (ORM, parsed rows, no validation)": lambda: run_bulk_create(rows, categories),
            TICKETS_ONLY: lambda: run_copy(tuples, everything=False),
            SAME_WRITES: lambda: run_copy(tuples, everything=True),
        }
        results = {}
        for label, method in methods.items():
            best = float("inf")
            for _ in range(args.repeat):
                empty_tables()
                best = min(best, method())
            results[label] = best
            print(f"  {label}: {best:.2f} s", flush=True)
    empty_tables()
    limit = n / results[SAME_WRITES]
    limit_tickets = n / results[TICKETS_ONLY]
    database = connection.settings_dict["NAME"]
    print(f"\nImport of {n:,} rows ({size_mb:.0f} MB CSV; each row = 1 ticket + 2 messages), database {database}")
    print(f"{'method':<56} {'seconds':>8} {'rows/s':>10} {'vs COPY all':>12} {'vs COPY tickets':>16}")
    for label, seconds in results.items():
        rate = n / seconds
        print(f"{label:<56} {seconds:>8.2f} {rate:>10,.0f} {rate / limit:>12.0%} {rate / limit_tickets:>16.0%}")
    ours = n / results["ours (CSV → validate → COPY staging → INSERT…SELECT)"]
    for name, base in (("all the same writes", limit), ("the tickets table only", limit_tickets)):
        verdict = "met" if ours >= 0.5 * base else "NOT met"
        print(f"Goal ours >= 50% of raw COPY of {name}: {verdict} ({ours / base:.0%}).")


if __name__ == "__main__":
    main()
