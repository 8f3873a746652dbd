"""PII redaction before text leaves for an external LLM (apps/core/redaction.py)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.redaction import luhn_valid, redact

BOUNDED = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to jane.doe+billing@example.co.uk today", "Write to [EMAIL] today"),
        ("call (415) 555-2671.", "call [PHONE]."),
        ("UK: 020 7946 0958, intl +44 20 7946 0958", "UK: [PHONE], intl [PHONE]"),
        ("Ruf an: +49 30 901820", "Ruf an: [PHONE]"),
        ("card 4242 4242 4242 4242 charged", "card [CARD] charged"),
        ("amex 378282246310005, mc 5555-5555-5555-4444", "amex [CARD], mc [CARD]"),
        ("221B Baker Street, London", "[ADDRESS], London"),
        ("1600 Pennsylvania Ave NW, Suite 200", "[ADDRESS]"),
        ("wohne in der Hauptstraße 5, 10115 Berlin", "wohne in der [ADDRESS], 10115 Berlin"),
        ("12 rue de la Paix, Paris", "[ADDRESS], Paris"),
        ("P.O. Box 123, Springfield", "[ADDRESS], Springfield"),
    ],
)
def test_personal_data_is_replaced(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1234 5678 9012 3456 fails the Luhn check",
        "Order 1234567890123, ticket #48213, invoice INV-2024-0042",
        "Charged $1,234.56 on 2024-05-01 at 14:30, version 5.2.1, error 500",
        "I moved to the main street 5 years ago; 3 ways to do it; Dr. Smith said so",
    ],
)
def test_ordinary_numbers_and_words_are_kept(text):
    assert redact(text) == text


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError


@BOUNDED
@given(
    body=st.text("0123456789", min_size=15, max_size=15).filter(lambda s: s[0] != "0"),
    sep=st.sampled_from(["", " ", "-"]),
    before=st.text(st.characters(categories=["L", "Zs"]), max_size=30),
)
def test_any_luhn_valid_card_number_is_removed(body, sep, before):
    number = _luhn_complete(body)
    shown = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    out = redact(f"{before} {shown} thanks")
    assert re.sub(r"\D", "", shown) not in re.sub(r"\D", "", out)


@BOUNDED
@given(
    user=st.from_regex(r"[a-z][a-z0-9._+-]{0,15}", fullmatch=True),
    domain=st.from_regex(r"[a-z][a-z0-9-]{0,10}\.(com|org|de|co\.uk)", fullmatch=True),
    text=st.text(max_size=40),
)
def test_any_email_is_removed_and_redaction_is_idempotent(user, domain, text):
    out = redact(f"{text} {user}@{domain} {text}")
    assert f"{user}@{domain}" not in out
    assert redact(out) == out


@BOUNDED
@given(text=st.text(st.characters(categories=["L", "P", "Zs"], exclude_characters="@"), max_size=200))
def test_text_without_digits_or_at_signs_is_untouched(text):
    assert redact(text) == text


def test_non_text_is_refused():
    with pytest.raises(TypeError):
        redact(b"bytes")
