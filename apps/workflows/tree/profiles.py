"""Channel behaviour profiles: how an answer is shaped for chat (short, conversational, action-oriented) and for
email (greeting, sections, sign-off), with length limits, formality and related-article suggestions.

A workflow version's ``profiles`` JSON overrides the defaults per channel shape (``chat`` / ``email``), e.g.
``{"chat": {"max_chars": 300, "suggest_articles": 0}}``. ``answer_render`` turns the grounded parts of an answer
(template text, looked-up fact sentences, knowledge passages) into the text for one profile; it adds no facts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

PROFILE_KEYS = ("greeting", "sign_off", "sections", "max_chars", "formality", "suggest_articles", "passage_sentences")


@dataclass(frozen=True)
class ChannelProfile:
    """``max_chars``: hard length limit of the reply; ``formality``: ``formal`` or ``casual`` (greeting and
    sign-off wording); ``suggest_articles``: how many related articles to name (0: none); ``passage_sentences``:
    sentences quoted from each knowledge passage; ``sections``: headed sections instead of one paragraph."""

    shape: str
    greeting: bool
    sign_off: bool
    sections: bool
    max_chars: int
    formality: str = "formal"
    suggest_articles: int = 1
    passage_sentences: int = 2


DEFAULT_PROFILES = {
    "chat": ChannelProfile(
        "chat", greeting=False, sign_off=False, sections=False, max_chars=450, formality="casual",
        suggest_articles=1, passage_sentences=1,
    ),
    "email": ChannelProfile(
        "email", greeting=True, sign_off=True, sections=True, max_chars=2400, formality="formal",
        suggest_articles=3, passage_sentences=3,
    ),
}  # fmt: skip
GREETINGS = {"formal": "Dear {name},", "casual": "Hi {name},"}
SIGN_OFFS = {"formal": "Kind regards,", "casual": "Cheers,"}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_GREETING = re.compile(r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^,!\n]*[,!]?\s*", re.IGNORECASE)


def profile_for(shape: str, overrides: Mapping | None = None) -> ChannelProfile:
    """The profile for ``shape`` (``chat`` or ``email``) with a version's ``profiles[shape]`` overrides applied
    (unknown keys and wrongly typed values are ignored)."""
    base = DEFAULT_PROFILES.get(shape, DEFAULT_PROFILES["email"])
    custom = (overrides or {}).get(shape) or {}
    changes = {}
    types = {f.name: f.type for f in fields(ChannelProfile)}
    for key in PROFILE_KEYS:
        if key in custom:
            value = custom[key]
            want = {"bool": bool, "int": int, "str": str}.get(str(types[key]), object)
            if isinstance(value, want) and not (want is int and isinstance(value, bool)):
                changes[key] = value
    if "max_chars" in changes:
        changes["max_chars"] = max(80, min(changes["max_chars"], 10000))
    return replace(base, **changes)


@dataclass(frozen=True)
class AnswerParts:
    """The grounded content of an answer: ``body`` (template text, no greeting or sign-off), ``points`` (customer-
    safe sentences from looked-up facts), ``passages`` (knowledge ``Passage`` objects, best first)."""

    body: str = ""
    points: Sequence[str] = field(default_factory=tuple)
    passages: Sequence = field(default_factory=tuple)


def _sentences(text: str, limit: int) -> str:
    parts = [p for p in _SENTENCE_END.split(" ".join((text or "").split())) if p]
    return " ".join(parts[:limit])


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "), cut.rfind("\n"))
    return cut[: end + 1].rstrip() if end > limit // 3 else cut.rsplit(" ", 1)[0].rstrip() + " …"


def _article(passage) -> str:
    return f"{passage.title} ({passage.url})" if getattr(passage, "url", "") else passage.title


def answer_render(parts: AnswerParts, profile: ChannelProfile, *, first_name: str = "", signature: str = "") -> str:
    """The reply text for ``profile``. Chat: one short conversational paragraph (facts and one passage extract
    inline), at most one suggested article, no greeting or sign-off, cut to ``max_chars``. Email: greeting,
    the answer, "What we found" and "More help" sections, sign-off; cut to ``max_chars`` before the sign-off."""
    body = _GREETING.sub("", parts.body or "", count=1).strip()
    extracts = [
        _sentences(p.text, profile.passage_sentences) for p in parts.passages[: max(1, profile.suggest_articles)]
    ]
    suggestions = [_article(p) for p in parts.passages[: profile.suggest_articles]]
    if profile.shape == "chat" or not profile.sections:
        lines = [" ".join(x for x in [body, *parts.points] if x)]
        if extracts and extracts[0]:
            lines.append(extracts[0])
        text = " ".join(line for line in lines if line).strip()
        text = text[:1].upper() + text[1:]
        tail = f"\n\nThis might help: {suggestions[0]}" if suggestions else ""
        text = _cut(text, profile.max_chars - len(tail)) + tail
        if profile.greeting and first_name:
            text = f"{GREETINGS[profile.formality].format(name=first_name)} {text}"
        return text.strip()
    sections = []
    if profile.greeting:
        sections.append(GREETINGS.get(profile.formality, GREETINGS["formal"]).format(name=first_name or "there"))
    if body:
        sections.append(body)
    if parts.points:
        sections.append("What we found:\n" + "\n".join(f"- {p}" for p in parts.points))
    if extracts and any(extracts):
        sections.append("\n\n".join(x for x in extracts if x))
    if suggestions:
        sections.append("More help:\n" + "\n".join(f"- {s}" for s in suggestions))
    closing = ""
    if profile.sign_off:
        closing = SIGN_OFFS.get(profile.formality, SIGN_OFFS["formal"]) + (f"\n{signature}" if signature else "")
    text = _cut("\n\n".join(sections), profile.max_chars - len(closing) - 2)
    return f"{text}\n\n{closing}".strip() if closing else text


_PROFILE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "greeting": {"type": "boolean"},
        "sign_off": {"type": "boolean"},
        "sections": {"type": "boolean"},
        "max_chars": {"type": "integer", "minimum": 80, "maximum": 10000},
        "formality": {"enum": ["formal", "casual"]},
        "suggest_articles": {"type": "integer", "minimum": 0, "maximum": 5},
        "passage_sentences": {"type": "integer", "minimum": 1, "maximum": 10},
    },
}
PROFILES_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"chat": _PROFILE, "email": _PROFILE},
}


def profiles_validate(doc) -> list[str]:
    """Problems of a version's ``profiles`` document (``{"chat": {...}, "email": {...}}``, keys as in
    ``PROFILE_KEYS``), each as ``"path: message"``; empty when valid. Checked with ``jsonschema``."""
    from jsonschema import Draft202012Validator

    errors = Draft202012Validator(PROFILES_SCHEMA).iter_errors(doc)
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in sorted(errors, key=str)]
