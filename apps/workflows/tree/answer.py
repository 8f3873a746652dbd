"""The answer node: compose a grounded reply from the category template (or the node's), looked-up facts and
knowledge passages, shaped by the channel behaviour profile (``tree.profiles``).

With the offline composer no free text is generated: the template is filled with allow-listed fields and fact
values, the node's ``use_fact`` adds the lookup's customer-safe sentence, passages are quoted and cited. Other
providers get the guidelines and profile through ``compose_answer`` when they offer it; their text is then held
to the profile's length limit (and chat loses any greeting).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from types import SimpleNamespace
from typing import Any

from django.conf import settings

from apps.core.errors import ProviderError
from apps.integrations.llm.base import ComposedReply, Passage, TicketBrief

from .profiles import AnswerParts, ChannelProfile, _cut, answer_render

_KEY = re.compile(r"[^a-z0-9_]+")
_CHAT_GREETING = re.compile(r"^\s*(hi|hello|hey|dear)\b[^,!\n]*[,!]\s*", re.IGNORECASE)


def fact_values(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Scalar flat facts as template fields (``billing.summary.explanation.shape`` becomes
    ``billing_summary_explanation_shape``)."""
    return {_KEY.sub("_", k.lower()).strip("_"): v for k, v in facts.items() if isinstance(v, str | int | float)}


def _category_with(category, template: str):
    return SimpleNamespace(slug=category.slug, name=category.name, reply_template=template)


def answer_compose(
    *,
    llm,
    brief: TicketBrief,
    category,
    node: Mapping[str, Any],
    passages: Sequence[Passage],
    facts: Mapping[str, Any],
    profile: ChannelProfile,
    guidelines: str = "",
) -> ComposedReply:
    """The reply of ``node`` (an ``answer`` tree node) for ``brief`` on ``profile``'s channel.

    ``facts``: flat allow-listed facts from the tree's lookups; ``passages``: grounded knowledge passages (may be
    empty). Raises ``ProviderError`` when there is nothing grounded to say (no template, fact or passage) or the
    provider fails.
    """
    template = (node.get("template") or category.reply_template or "").strip()
    use_fact = node.get("use_fact", "")
    points = [str(facts[use_fact])] if use_fact and isinstance(facts.get(use_fact), str) and facts[use_fact] else []
    if use_fact and not points:
        raise ProviderError(f"the answer needs the looked-up fact {use_fact!r}, which the lookups did not return")
    if not template and not points and not passages:
        raise ProviderError(
            f"category '{category.slug}' has nothing grounded to answer with (no template/facts/passages)"
        )
    values = fact_values(facts)
    if hasattr(llm, "render_template") and hasattr(llm, "fields"):  # the offline composer: extractive only
        started = time.perf_counter()
        allowed = llm.fields(ticket=brief, category=category, facts=values)
        body = llm.render_template(template, allowed, slug=category.slug) if template else ""
        body = llm.split_sign_off(body)[0] if hasattr(llm, "split_sign_off") else body
        signature = getattr(settings, "SUPPORT_SIGNATURE", "The support team (automated assistant)")
        parts = AnswerParts(body=body, points=points, passages=list(passages))
        text = answer_render(parts, profile, first_name=allowed.get("first_name", ""), signature=signature)
        used = list(passages[: max(1, profile.suggest_articles)])
        return ComposedReply(
            text=text,
            citations=[p.source_id for p in used],
            model_name=llm.model_name,
            prompt_version=f"{llm.prompt_version}+profile-{profile.shape}",
            latency_ms=(time.perf_counter() - started) * 1000,
        )
    target = _category_with(category, template)
    if hasattr(llm, "compose_answer"):
        given = {**values, **({"answer_points": " ".join(points)} if points else {})}
        reply = llm.compose_answer(
            ticket=brief, category=target, passages=passages, facts=given, channel=profile.shape,
            guidelines=guidelines, profile=asdict(profile),
        )  # fmt: skip
    else:
        reply = llm.compose(ticket=brief, category=target, passages=passages, facts=values, channel=profile.shape)
    text = reply.text.strip()
    if not profile.greeting:
        text = _CHAT_GREETING.sub("", text, count=1).strip()
    return replace(reply, text=_cut(text, profile.max_chars))
