"""Idempotency keys for create endpoints (``Idempotency-Key`` request header).

A client that retries a create with the same key gets the same object back instead of a second one. The key is
stored where the object lives (the ticket's ``source`` + ``external_id``, a message's ``external_id``), so the
database's unique constraints, not a cache, guarantee "stored once". A replay with a different body is refused.
"""

import hashlib
import json
import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
_KEY_RE = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=_KEY_RE.pattern,
    description=(
        "Unique key per logical request (use a random UUID). Replaying the same key with the same body returns "
        "the original object and sets `Idempotent-Replayed: true`; the same key with a different body gets 422."
    ),
)


def idempotency_key_get(request: Request) -> str | None:
    """The request's ``Idempotency-Key`` header (8–128 chars of ``A-Za-z0-9._:-``), or ``None`` when absent.

    Raises DRF ``ValidationError`` (400) for a malformed key.
    """
    key = request.headers.get(HEADER)
    if key is None or key == "":
        return None
    if not _KEY_RE.match(key):
        raise ValidationError(
            {HEADER: ["Use 8–128 characters from A-Z, a-z, 0-9, '.', '_', ':', '-' (a UUID works)."]}
        )
    return key


def request_fingerprint(data: object) -> str:
    """SHA-256 hex digest of ``data`` as canonical JSON (sorted keys), to recognise a replayed request body."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
