"""The customer's language and replies in it.

``text_language`` detects the language of a text (``lingua`` over the languages the help desk meets: low-accuracy
mode for clear cases, high-accuracy mode for short or unclear texts; ``""`` when unsure or too short). A reply to a
customer who writes in another language than English is composed only from material in that language: knowledge
passages in it and a template written in it, with the greeting, section words and sign-off from ``PHRASES``. When
nothing in their language exists, the engine never auto-sends an English answer and never drafts a generic English
one either: the draft is a note for the agent (``language_gap_note``, which ``draft_approve`` refuses to send as is).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

MIN_CHARS = 12  # shorter texts are too short to tell
MIN_CONFIDENCE = 0.5  # lingua's confidence in the top language; below it the language is unknown
QUICK_SURE = 0.9  # low-accuracy mode's confidence that settles "English" without the high-accuracy model
QUICK_MIN_CHARS = 120  # low-accuracy mode is reliable on other languages only from this length
DEFAULT_LANGUAGE = "en"
AGENT_NOTE_PREFIX = "[Note for the agent"  # a draft starting with it is not a reply (draft_approve refuses it)
LANGUAGE_NAMES = {"de": "German", "es": "Spanish", "fr": "French", "it": "Italian", "pt": "Portuguese", "nl": "Dutch"}

PHRASES = {
    "en": {"greeting": "Hi {name},", "hello": "Hello,", "more": "More help:", "sign_off": "Kind regards,",
           "signature": "The support team (automated assistant)"},
    "de": {"greeting": "Hallo {name},", "hello": "Hallo,", "more": "Weitere Hilfe:", "sign_off": "Viele Grüße",
           "signature": "Ihr Support-Team (automatischer Assistent)"},
    "es": {"greeting": "Hola, {name}:", "hello": "Hola:", "more": "Más ayuda:", "sign_off": "Un saludo,",
           "signature": "El equipo de soporte (asistente automático)"},
    "fr": {"greeting": "Bonjour {name},", "hello": "Bonjour,", "more": "Plus d'aide :", "sign_off": "Cordialement,",
           "signature": "L'équipe support (assistant automatique)"},
}  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@cache
def _detector(low_accuracy: bool = False):
    from lingua import Language, LanguageDetectorBuilder

    languages = (
        Language.ENGLISH,
        Language.GERMAN,
        Language.SPANISH,
        Language.FRENCH,
        Language.ITALIAN,
        Language.PORTUGUESE,
        Language.DUTCH,
    )
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return builder.with_low_accuracy_mode().build() if low_accuracy else builder.build()


def _top(detector, text: str) -> tuple[str, float]:
    values = detector.compute_language_confidence_values(text)
    return (values[0].language.iso_code_639_1.name.lower(), values[0].value) if values else ("", 0.0)


def text_language(text: str) -> str:
    """ISO 639-1 code of ``text``'s language (``"en"``, ``"es"``…), ``""`` when it is shorter than ``MIN_CHARS``
    letters or lingua's confidence in its best guess is under ``MIN_CONFIDENCE``. Reads at most the first 2,000
    characters."""
    text = (text or "")[:2000]
    if sum(c.isalpha() for c in text) < MIN_CHARS:
        return ""
    quick, sure = _top(_detector(low_accuracy=True), text)
    if (quick == "en" and sure >= QUICK_SURE) or (len(text) >= QUICK_MIN_CHARS and sure >= 0.99):
        return quick  # the small model settles clear cases; the large one (~200 MB, loaded once) the rest
    language, confidence = _top(_detector(), text)
    return language if confidence >= MIN_CONFIDENCE else ""


def reply_language(text: str, fallback: str = "") -> str:
    """The language to answer ``text`` in: the detected one, else ``fallback`` (e.g. the contact's language),
    else English."""
    return text_language(text) or (fallback or "")[:2].lower() or DEFAULT_LANGUAGE


def passages_in(passages: Sequence, language: str) -> list:
    """The passages whose text is in ``language`` (best first, order kept)."""
    return [p for p in passages if text_language(f"{getattr(p, 'title', '')}. {p.text}") == language]


def _sentences(text: str, limit: int) -> str:
    parts = [p for p in _SENTENCE_END.split(" ".join((text or "").split())) if p]
    return " ".join(parts[:limit])


def localized_render(
    *,
    language: str,
    shape: str,
    body: str,
    passages: Sequence,
    first_name: str = "",
    sentences: int = 3,
    max_chars: int = 2400,
    articles: int = 2,
) -> str:
    """A reply in ``language`` from material already in it: ``body`` (a template written in that language, may be
    empty) and ``passages`` (quoted extractively, ``sentences`` each, the first one cited). Email (``shape``
    ``email``) gets the language's greeting, a "more help" line and sign-off; chat is one short paragraph.
    ``articles``: how many passages to quote."""
    words = PHRASES.get(language, PHRASES[DEFAULT_LANGUAGE])
    extracts = [_sentences(p.text, sentences) for p in passages[: max(1, articles)]]
    article = passages[0] if passages else None
    link = f"{article.title} ({article.url})" if article is not None and getattr(article, "url", "") else ""
    if shape != "email":
        text = " ".join(x for x in [body, extracts[0] if extracts else ""] if x).strip()
        text = text[:max_chars]
        return f"{text}\n\n{words['more']} {link}".strip() if link else text
    sections = [words["greeting"].format(name=first_name) if first_name else words["hello"]]
    sections += [x for x in [body, *extracts] if x]
    if link:
        sections.append(f"{words['more']}\n- {link}")
    text = "\n\n".join(sections)[: max_chars - 80]
    return f"{text}\n\n{words['sign_off']}\n{words['signature']}"


def language_gap_note(language: str, passages: Sequence = (), *, sentences: int = 2, articles: int = 2) -> str:
    """The draft for an agent when the customer writes ``language`` and nothing exists to answer in it: says so,
    and lists the English help articles that matched (title, link, first ``sentences`` as plain text) so the agent
    can answer in the customer's language. Starts with ``AGENT_NOTE_PREFIX``; never meant to be sent as is."""
    from apps.integrations.llm.plain import plain_flat

    name = LANGUAGE_NAMES.get(language, language)
    lines = [
        f"{AGENT_NOTE_PREFIX}, not a reply: the customer wrote in {name} ({language}) and there is no {name} reply "
        f"template or help article to answer from. Write the reply in {name}; nothing was sent.]"
    ]
    if passages:
        lines.append("English help articles that match the question:")
        for passage in list(passages)[:articles]:
            link = f" ({passage.url})" if getattr(passage, "url", "") else ""
            lines.append(f"- {passage.title}{link}: {_sentences(plain_flat(passage.text), sentences)}")
    else:
        lines.append("No help article matched the question either.")
    return "\n\n".join(lines)
