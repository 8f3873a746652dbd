"""Whole-word, case- and accent-insensitive phrase matching shared by the guard's rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

EVIDENCE_CHARS = 160


class _FoldTable(dict):
    """``str.translate`` table: each character without its accents when that leaves one character (offsets keep)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        self[code] = base if len(base) == 1 else char
        return self[code]


_FOLD = _FoldTable({ord("’"): "'", ord("‘"): "'", ord("ʼ"): "'", ord("`"): "'"})


def fold(text: str) -> str:
    """``text`` NFC-normalized, accents removed and typographic apostrophes made plain, one character per character
    (so a match in the folded text has the same offsets in ``normalize(text)``)."""
    text = unicodedata.normalize("NFC", text or "")
    return text if text.isascii() else text.translate(_FOLD)


def words(pattern: str) -> re.Pattern:
    """Compile ``pattern`` (a regex over folded text) as a whole-word, case-insensitive pattern.

    Spaces in ``pattern`` match any run of whitespace."""
    pattern = pattern.replace(" ", r"\s+")
    return re.compile(r"(?<![\w])(?:" + pattern + r")(?![\w])", re.IGNORECASE)


def any_of(*patterns: str) -> re.Pattern:
    """One whole-word pattern matching any of ``patterns``."""
    return words("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class Rule:
    """A named cue: ``pattern`` over folded text; ``unless_before``: a pattern that, found in the 40 characters
    before the match (same sentence), cancels it (negations, how-to questions)."""

    name: str
    kind: str
    pattern: re.Pattern
    queue_slug: str = ""
    unless_before: re.Pattern | None = None


_SENTENCE_START = re.compile(r"[.!?\n;]")


def _cancelled(rule: Rule, folded: str, start: int) -> bool:
    if rule.unless_before is None:
        return False
    window = folded[max(0, start - 60) : start]
    cut = max((m.end() for m in _SENTENCE_START.finditer(window)), default=0)
    return bool(rule.unless_before.search(window[cut:]))


def first_match(rule: Rule, text: str, folded: str) -> str:
    """The evidence of ``rule`` in ``text`` (its first match not cancelled by ``unless_before``), or ``""``."""
    for match in rule.pattern.finditer(folded):
        if not _cancelled(rule, folded, match.start()):
            return " ".join(text[match.start() : match.end()].split())[:EVIDENCE_CHARS]
    return ""


def run_rules(rules: Iterable[Rule], text: str) -> list[tuple[Rule, str]]:
    """``(rule, evidence)`` for each rule that matches ``text`` (each rule at most once)."""
    text = unicodedata.normalize("NFC", text or "")
    folded = fold(text)
    found = []
    for rule in rules:
        evidence = first_match(rule, text, folded)
        if evidence:
            found.append((rule, evidence))
    return found
