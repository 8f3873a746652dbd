"""The control group of a phased rollout: a fixed share of each category's tickets stays with humans.

Membership is a pure function of the ticket id and the category slug (SHA-256), so the same ticket is always
in or out, on every worker, and the share held out matches ``Category.control_share`` (0–1).
"""

from __future__ import annotations

import hashlib

HEX_DIGITS = 15  # 60 bits: fits a signed bigint, so SQL can compute the same bucket (see CONTROL_BUCKET_SQL)
BUCKETS = 16**HEX_DIGITS
# The same bucket in PostgreSQL, for reports over many tickets: ``{slug}`` and ``{ticket_id}`` are SQL expressions.
CONTROL_BUCKET_SQL = (
    "(('x' || left(encode(sha256(convert_to({slug} || ':' || {ticket_id}::text, 'UTF8')), 'hex'), "
    f"{HEX_DIGITS}))::bit({HEX_DIGITS * 4})::bigint / {float(BUCKETS)!r})"
)


def control_bucket(*, ticket_id: int, slug: str) -> float:
    """A uniform number in [0, 1) fixed by ``ticket_id`` and the category ``slug`` (first 60 bits of SHA-256)."""
    digest = hashlib.sha256(f"{slug}:{int(ticket_id)}".encode()).hexdigest()
    return int(digest[:HEX_DIGITS], 16) / BUCKETS


def in_control_group(*, ticket_id: int, category) -> bool:
    """True when ticket ``ticket_id`` is held out to humans in ``category`` (a ``workflows.Category``).

    ``category.control_share`` (float 0–1, added by the engine; missing or ``None`` counts as 0) is the share
    of tickets held out. Deterministic: the same ticket and slug always give the same answer.
    """
    if category is None:
        return False
    share = float(getattr(category, "control_share", 0) or 0)
    if share <= 0:
        return False
    if share >= 1:
        return True
    return control_bucket(ticket_id=ticket_id, slug=category.slug) < share
