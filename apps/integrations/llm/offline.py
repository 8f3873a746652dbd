"""The offline composer (default provider): the category's reply template plus extractive knowledge passages.

No free text is generated: every sentence comes from the lead-written template, a knowledge passage (cited),
or an allow-listed field. Email replies get a greeting and a sign-off; chat replies are short.

Passages are quoted as plain text (``plain.markdown_plain``: no Markdown marks, list items as lines), several
passages of one article under one heading. A template with several paragraphs keeps only those about the question
(``_relevant``: a paragraph far less similar to the customer's text than the best one, and unrelated to it, is
left out; paragraphs inviting the customer to reply stay).
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from apps.core.errors import ProviderError

from .base import CategoryLike, ComposedReply, LLMProvider, Passage, TicketBrief
from .plain import markdown_plain, plain_flat

PROMPT_VERSION = "offline-template-v1"
CHAT_PASSAGE_SENTENCES = 2
EMAIL_PASSAGES = 3
EMAIL_PASSAGE_CHARS = 700
FIELD_MAX_CHARS = 120
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|hallo|guten tag|bonjour|hola|buongiorno)\b"
    r"[^,!\n]*[,!]?\s*",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"\n[ \t]*(best regards|kind regards|warm regards|regards|best|cheers|many thanks|thanks|thank you|sincerely|"
    r"mit freundlichen grüßen|viele grüße|beste grüße|cordialement|bien à vous|saludos|un saludo)"
    r"[ \t,.!]*(\n[^\n]{0,80}){0,3}\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CHAT_MAX_CHARS = 600
UNRELATED_SIMILARITY = 0.15  # cosine (WordLlama) under which a template paragraph is not about the question
PARAGRAPH_MARGIN = 0.25  # … when the best paragraph is at least this much more similar
_INVITATION = re.compile(r"\b(reply|write back|let us know|get back to us|contact us)\b", re.IGNORECASE)


def _safe_value(value: Any) -> str:
    """A field value fit for a reply: one line, no template braces, capped length."""
    text = " ".join(str(value).split())
    return text.replace("{", "").replace("}", "")[:FIELD_MAX_CHARS]


def _sentences(text: str, limit: int) -> str:
    parts = [p for p in _SENTENCE_END.split(" ".join(text.split())) if p]
    return " ".join(parts[:limit])


def _trim(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a sentence end when there is one."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + " …"


def _trim_lines(text: str, limit: int) -> str:
    """Whole lines of ``text`` (plain passage text) up to ``limit`` characters; the first line trimmed at a sentence
    when it alone is longer. Blank lines between blocks are kept."""
    kept: list[str] = []
    used = 0
    for line in text.strip().splitlines():
        if used + len(line) > limit:
            if not any(k.strip() for k in kept):
                kept.append(_trim(line, limit))
            break
        kept.append(line.rstrip())
        used += len(line) + 1
    return "\n".join(kept).strip()


def _merged(passages: Sequence[Passage]) -> list[Passage]:
    """``passages`` with the ones from the same article (``source_id``) joined under one heading, first-seen order;
    each text as plain text (``markdown_plain``)."""
    merged: dict[str, Passage] = {}
    for passage in passages:
        text = markdown_plain(passage.text)
        seen = merged.get(passage.source_id)
        if seen is None:
            merged[passage.source_id] = Passage(passage.source_id, passage.title, text, passage.url)
        elif text not in seen.text:
            merged[passage.source_id] = Passage(seen.source_id, seen.title, f"{seen.text}\n\n{text}", seen.url)
    return list(merged.values())


def _relevant(main: str, question: str) -> str:
    """``main`` (a rendered template without its sign-off) without the paragraphs that are not about ``question``:
    with two or more content paragraphs (the greeting line aside), one whose similarity to the question (cosine of
    the offline embeddings) is under ``UNRELATED_SIMILARITY`` while the best paragraph's is ``PARAGRAPH_MARGIN``
    higher is left out, unless it invites the customer to reply. Without embeddings the text is kept whole."""
    paragraphs = [p for p in main.split("\n\n") if p.strip()]
    content = [i for i, p in enumerate(paragraphs) if not (i == 0 and _GREETING.fullmatch(p.strip()))]
    if len(content) < 2 or not question.strip():
        return main
    try:
        from apps.integrations.embeddings import get_embeddings

        vectors = get_embeddings().embed([question[:2000], *(paragraphs[i] for i in content)])
    except Exception:  # embeddings are an aid here: without them the template is used whole
        return main
    similarity = {i: float(vectors[0] @ vectors[n + 1]) for n, i in enumerate(content)}
    best = max(similarity.values())
    dropped = {
        i
        for i, value in similarity.items()
        if value < UNRELATED_SIMILARITY and best - value >= PARAGRAPH_MARGIN and not _INVITATION.search(paragraphs[i])
    }
    return "\n\n".join(p for i, p in enumerate(paragraphs) if i not in dropped) if dropped else main


def _trim_paragraphs(text: str, limit: int) -> str:
    """Whole paragraphs of ``text`` up to ``limit`` characters (the first one trimmed at a sentence if longer)."""
    kept: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if paragraph and sum(map(len, kept)) + len(paragraph) > limit:
            if not kept:
                kept.append(_trim(paragraph, limit))
            break
        if paragraph:
            kept.append(paragraph)
    return "\n\n".join(kept)


class OfflineComposer(LLMProvider):
    model_name = "offline-composer"
    prompt_version = PROMPT_VERSION

    def fields(self, *, ticket: TicketBrief, category: CategoryLike, facts: Mapping[str, Any]) -> dict[str, str]:
        """The values a reply template may use: ``{customer_name}``, ``{first_name}``, ``{ticket_id}``,
        ``{category_name}``, ``{company}``, ``{plan}``, plus each scalar fact under its own key."""
        name = _safe_value(ticket.customer_name) or "there"
        values = {
            "customer_name": name,
            "first_name": name.split()[0],
            "ticket_id": str(ticket.ticket_id),
            "category_name": _safe_value(category.name),
            "company": _safe_value(ticket.company),
            "plan": _safe_value(ticket.plan),
        }
        for key, value in facts.items():
            if _IDENTIFIER.match(str(key)) and isinstance(value, str | int | float) and key not in values:
                values[key] = _safe_value(value)
        return values

    def render_template(self, template: str, values: Mapping[str, str], *, slug: str) -> str:
        """Fill ``template`` with ``values``. Only plain ``{name}`` fields are allowed (no attribute or index
        access, no format specs); an unknown field raises ``ProviderError`` naming it."""
        parts = []
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ProviderError(f"Reply template of category '{slug}' is malformed: {exc}") from exc
        for literal, field_name, format_spec, conversion in parsed:
            parts.append(literal)
            if field_name is None:
                continue
            if format_spec or conversion or field_name not in values:
                allowed = ", ".join("{" + k + "}" for k in sorted(values))
                raise ProviderError(
                    f"Reply template of category '{slug}' uses the field {{{field_name}}}, which is not available "
                    f"(allowed: {allowed})."
                )
            parts.append(values[field_name])
        return "".join(parts).strip()

    def compose(
        self,
        *,
        ticket: TicketBrief,
        category: CategoryLike,
        passages: Sequence[Passage],
        facts: Mapping[str, Any],
        channel: str,
    ) -> ComposedReply:
        started = time.perf_counter()
        template = (category.reply_template or "").strip()
        if not template and not passages:
            raise ProviderError(
                f"Category '{category.slug}' has no reply template and no knowledge passages: nothing grounded to say."
            )
        values = self.fields(ticket=ticket, category=category, facts=facts)
        body = self.render_template(template, values, slug=category.slug) if template else ""
        if body:
            main, sign_off = self.split_sign_off(body)
            body = "\n\n".join(x for x in (_relevant(main, ticket.text), sign_off) if x)
        passages = _merged(passages)
        if channel == "email":
            text, used = self._email(body, passages, values)
        else:
            text, used = self._chat(body, passages)
        return ComposedReply(
            text=text,
            citations=[p.source_id for p in used],
            model_name=self.model_name,
            prompt_version=self.prompt_version,
            latency_ms=(time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def split_sign_off(body: str) -> tuple[str, str]:
        """``(main text, sign-off)`` of a rendered template; the sign-off is ``""`` when the template has none."""
        match = _SIGN_OFF.search(body)
        return (body[: match.start()].rstrip(), body[match.start() :].strip()) if match else (body, "")

    def _email(self, body: str, passages: Sequence[Passage], values: Mapping[str, str]) -> tuple[str, list[Passage]]:
        used = list(passages[:EMAIL_PASSAGES])
        main, sign_off = self.split_sign_off(body)
        sections = [] if _GREETING.match(main) else [f"Hello {values['first_name']},"]
        if main:
            sections.append(main)
        if used:
            intro = "These articles from our help centre cover it:" if body else "From our help centre:"
            sections.append(intro)
            for passage in used:
                ref = f" ({passage.url})" if passage.url else ""
                sections.append(f"{passage.title}{ref}\n{_trim_lines(passage.text, EMAIL_PASSAGE_CHARS)}")
        signature = getattr(settings, "SUPPORT_SIGNATURE", "The support team (automated assistant)")
        sections.append(sign_off or f"Best regards,\n{signature}")
        return "\n\n".join(sections), used

    def _chat(self, body: str, passages: Sequence[Passage]) -> tuple[str, list[Passage]]:
        body = _GREETING.sub("", self.split_sign_off(body)[0], count=1).strip()
        body = _trim_paragraphs(body[:1].upper() + body[1:], CHAT_MAX_CHARS)
        used = list(passages[:1])
        lines = [body] if body else []
        for passage in used:
            lines.append(f"{_sentences(plain_flat(passage.text), CHAT_PASSAGE_SENTENCES)} (see “{passage.title}”)")
        return "\n\n".join(lines), used
