"""Grounding helpers for the answer step: is any passage good enough, and what of it may reach a customer.

Knowledge documents are data, never instructions. Instruction-like text inside a document ("ignore previous
instructions…") is flagged at ingestion and cut from passages before they are composed into a reply; links and
images to hosts outside ``settings.KNOWLEDGE_LINK_ALLOWLIST`` are stripped. Internal-visibility passages never
become customer-facing passages.

Score scale (``SearchHit.score``, see ``apps.knowledge.retrieval``): 0–1, the cosine similarity between the
question and the chunk's pooled embedding (negative values clipped to 0), nudged by up to
``TEXT_SCORE_WEIGHT`` of the full-text rank when the words match too. Measured with the offline WordLlama
embeddings on StackFAQ (1,249 paraphrased questions) and 501 off-topic BANKING77 questions against the same
articles: a correct top hit scores 0.52–0.88 (5th–95th percentile, median 0.72), an off-topic question's top hit
0.15–0.44 (median 0.27); ROC AUC 0.99. ``grounding_threshold()`` (default 0.5,
``settings.KNOWLEDGE_GROUNDING_THRESHOLD``) keeps 96% of correct top hits and 2% of off-topic ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings

from .choices import Visibility

if TYPE_CHECKING:
    from apps.integrations.llm.base import Passage

    from .retrieval import SearchHit

DEFAULT_GROUNDING_THRESHOLD = 0.5
DEFAULT_LINK_ALLOWLIST = ("tallyflow.example",)

_INSTRUCTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|your|the)\b"
    r"[^.\n]{0,20}\b(instructions?|prompts?|rules|guidelines|directions|messages)\b",
    r"\byou are now (an? |in |acting|my |DAN\b|free\b|unrestricted\b)",
    r"\b(act|behave|respond) as (if you were|an? )",
    r"\b(system|developer) (prompt|message|instructions?)\b",
    r"\bnew instructions?\s*:",
    r"\b(as an ai|language model)\b[^.\n]{0,40}\b(must|should|will)\b",
    r"\b(do not|don't|never) (tell|inform|mention|reveal)\b[^.\n]{0,30}\b(customer|user|human|anyone)\b",
    r"\b(reveal|print|show|output|repeat)\b[^.\n]{0,20}\b(system prompt|your instructions|api key|password)s?\b",
    r"\b(always|must|should)\b[^.\n]{0,20}\b(issue|grant|approve|give)\b[^.\n]{0,20}\b(refunds?|credits?|discounts?)\b"
    r"[^.\n]{0,40}\b(regardless|no matter|without)\b",
    r"(?:^|\n)\s*(system|assistant|user)\s*:",
    r"</?\s*(system|instructions?|prompt)\s*>",
    r"\b(jailbreak|DAN mode|prompt injection)\b",
]
_INSTRUCTION_RE = re.compile("|".join(f"(?:{p})" for p in _INSTRUCTION_PATTERNS), re.IGNORECASE)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")

_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HTML_LINK = re.compile(r"<a\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)
_HTML_SRC = re.compile(r"\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>", re.IGNORECASE)
_BARE_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?"


def grounding_threshold() -> float:
    """The lowest ``SearchHit.score`` (0–1) an autonomous answer may rest on (``KNOWLEDGE_GROUNDING_THRESHOLD``)."""
    return float(getattr(settings, "KNOWLEDGE_GROUNDING_THRESHOLD", DEFAULT_GROUNDING_THRESHOLD))


def best_score(hits: Iterable[SearchHit]) -> float:
    """The highest ``score`` among ``hits`` (0.0 when there are none)."""
    return max((hit.score for hit in hits), default=0.0)


def is_grounded(hits: Iterable[SearchHit], *, threshold: float | None = None) -> bool:
    """True when at least one hit reaches ``threshold`` (default ``grounding_threshold()``)."""
    return best_score(hits) >= (grounding_threshold() if threshold is None else threshold)


def link_allowlist() -> tuple[str, ...]:
    """Hosts whose links may appear in replies, each with its subdomains (``settings.KNOWLEDGE_LINK_ALLOWLIST``)."""
    hosts = getattr(settings, "KNOWLEDGE_LINK_ALLOWLIST", DEFAULT_LINK_ALLOWLIST)
    return tuple(h.lower().strip().lstrip(".") for h in hosts if h and h.strip())


def host_allowed(url: str, allowlist: Sequence[str] | None = None) -> bool:
    """True for ``http(s)`` URLs (or relative paths) on an allowed host or one of its subdomains."""
    allowlist = link_allowlist() if allowlist is None else allowlist
    url = url.strip()
    if url.lower().startswith("www."):
        url = "https://" + url
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return not url.startswith("//")  # a relative link stays on our own help center
    if parts.scheme.lower() not in ("http", "https"):
        return False
    host = (parts.hostname or "").lower()
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowlist)


def find_instructions(text: str) -> list[str]:
    """Instruction-like passages in ``text`` (each match, trimmed to 120 characters); empty when none."""
    return [m.group(0).strip()[:120] for m in _INSTRUCTION_RE.finditer(text or "")]


def strip_links(text: str, allowlist: Sequence[str] | None = None) -> tuple[str, list[str]]:
    """Remove links and images whose host is not allowed: Markdown and HTML links keep their text, images
    disappear, bare URLs are dropped. Returns ``(text, removed URLs)``."""
    allowlist = link_allowlist() if allowlist is None else allowlist
    removed: list[str] = []

    def keep(url: str) -> bool:
        ok = host_allowed(url, allowlist)
        if not ok:
            removed.append(url)
        return ok

    text = _MD_IMAGE.sub(lambda m: m.group(0) if keep(m.group(2)) else "", text)
    text = _MD_LINK.sub(lambda m: m.group(0) if keep(m.group(2)) else m.group(1), text)
    text = _HTML_IMG.sub(lambda m: m.group(0) if all(keep(u) for u in _HTML_SRC.findall(m.group(0))) else "", text)
    text = _HTML_LINK.sub(lambda m: m.group(0) if keep(m.group(1)) else m.group(2), text)
    text = _AUTOLINK.sub(lambda m: m.group(0) if keep(m.group(1)) else "", text)

    def bare(match: re.Match) -> str:
        url = match.group(0)
        tail = ""
        while url and url[-1] in _TRAILING_PUNCTUATION:
            url, tail = url[:-1], url[-1] + tail
        start = match.start()
        inside_markup = (
            start >= 2 and match.string[start - 2 : start] == "](" or match.string[start - 1 : start] in "\"'<"
        )
        if inside_markup or keep(url):
            return match.group(0)
        return tail

    text = _BARE_URL.sub(bare, text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text))
    return text.strip(), removed


@dataclass(frozen=True)
class SafePassage:
    """A passage fit to compose from: links to other hosts stripped, instruction-like sentences cut."""

    text: str
    removed_links: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def sanitize_passage(text: str, allowlist: Sequence[str] | None = None) -> SafePassage:
    """``text`` with disallowed links/images removed and every sentence that reads like an instruction to the
    assistant dropped (the document is quoted as data, never obeyed)."""
    cleaned, removed = strip_links(text or "", allowlist)
    flags = find_instructions(cleaned)
    if flags:
        kept = [s for s in _SENTENCE_SPLIT.split(cleaned) if s.strip() and not _INSTRUCTION_RE.search(s)]
        cleaned = " ".join(kept)
    return SafePassage(text=cleaned.strip(), removed_links=removed, flags=flags)


def passages_for_reply(
    hits: Iterable[SearchHit], *, threshold: float | None = None, allowlist: Sequence[str] | None = None
) -> list[Passage]:
    """Customer-facing passages for the composer: public hits at or above ``threshold`` only, sanitized, cited
    as ``KB-<document id>`` with the document title and URL (an off-list URL is dropped)."""
    from apps.integrations.llm.base import Passage

    threshold = grounding_threshold() if threshold is None else threshold
    passages = []
    for hit in hits:
        if hit.visibility != Visibility.PUBLIC or hit.score < threshold:
            continue
        safe = sanitize_passage(hit.text, allowlist)
        if not safe.text:
            continue
        url = (
            hit.url if hit.url and host_allowed(hit.url, link_allowlist() if allowlist is None else allowlist) else ""
        )
        passages.append(Passage(source_id=f"KB-{hit.document_id}", title=hit.title, text=safe.text, url=url))
    return passages
