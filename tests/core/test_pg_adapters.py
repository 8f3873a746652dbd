"""The faster list dumper writes exactly psycopg's bytes, and Django's connections use it."""

import pytest
from django.db import connection
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.array import ListDumper
from psycopg.types.json import Jsonb

from apps.core.pg_adapters import FastListDumper

LISTS = [
    [],
    [None],
    ["plain", "with space", 'a "quoted" word', "back\\slash", 'both \\" mixed', "", "NULL", "{braces}", "comma,"],
    [["nested", 'in "here"'], ["x", None]],
    [1, 2, 3],
    [Jsonb({"why": {"triggers": [{"name": "refund", "evidence": 'said "refund"\\'}]}}), Jsonb([]), None],
]


@pytest.mark.parametrize("values", LISTS)
def test_the_same_bytes_as_psycopg(values):
    transformer = Transformer()
    theirs = ListDumper(list, transformer).upgrade(values, PyFormat.TEXT)
    ours = FastListDumper(list, transformer).upgrade(values, PyFormat.TEXT)
    assert type(ours) is FastListDumper
    assert bytes(ours.dump(values)) == bytes(theirs.dump(values))


@pytest.mark.django_db
def test_django_connections_use_it_and_postgresql_reads_the_values_back():
    connection.ensure_connection()
    assert isinstance(connection.connection.adapters.get_dumper(list, PyFormat.TEXT)(list), FastListDumper)
    values = ['a "quoted" word', "back\\slash", 'both \\" mixed', "{braces}", None]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [values])
        assert cursor.fetchone()[0] == values
        cursor.execute("SELECT (%s::jsonb[])[1] ->> 'k'", [[Jsonb({"k": 'say "hi" \\ bye'})]])
        assert cursor.fetchone()[0] == 'say "hi" \\ bye'
