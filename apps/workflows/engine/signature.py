"""The error signature of a bug report, from what the customer reported (not from where the tree filed it).

``bug_report`` (``apps.integrations.trackers``) opens one tracker issue per signature and links every later ticket
with the same signature to it. The signature therefore has to name the bug itself: the same error from two customers
must give the same signature, two different bugs two signatures, whatever node of which tree files them.

- An error code in the report (``E-5031``, ``E-EXPORT-504``, ``ERR_UPLOAD_TIMEOUT``, "error 5031", "status 502")
  is the bug's name: ``<category>:error:<code>``.
- Otherwise the symptom: what is broken, in the product area it was reported from. The report's content words
  (stop words, greetings, numbers, ids, links and addresses dropped, crude suffix stemming so "drops" and
  "dropped" agree, and the generic failure and screen words — fails, crashes, broken, blank, page… — left out, so
  "the export fails" and "the export crashes" agree), the first ``SYMPTOM_WORDS`` distinct ones sorted and hashed
  with the area: ``<category>:symptom:<sha256[:12]>``. Other wording of the object does not match (then an agent
  links the tickets by hand); the same words on another product area are another bug.
"""

from __future__ import annotations

import hashlib
import re

SYMPTOM_WORDS = 8
_CODE_PREFIXED = re.compile(r"\b((?:E|ERR|ERROR)[-_][A-Z0-9]+(?:[-_][A-Z0-9]+)*)\b", re.IGNORECASE)
_CODE_AFTER_WORD = re.compile(
    r"\b(?:error|err|code|status|exception|fehler|erreur)\s*[:#=]?\s*([A-Z]{0,8}[-_]?\d{2,6})\b", re.IGNORECASE
)
_NOISE = re.compile(r"https?://\S+|\S+@\S+|\b[A-Z]{2,5}-?\d{3,}\b|\d+")
_WORD = re.compile(r"[a-zäöüß]{3,}")
_FILLER = {
    "hi", "hello", "hey", "thanks", "thank", "please", "help", "team", "support", "regards", "cheers", "best",
    "since", "today", "yesterday", "morning", "again", "still", "just", "also", "really", "keep", "keeps", "get",
    "gets", "got", "trying", "tried", "try", "when", "every", "time", "anyone", "know", "why", "happen",
    "happens", "happening", "issue", "problem", "bug", "seems", "seem", "doesn", "didn", "isn", "won", "can",
    "cannot", "don", "anymore", "suddenly",
}  # fmt: skip
# generic failure and screen words (stemmed): they say that something is broken, not what
_GENERIC = {
    "fail", "failur", "crash", "broken", "break", "error", "err", "work", "load", "show", "empty", "blank", "wrong",
    "stuck", "freez", "froz", "hang", "stop", "happen", "screen", "pag", "display", "appear", "throw", "slow",
    "fil", "app",
}  # fmt: skip


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | _FILLER


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:  # dropp(ed) → drop
        word = word[:-1]
    return word.rstrip("e") if len(word) >= 4 else word  # file/files, crash/crashes, delete/deleted, save/saving


def error_code(text: str) -> str:
    """The first error code in ``text``, upper-cased with ``_`` as ``-`` (``E-5031``), or ``""``."""
    found = _CODE_PREFIXED.search(text) or _CODE_AFTER_WORD.search(text)
    return found.group(1).upper().replace("_", "-") if found else ""


def symptom_words(text: str) -> list[str]:
    """The first ``SYMPTOM_WORDS`` distinct content words of ``text`` (stemmed), sorted."""
    stop = _stop_words()
    words: list[str] = []
    for word in _WORD.findall(_NOISE.sub(" ", text).lower()):
        if word in stop:
            continue
        stem = _stem(word)
        if stem in _GENERIC:
            continue
        if stem not in words:
            words.append(stem)
        if len(words) == SYMPTOM_WORDS:
            break
    return sorted(words)


def bug_signature(*, text: str, category_slug: str, area: str = "", fallback: str = "") -> str:
    """The error signature (≤ 200 chars) for a bug reported as ``text`` in category ``category_slug`` from the
    product ``area`` (page context; may be empty): by error code, else by symptom words and area (see the module
    docstring); ``fallback`` hashed when the text has neither."""
    code = error_code(text)
    if code:
        return f"{category_slug}:error:{code}"[:200]
    words = symptom_words(text)
    basis = f"{area.strip().lower()}|{' '.join(words)}" if words else f"fallback|{fallback}"
    kind = "symptom" if words else "report"
    return f"{category_slug}:{kind}:{hashlib.sha256(basis.encode()).hexdigest()[:12]}"
