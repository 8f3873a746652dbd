"""Requests for a change only staff can make ("please re-issue the invoice", "could you update our address") and
questions about one of the customer's own records ("the line on invoice INV-5540").

The AI has no action that changes customer records, so an answer can't complete such a request: a reply that
would resolve the ticket becomes a draft, and the agent who approves it makes the change. Questions about how the
customer can do it themselves ("how do I change the billing address?") are not requests and stay answerable. A
question about a specific record is answered from that record: without a looked-up fact the reply is a draft.
"""

from __future__ import annotations

import re

_POLITE = r"(?:please|pls|plz|kindly|can you|could you|would you|can someone|could someone|i need you to|" \
    r"we need you to|i'd like you to|we'd like you to)"  # fmt: skip
_CHANGE = (
    r"(?:re-?issue|re-?send|correct|update|change|amend|fix|add|remove|delete|replace|rename|merge|transfer|"
    r"re-?generate|void|credit)"
)
_REQUEST = re.compile(
    rf"\b{_POLITE}\b[^.?!\n]{{0,60}}?\b(?P<verb>{_CHANGE})\b[^.?!\n]{{0,80}}|"
    rf"(?:^|[.!?]\s+)(?P<bare>re-?issue|correct|amend)\b[^.?!\n]{{0,80}}",
    re.IGNORECASE,
)


def change_request(text: str) -> str:
    """The sentence part asking us to change something (``"Please reissue them with our new address"``), or
    ``""`` when ``text`` asks for no change. ``text``: what the customer wrote now."""
    match = _REQUEST.search(" ".join((text or "").split()))
    return match.group(0).strip(" .!?")[:160] if match else ""


_RECORD = re.compile(
    r"\b(?:(?:INV|ORD|CH|PAY|PI|IN|CUS|SUB)[-_]?\d{3,}[\w-]*|"
    r"(?:invoice|order|receipt|charge|payment|transaction|credit note)\s+(?:no\.?\s*|number\s*|#\s*)?"
    r"[A-Z]{0,4}-?\d{4,})\b",
    re.IGNORECASE,
)


def record_reference(text: str) -> str:
    """The first reference to one of the customer's own records in ``text`` (``INV-5540``, ``order 88412``,
    ``invoice #2231``), or ``""``. A question about such a record is answered from that record (a lookup), not
    from a template."""
    match = _RECORD.search(text or "")
    return match.group(0) if match else ""
