"""Control group: deterministic per ticket and category, the configured share, the same bucket in SQL."""

from types import SimpleNamespace

import pytest
from django.db import connection

from apps.analytics.control import CONTROL_BUCKET_SQL, control_bucket, in_control_group


def _category(slug="billing", share=0.2):
    return SimpleNamespace(slug=slug, control_share=share)


def test_membership_is_deterministic():
    category = _category()
    first = [in_control_group(ticket_id=i, category=category) for i in range(2000)]
    again = [in_control_group(ticket_id=i, category=category) for i in range(2000)]
    assert first == again


@pytest.mark.parametrize("share", [0.05, 0.2, 0.5])
def test_share_held_out_matches_the_setting(share):
    category = _category(share=share)
    held = sum(in_control_group(ticket_id=i, category=category) for i in range(20000))
    assert abs(held / 20000 - share) < 0.01


def test_edges_and_missing_field():
    assert not any(in_control_group(ticket_id=i, category=_category(share=0)) for i in range(500))
    assert all(in_control_group(ticket_id=i, category=_category(share=1)) for i in range(500))
    assert in_control_group(ticket_id=1, category=SimpleNamespace(slug="x")) is False  # no control_share yet
    assert in_control_group(ticket_id=1, category=None) is False


def test_categories_hold_out_different_tickets():
    a = {i for i in range(5000) if in_control_group(ticket_id=i, category=_category("billing"))}
    b = {i for i in range(5000) if in_control_group(ticket_id=i, category=_category("how-to"))}
    assert a != b and len(a & b) < len(a) * 0.4


@pytest.mark.django_db
def test_sql_bucket_equals_python():
    sql = "SELECT " + CONTROL_BUCKET_SQL.format(slug="%s", ticket_id="%s")
    with connection.cursor() as cursor:
        for slug, ticket_id in [("billing", 1), ("account/password-reset", 987654), ("how-to", 42)]:
            cursor.execute(sql, [slug, ticket_id])
            assert float(cursor.fetchone()[0]) == pytest.approx(
                control_bucket(ticket_id=ticket_id, slug=slug), abs=1e-12
            )
