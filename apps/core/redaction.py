"""Removing personal data from text before it leaves for an external LLM.

``redact(text)`` replaces e-mail addresses, phone numbers, payment card numbers and street addresses with
placeholders (``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[ADDRESS]``). The OpenAI-compatible provider calls it on
every text it sends when ``settings.LLM_REDACT_PII`` is true (the default). Card numbers are 13–19 digits (spaces
or dashes allowed) that pass the Luhn check, so order numbers and ticket ids are kept; phone numbers are found
by Google's libphonenumber (``phonenumbers``) as valid, conventionally grouped numbers (dates are not
numbers): international ones (``+49 …``) anywhere and
national ones for the regions in ``settings.PII_PHONE_REGIONS`` (default US, GB, DE, FR).
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

EMAIL = "[EMAIL]"
PHONE = "[PHONE]"
CARD = "[CARD]"
ADDRESS = "[ADDRESS]"
DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR")

_EMAIL = re.compile(r"[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Ter|"
    r"Parkway|Pkwy|Highway|Hwy|Square|Sq|Circle|Cir|Close|Crescent|Cres"
)
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|#)\.?\s*[\w-]+)?"
_ADDRESSES = [
    # 221B Baker Street, 1600 Pennsylvania Ave NW, Suite 200
    re.compile(
        rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[A-Z][\w'.-]*\s+){{0,4}}(?:{_STREET_TYPES})\b\.?"
        rf"(?:\s+(?:N|S|E|W|NE|NW|SE|SW)\b)?{_UNIT}"
    ),
    # Hauptstraße 5, Musterstr. 12a, Am Lindenweg 3, Rue de Rivoli 99 style (German, Dutch, Scandinavian)
    re.compile(
        r"\b(?:(?:Am|An|Auf|Im|In|Zum|Zur|Alte|Neue)\s+)?[A-ZÄÖÜ][\wäöüß-]*"
        r"(?i:straße|strasse|str\.|weg|gasse|platz|allee|damm|ring|ufer|straat|laan|gatan|gade|vej)"
        r"\s+\d{1,5}\s?[a-zA-Z]?\b"
    ),
    # 12 rue de la Paix, 5 avenue Foch, 3 via Roma (number first, lower-case street type)
    re.compile(
        r"\b\d{1,5}(?:\s?bis|\s?ter)?,?\s+(?:rue|avenue|boulevard|bd|place|chemin|via|calle)\s+[\w' -]{2,40}?"
        r"(?=[,.\n]|$)",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:P\.?\s?O\.?\s+Box|Postfach)\s+\d+\b", re.IGNORECASE),
]


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits (payment card numbers pass it)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _cards(text: str) -> str:
    def replace(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        return CARD if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group()

    return _CARD.sub(replace, text)


def _phones(text: str) -> str:
    regions = getattr(settings, "PII_PHONE_REGIONS", DEFAULT_PHONE_REGIONS) or DEFAULT_PHONE_REGIONS
    spans: list[tuple[int, int]] = []
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.STRICT_GROUPING):
            spans.append((match.start, match.end))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(PHONE)
        last = end
    out.append(text[last:])
    return "".join(out)


def redact(text: str) -> str:
    """``text`` with e-mail addresses, payment card numbers (Luhn-valid), phone numbers and street addresses
    replaced by ``[EMAIL]``, ``[CARD]``, ``[PHONE]``, ``[ADDRESS]``. Everything else is kept as it was,
    including order numbers, amounts and dates. Idempotent. Raises ``TypeError`` for non-strings."""
    if not isinstance(text, str):
        raise TypeError("redact needs a str")
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _cards(text)
    text = _phones(text)
    for pattern in _ADDRESSES:
        text = pattern.sub(ADDRESS, text)
    return text
