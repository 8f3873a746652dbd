"""The fields an import row can carry, and turning one raw row into a validated, normalised row.

Our fields (the keys of a ``--mapping`` JSON file; values are *their* column names):

============== ======== ==========================================================================================
field          required what it holds
============== ======== ==========================================================================================
external_id             the ticket's id in the old system (max 200 chars); without it, a stable hash of the row
subject                 ticket subject (capped at 500 chars)
body           yes      the customer's first message (capped at ``IMPORT_MAX_TEXT_CHARS``, default 100,000)
answer                  the agent's reply, stored as an agent message (capped like ``body``)
channel                 chat, email, web, api, phone, social (also: e-mail, mail, webform, form, twitter…)
priority                low, normal, high, urgent (also: medium → normal, critical → urgent, 1–4)
category                the human label (queue, intent, topic); becomes a ``workflows.Category`` by slug
created_at              ISO 8601 (``2024-05-01T09:30:00Z``, ``2024-05-01 09:30``), RFC 2822, or Unix seconds;
                        naive times are in ``TIME_ZONE``; missing → the time of the import
resolved_at             same formats
first_response_at       same formats
contact_email           the customer's email (contacts are deduplicated by email, case-insensitively)
contact_name            the customer's name (kept on the contact, or in metadata when there is no email)
organization            the customer's company (deduplicated by name, case-insensitively; without it, by the
                        email's domain unless it is a free-mail domain)
tier                    free, pro, business, enterprise (set when the organization is created)
language               ISO 639-1 code such as ``en`` or ``de-AT`` (max 8 chars)
tags                    a JSON list, or one text split on ``,`` ``;`` ``|``; a mapping may list several columns
csat                    1–5 (``4``, ``4.0``)
status                  new, open, pending, escalated, resolved, closed (also: solved, on-hold, waiting…);
                        missing → ``resolved`` with ``resolved_at``, ``pending`` (answered, waiting on the
                        customer) with an answer, else ``new``
============== ======== ==========================================================================================

Columns that no field maps are kept in the ticket's ``metadata`` (strings capped at 2,000 chars).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from apps.tickets.choices import Channel, Priority, TicketStatus, Tier

FIELDS: tuple[str, ...] = (
    "external_id",
    "subject",
    "body",
    "answer",
    "channel",
    "priority",
    "category",
    "created_at",
    "resolved_at",
    "first_response_at",
    "contact_email",
    "contact_name",
    "organization",
    "tier",
    "language",
    "tags",
    "csat",
    "status",
)
REQUIRED: tuple[str, ...] = ("body",)

MAX_EXTERNAL_ID = 200
MAX_SUBJECT = 500
MAX_NAME = 200
MAX_EXTRA = 2_000
MAX_TAGS = 50
MAX_TAG = 100


def max_text_chars() -> int:
    """Cap for ``body`` and ``answer`` in characters (setting ``IMPORT_MAX_TEXT_CHARS``, default 100,000)."""
    return int(getattr(settings, "IMPORT_MAX_TEXT_CHARS", 100_000))


# Spellings seen in helpdesk exports, mapped to our enums.
CHANNELS = {c.value: c.value for c in Channel} | {
    "e-mail": "email",
    "mail": "email",
    "webform": "web",
    "web form": "web",
    "form": "web",
    "portal": "web",
    "livechat": "chat",
    "live chat": "chat",
    "messenger": "chat",
    "widget": "chat",
    "telephone": "phone",
    "voice": "phone",
    "call": "phone",
    "twitter": "social",
    "facebook": "social",
    "x": "social",
}
PRIORITIES = {p.value: p.value for p in Priority} | {
    "medium": "normal",
    "moderate": "normal",
    "critical": "urgent",
    "emergency": "urgent",
    "highest": "urgent",
    "lowest": "low",
    "1": "low",
    "2": "normal",
    "3": "high",
    "4": "urgent",
}
STATUSES = {s.value: s.value for s in TicketStatus} | {
    "solved": "resolved",
    "done": "resolved",
    "fixed": "resolved",
    "on-hold": "pending",
    "on hold": "pending",
    "hold": "pending",
    "waiting": "pending",
    "in progress": "open",
    "in-progress": "open",
    "reopened": "open",
}
TIERS = {t.value: t.value for t in Tier} | {"basic": "free", "starter": "free", "professional": "pro", "team": "pro"}

# Personal mailboxes: an email at these domains says nothing about the customer's company.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.de", "hotmail.com", "hotmail.de", "outlook.com",
        "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net", "gmx.com",
        "web.de", "t-online.de", "proton.me", "protonmail.com", "mail.com", "yandex.ru", "yandex.com", "mail.ru",
        "qq.com", "163.com", "zoho.com", "fastmail.com", "hey.com",
    }
)  # fmt: skip
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TAG_SPLIT = re.compile(r"[,;|]")


@dataclass(slots=True)
class RowError:
    """One problem in one row: ``row`` counts data rows from 1 (the header is not a row), ``line`` is the
    file line where the row starts, ``column`` is the file's column name (``-`` for the whole row)."""

    row: int
    column: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" (line {self.line})" if self.line else "")
        return f"{where}, column {self.column!r}: {self.reason}" if self.column != "-" else f"{where}: {self.reason}"


@dataclass(slots=True)
class RawRow:
    """A row as read from the file: ``values`` by our field name, ``extra`` = unmapped columns by their name."""

    number: int
    line: int | None
    values: dict[str, Any]
    extra: dict[str, Any]
    fingerprint: str  # the row's raw content, hashed into a stable id when it has no external_id
    problem: str | None = None  # a defect of the whole row (wrong number of columns, not a JSON object)


@dataclass(slots=True)
class CleanRow:
    """A validated row, ready for the staging table. Keys: ``org_key`` (``n:<name>`` / ``d:<domain>``),
    ``contact_key`` (``e:<email>``); the staging table lower-cases them with PostgreSQL's ``lower()``, the
    function the lookups use."""

    number: int
    external_id: str
    subject: str
    body: str
    answer: str
    channel: str
    priority: str
    status: str
    category_slug: str
    category_name: str
    created_at: datetime
    resolved_at: datetime | None
    first_response_at: datetime | None
    contact_email: str
    contact_name: str
    organization: str
    org_key: str
    contact_key: str
    tier: str
    language: str
    tags: list[str]
    csat: int | None
    metadata: dict[str, Any] = field(default_factory=dict)


class _Bad(Exception):
    """A field that cannot be accepted; carries the reason."""


def category_slug(label: str) -> str:
    """Lower-case slug of a category label; ``/`` keeps sub-categories (``Billing/Double charge`` →
    ``billing/double-charge``); underscores become hyphens (``cancel_order`` → ``cancel-order``); labels
    with no Latin letters keep theirs (``退款`` → ``退款``). Empty when the label has no letters or digits."""
    parts = [slugify(part.replace("_", " ")) or slugify(part, allow_unicode=True) for part in label.split("/")]
    return "/".join(p for p in parts if p)[:100]


def category_name(label: str) -> str:
    """Readable name for a label: ``cancel_order`` → ``Cancel order``; labels with capitals stay as they are."""
    label = " ".join(label.strip().split())
    if label == label.lower():
        label = label.replace("_", " ").capitalize()
    return label[:MAX_NAME]


def parse_datetime_value(value: Any, default_tz=None) -> datetime:
    """ISO 8601, RFC 2822 or Unix seconds → aware datetime. Raises ``_Bad`` with the expected formats."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value) or not 0 <= value < 1e11:
            raise _Bad(f"bad date {value!r} (Unix seconds out of range)")
        return datetime.fromtimestamp(value, tz=UTC)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None:
        if text.isdigit() and 9 <= len(text) <= 10:
            return datetime.fromtimestamp(int(text), tz=UTC)
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise _Bad(
                f"bad date {text[:40]!r} (expected ISO 8601 like 2024-05-01T09:30:00Z, RFC 2822 or Unix seconds)"
            ) from None
    try:
        if parsed.tzinfo is None:
            parsed = timezone.make_aware(parsed, default_tz or timezone.get_default_timezone())
    except (OverflowError, ValueError):
        raise _Bad(f"bad date {text[:40]!r} (out of range)") from None
    return parsed


def _is_json_number(value: Any) -> bool:
    """Numbers and booleans PostgreSQL's jsonb accepts as they are (not NaN or infinity)."""
    return isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.strip()


def _enum(value: Any, table: dict[str, str], label: str) -> str:
    if isinstance(value, str) and (found := table.get(value)) is not None:
        return found
    key = _text(value).lower()
    if key in table:
        return table[key]
    allowed = ", ".join(sorted(set(table.values())))
    raise _Bad(f"bad {label} {key[:40]!r} (expected one of {allowed})")


def _tags(value: Any) -> list[str]:
    if isinstance(value, list):
        items = value
    else:
        text = _text(value)
        if text.startswith("["):
            try:
                items = json.loads(text)
            except ValueError:
                items = _TAG_SPLIT.split(text)
            if not isinstance(items, list):
                items = [text]
        else:
            items = _TAG_SPLIT.split(text)
    tags = []
    for item in items:
        tag = _text(item)[:MAX_TAG]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:MAX_TAGS]


def _csat(value: Any) -> int:
    try:
        number = float(_text(value))
    except ValueError:
        raise _Bad(f"bad CSAT {_text(value)[:20]!r} (expected a whole number 1–5)") from None
    if not number.is_integer() or not 1 <= number <= 5:
        raise _Bad(f"bad CSAT {_text(value)[:20]!r} (expected a whole number 1–5)")
    return int(number)


def _capped(text: str, limit: int, name: str, notes: dict[str, int]) -> str:
    if len(text) > limit:
        notes[name] = len(text)
        return text[:limit]
    return text


class RowCleaner:
    """Validate and normalise raw rows. ``columns`` maps our field → the file's column (for messages);
    ``defaults`` supplies values for fields the format fixes (``{"channel": "email"}``)."""

    def __init__(self, *, columns: dict[str, str], defaults: dict[str, Any] | None = None, now: datetime):
        self.columns = columns
        self.defaults = defaults or {}
        self.now = now
        self.text_cap = max_text_chars()
        self.categories: dict[str, str] = {}  # slug -> name, first seen
        self.tz = timezone.get_default_timezone()
        active = set(columns) | set(self.defaults)
        self.parsers = [(name, parse, kind) for name, parse, kind in _PARSERS if name in active]
        self._slugs: dict[str, str] = {}  # label -> slug (slugify is slow, labels repeat)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def clean(self, raw: RawRow) -> tuple[CleanRow | None, list[RowError]]:
        """Return the clean row, or ``None`` with every problem of the row (one error per bad field)."""
        if raw.problem:
            return None, [RowError(raw.number, "-", raw.problem, raw.line)]
        values = raw.values
        if self.defaults:
            values = {**self.defaults, **{k: v for k, v in values.items() if v is not None and v != ""}}
        get = values.get
        errors: list[RowError] = []
        notes: dict[str, int] = {}

        def fail(name: str, reason: str) -> None:
            errors.append(RowError(raw.number, self.column(name), reason, raw.line))

        body = _text(get("body"))
        if not body:
            fail("body", "missing required body (the customer's message)")
        external_id = _text(get("external_id"))
        if len(external_id) > MAX_EXTERNAL_ID:
            fail("external_id", f"external id longer than {MAX_EXTERNAL_ID} characters")
        if not external_id:
            external_id = "h:" + raw.fingerprint

        parsed: dict[str, Any] = dict.fromkeys(_PARSED)
        for name, parse, kind in self.parsers:
            value = get(name)
            if value is None or value == "":
                continue
            try:
                parsed[name] = parse(value, self.tz) if kind == "date" else parse(value)
            except _Bad as exc:
                fail(name, str(exc))

        email = _text(get("contact_email"))
        if email and (len(email) > 254 or not _EMAIL.match(email)):
            fail("contact_email", f"bad email {email[:60]!r}")
        language = _text(get("language")).lower().replace("_", "-")
        if len(language) > 8:
            fail("language", f"bad language {language[:20]!r} (expected a code such as en or de-AT)")
        if errors:
            return None, errors

        label = _text(get("category"))
        slug = self._slugs.get(label)
        if slug is None:
            slug = self._slugs[label] = category_slug(label) if label else ""
            if slug and slug not in self.categories:
                self.categories[slug] = category_name(label)
        if label and not slug:
            fail("category", f"bad category {label[:40]!r} (no letters or digits to name it by)")
            return None, errors

        organization = _text(get("organization"))[:MAX_NAME]
        domain = email.rsplit("@", 1)[1].lower() if email else ""
        if organization:
            org_key = "n:" + organization
        elif domain and domain not in FREE_MAIL_DOMAINS:
            org_key = "d:" + domain
        else:
            org_key = ""
        contact_name = _text(get("contact_name"))[:MAX_NAME]
        metadata = {
            key.replace("\x00", ""): v if _is_json_number(v) else _text(v)[:MAX_EXTRA]
            for key, v in raw.extra.items()
            if v not in (None, "")
        }
        if contact_name and not email:
            metadata["contact_name"] = contact_name

        answer = _capped(_text(get("answer")), self.text_cap, "answer", notes)
        resolved_at = parsed["resolved_at"]
        status = parsed["status"] or (
            TicketStatus.RESOLVED if resolved_at else TicketStatus.PENDING if answer else TicketStatus.NEW
        )
        row = CleanRow(
            number=raw.number,
            external_id=external_id,
            subject=_capped(_text(get("subject")), MAX_SUBJECT, "subject", notes),
            body=_capped(body, self.text_cap, "body", notes),
            answer=answer,
            channel=parsed["channel"] or Channel.EMAIL,
            priority=parsed["priority"] or Priority.NORMAL,
            status=str(status),
            category_slug=slug,
            category_name=self.categories.get(slug, ""),
            created_at=parsed["created_at"] or self.now,
            resolved_at=resolved_at,
            first_response_at=parsed["first_response_at"],
            contact_email=email,
            contact_name=contact_name,
            organization=organization,
            org_key=org_key,
            contact_key="e:" + email if email else "",
            tier=parsed["tier"] or "",
            language=language,
            tags=parsed["tags"] or [],
            csat=parsed["csat"],
            metadata=metadata,
        )
        if notes:
            row.metadata["truncated"] = {name: {"original_chars": n} for name, n in notes.items()}
        return row, []


_PARSERS: tuple[tuple[str, Any, str], ...] = (
    ("channel", lambda v: _enum(v, CHANNELS, "channel"), "enum"),
    ("priority", lambda v: _enum(v, PRIORITIES, "priority"), "enum"),
    ("status", lambda v: _enum(v, STATUSES, "status"), "enum"),
    ("tier", lambda v: _enum(v, TIERS, "tier"), "enum"),
    ("created_at", parse_datetime_value, "date"),
    ("resolved_at", parse_datetime_value, "date"),
    ("first_response_at", parse_datetime_value, "date"),
    ("tags", _tags, "list"),
    ("csat", _csat, "int"),
)
_PARSED = tuple(name for name, _, _ in _PARSERS)
