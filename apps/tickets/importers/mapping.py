"""The ``--mapping`` file: a JSON object from our field to the file's column, e.g.
``{"external_id": "Ticket ID", "body": "Description", "created_at": "Created", "tags": ["Tag 1", "Tag 2"]}``.

Only ``tags`` may name several columns. For JSON Lines, a column may be a dotted path into nested objects
(``"contact_email": "requester.email"``). Fields are listed in ``apps/tickets/importers/fields.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from apps.core.errors import ValidationError

from .fields import FIELDS

Mapping = dict[str, str | list[str]]


def mapping_load(path: Path) -> Mapping:
    """Read and check a mapping file. Raises ``ValidationError`` naming the bad key or value."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ValidationError(f"Mapping file {path} does not exist.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Mapping file {path} is not valid UTF-8 JSON: {exc}") from None
    return mapping_check(data, origin=str(path))


def mapping_check(data: object, *, origin: str = "mapping") -> Mapping:
    """Check a mapping object: known fields only, column names as strings (a list of them for ``tags``)."""
    if not isinstance(data, dict):
        raise ValidationError(f"{origin}: expected a JSON object of our field -> your column name.")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValidationError(f"{origin}: unknown field(s) {', '.join(unknown)}; fields are: {', '.join(FIELDS)}.")
    for key, value in data.items():
        is_list = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
        if key == "tags" and is_list:
            continue
        if not isinstance(value, str) or not value:
            shape = "a column name or a list of column names" if key == "tags" else "a column name (text)"
            raise ValidationError(f"{origin}: field {key!r} must map to {shape}, got {value!r}.")
    return dict(data)
