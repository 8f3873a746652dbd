"""Set-based loading of staged import rows: COPY into a temp table, then one INSERT … SELECT per table.

Nothing here goes row by row through the ORM. Every statement runs inside the caller's transaction; the temp
tables are dropped at the end (and by PostgreSQL on rollback). No SQL is built from file content: values
travel through COPY or parameters; only column names from the models are interpolated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import NOT_PROVIDED, Model

from apps.tickets.choices import AuthorKind
from apps.tickets.importers import CleanRow
from apps.tickets.models import Contact, Message, Organization, Ticket

STAGING_COLUMNS = (
    "row_no",
    "external_id",
    "subject",
    "body",
    "answer",
    "channel",
    "priority",
    "status",
    "category_slug",
    "created_at",
    "resolved_at",
    "first_response_at",
    "contact_email",
    "contact_name",
    "organization",
    "org_key_raw",
    "contact_key_raw",
    "tier",
    "language",
    "tags",
    "csat",
    "metadata",
)
# Session temp tables, created on a connection's first import and emptied for each one after: creating and
# dropping them per import would churn the catalog and, with many imports in one transaction (tests), run out of
# lock slots. A deploy restarts the processes, so a changed definition always starts in a new session.
_STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS import_staging (
  row_no integer, external_id text, subject text, body text, answer text, channel text, priority text,
  status text, category_slug text, created_at timestamptz, resolved_at timestamptz, first_response_at timestamptz,
  contact_email text, contact_name text, organization text, org_key_raw text, contact_key_raw text, tier text,
  language text, tags jsonb, csat smallint, metadata jsonb,
  -- deduplication keys lower-cased by PostgreSQL, as the lower(name) / lower(email) lookups are
  org_key text GENERATED ALWAYS AS (lower(org_key_raw)) STORED,
  contact_key text GENERATED ALWAYS AS (lower(contact_key_raw)) STORED
);
CREATE TEMP TABLE IF NOT EXISTS import_people (
  row_no integer, org_key text, organization text, tier text, contact_key text, contact_email text,
  contact_name text, language text
);
CREATE TEMP TABLE IF NOT EXISTS import_org (k text PRIMARY KEY, id bigint);
CREATE TEMP TABLE IF NOT EXISTS import_contact (k text PRIMARY KEY, id bigint);
CREATE TEMP TABLE IF NOT EXISTS import_new (id bigint, external_id text);
"""
_TEMP_TABLES = ("import_staging", "import_people", "import_org", "import_contact", "import_new")
Expr = str | tuple[str, list]


def staging_create(cursor) -> None:
    """Make the session's temp tables ready and empty for one import (in the caller's transaction)."""
    cursor.execute(_STAGING_DDL)
    staging_clear(cursor)


def staging_clear(cursor) -> None:
    """Empty the temp tables (frees their space once an import is done)."""
    cursor.execute("TRUNCATE " + ", ".join(f"pg_temp.{t}" for t in _TEMP_TABLES))


def staging_copy(cursor, rows: Iterable[CleanRow]) -> None:
    """Stream clean rows into ``import_staging`` with PostgreSQL COPY (psycopg 3 ``cursor.copy``)."""
    dumps = json.dumps
    sql = f"COPY import_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        write = copy.write_row
        for r in rows:
            write(
                (
                    r.number,
                    r.external_id,
                    r.subject,
                    r.body,
                    r.answer,
                    r.channel,
                    r.priority,
                    r.status,
                    r.category_slug,
                    r.created_at,
                    r.resolved_at,
                    r.first_response_at,
                    r.contact_email,
                    r.contact_name,
                    r.organization,
                    r.org_key,
                    r.contact_key,
                    r.tier,
                    r.language,
                    dumps(r.tags, ensure_ascii=False) if r.tags else "[]",
                    r.csat,
                    dumps(r.metadata, ensure_ascii=False, default=str) if r.metadata else "{}",
                )
            )


def _insert_parts(model: type[Model], provided: dict[str, Expr]) -> tuple[str, str, list]:
    """Column list, SELECT list and their params for ``INSERT INTO <model> (…) SELECT …``.

    ``provided``: column → SQL expression (or ``(expression, params)``). Every other concrete column gets its
    field default (``now()`` for auto timestamps, NULL when nullable, omitted with a database default), so a
    field added later with a default does not break the import.
    """
    quote = connection.ops.quote_name
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.get_internal_type().endswith("AutoField"):
            continue
        column = field.column
        if column in provided:
            expression = provided[column]
            if isinstance(expression, tuple):
                expression, extra = expression
                params.extend(extra)
        elif field.db_default is not NOT_PROVIDED:
            continue
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expression = "now()"
        elif field.has_default():
            expression = f"%s::{field.db_type(connection)}"
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            expression = "NULL"
        else:
            raise RuntimeError(f"{model.__name__}.{field.name} has no default: the bulk import must provide it")
        columns.append(quote(column))
        expressions.append(expression)
    return ", ".join(columns), ", ".join(expressions), params


def _insert(cursor, model: type[Model], provided: dict[str, Expr], tail: str, tail_params: list | None = None) -> int:
    """Run ``INSERT INTO <model> (…) SELECT … <tail>`` and return the number of rows inserted."""
    columns, expressions, params = _insert_parts(model, provided)
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({columns}) SELECT {expressions} {tail}", [*params, *(tail_params or [])]
    )
    return cursor.rowcount


_FIRST = "(array_agg({col} ORDER BY s.row_no) FILTER (WHERE {col} <> ''))[1]"


def organizations_load(cursor) -> int:
    """Create the organizations the staged rows name and fill ``import_org`` (key → id).

    Keys: ``n:<lower name>`` match ``lower(name)``; ``d:<domain>`` (rows with only an email) match ``domain``.
    A new organization takes the first non-empty tier of its rows. Returns the number created.
    """
    default_tier = Organization._meta.get_field("tier").get_default()
    # One pass over the wide staging table (it holds the message bodies); the steps below read this narrow copy.
    cursor.execute(
        """INSERT INTO import_people
           SELECT row_no, org_key, organization, tier, contact_key, contact_email, contact_name, language
           FROM import_staging WHERE org_key <> '' OR contact_key <> ''"""
    )
    created = 0
    for kind, match in (("n", "lower(o.name) = substr(g.org_key, 3)"), ("d", "o.domain = substr(g.org_key, 3)")):
        name = "(array_agg(s.organization ORDER BY s.row_no))[1]" if kind == "n" else "substr(s.org_key, 3)"
        domain = "''" if kind == "n" else "substr(s.org_key, 3)"
        created += _insert(
            cursor,
            Organization,
            {"name": "g.name", "domain": "g.domain", "tier": ("coalesce(g.tier, %s)", [default_tier])},
            f"""FROM (SELECT s.org_key, {name} AS name, {domain} AS domain, {_FIRST.format(col="s.tier")} AS tier
                      FROM import_people s WHERE s.org_key LIKE '{kind}:%%' GROUP BY s.org_key) g
                WHERE NOT EXISTS (SELECT 1 FROM tickets_organization o WHERE {match})""",
        )
        cursor.execute(
            f"""INSERT INTO import_org (k, id)
                SELECT DISTINCT ON (g.org_key) g.org_key, o.id
                FROM (SELECT DISTINCT org_key FROM import_people WHERE org_key LIKE '{kind}:%%') g
                JOIN tickets_organization o ON {match} ORDER BY g.org_key, o.id""",
            [],
        )
    return created


def contacts_load(cursor) -> int:
    """Create the contacts (by email, case-insensitively) the staged rows name and fill ``import_contact``.
    Runs after ``organizations_load``, which stages ``import_people``.

    A new contact takes the first non-empty name, language and organization of its rows. Returns the number created.
    """
    created = _insert(
        cursor,
        Contact,
        {
            "organization_id": "om.id",
            "name": "coalesce(g.name, '')",
            "email": "g.email",
            "language": "coalesce(g.language, '')",
        },
        f"""FROM (SELECT s.contact_key, (array_agg(s.contact_email ORDER BY s.row_no))[1] AS email,
                         {_FIRST.format(col="s.contact_name")} AS name, {_FIRST.format(col="s.language")} AS language,
                         {_FIRST.format(col="s.org_key")} AS org_key
                  FROM import_people s WHERE s.contact_key <> '' GROUP BY s.contact_key) g
            LEFT JOIN import_org om ON om.k = g.org_key
            WHERE NOT EXISTS (SELECT 1 FROM tickets_contact c WHERE lower(c.email) = substr(g.contact_key, 3))""",
    )
    cursor.execute(
        """INSERT INTO import_contact (k, id)
           SELECT DISTINCT ON (g.contact_key) g.contact_key, c.id
           FROM (SELECT DISTINCT contact_key FROM import_people WHERE contact_key <> '') g
           JOIN tickets_contact c ON lower(c.email) = substr(g.contact_key, 3) ORDER BY g.contact_key, c.id"""
    )
    return created


def tickets_load(cursor, *, source: str, categories: dict[str, int]) -> int:
    """Insert the staged tickets in file order, skipping ``source`` + ``external_id`` already stored
    (``ON CONFLICT DO NOTHING``); the new ids land in ``import_new``. ``categories``: slug → Category id,
    set on both ``labelled_category`` and ``category``. Returns the number inserted."""
    slugs, ids = list(categories), list(categories.values())
    columns = {
        "source": ("%s", [source]),
        "external_id": "s.external_id",
        "organization_id": "om.id",
        "contact_id": "cm.id",
        "channel": "s.channel",
        "status": "s.status",
        "priority": "s.priority",
        "subject": "s.subject",
        "language": "s.language",
        "category_id": "cat.id",
        "labelled_category_id": "cat.id",
        "tags": "s.tags",
        "metadata": "s.metadata",
        "csat": "s.csat",
        "created_at": "s.created_at",
        "first_response_at": "s.first_response_at",
        "resolved_at": "s.resolved_at",
    }
    columns_sql, expressions, params = _insert_parts(Ticket, columns)
    cursor.execute(
        f"""WITH category (slug, id) AS (SELECT * FROM unnest(%s::text[], %s::bigint[])),
                 ins AS (
                   INSERT INTO {Ticket._meta.db_table} ({columns_sql}) SELECT {expressions}
                   FROM import_staging s
                   LEFT JOIN import_org om ON om.k = s.org_key
                   LEFT JOIN import_contact cm ON cm.k = s.contact_key
                   LEFT JOIN category cat ON cat.slug = s.category_slug
                   ORDER BY s.row_no
                   ON CONFLICT (source, external_id) DO NOTHING
                   RETURNING id, external_id)
            INSERT INTO import_new (id, external_id) SELECT id, external_id FROM ins""",
        [slugs, ids, *params],
    )
    return cursor.rowcount


def messages_load(cursor) -> int:
    """Insert each new ticket's customer message (``body``, at ``created_at``) followed by its agent answer
    (at ``first_response_at``, else ``resolved_at``, else ``created_at``) in one pass over the new tickets.
    Returns the number inserted."""
    return _insert(
        cursor,
        Message,
        {"ticket_id": "n.id", "author_kind": "m.kind", "body": "m.body", "created_at": "m.at"},
        """FROM import_new n JOIN import_staging s ON s.external_id = n.external_id
           CROSS JOIN LATERAL (VALUES (%s, s.body, s.created_at),
                                      (%s, s.answer, coalesce(s.first_response_at, s.resolved_at, s.created_at)))
                AS m (kind, body, at)
           WHERE m.body <> ''""",
        [AuthorKind.CUSTOMER.value, AuthorKind.AGENT.value],
    )
