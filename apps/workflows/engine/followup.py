"""Follow-up turns: what the customer asks now, not what the conversation was about.

The classifier reads the subject and the last few customer messages (``TicketContext.classify_text``), so a short
follow-up ("thanks, and can I change my email too?") inherits the confident category of the first question and the
engine would answer that question again. On a follow-up the latest message is also classified on its own
(``latest_texts``) and ``turn_category`` settles the turn:

- the latest message alone is confidently another category (not out of scope, at least that category's draft
  threshold): the customer changed topic, the turn and the ticket's current category follow it;
- otherwise the conversation's category stands, but its confidence for this turn is at most what the latest message
  alone gives that category (its top probability or runner-up, else 0): an unsure follow-up is not answered from
  the confidence of an earlier question.

``repeats_earlier_reply`` catches the remaining case (a reply that says again what the customer already got), and
``trigger_category`` moves the category of a follow-up that a topic trigger escalates to another category's queue.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any

from apps.tickets.choices import AuthorKind

from .context import TicketContext

REPEAT_RATIO = 0.85  # similarity (difflib ratio on normalised text) from which a reply repeats an earlier one
_SPACE = re.compile(r"\s+")


def latest_texts(contexts: Sequence[TicketContext]) -> list[TicketContext]:
    """The follow-up contexts whose latest message should be classified alone (turn > 1, text differs from what
    the classifier already reads)."""
    return [c for c in contexts if c.turn > 1 and c.text.strip() and c.text.strip() != c.classify_text.strip()]


def _probability(prediction: Any, slug: str) -> float:
    if prediction.category == slug:
        return float(prediction.confidence)
    return next((float(p) for s, p in prediction.runner_ups if s == slug), 0.0)


def turn_category(
    *, slug: str, confidence: float, latest: Any | None, categories: Mapping[str, Any]
) -> tuple[str, float, list[dict] | None, dict]:
    """``(category slug, confidence, runner-ups or None to keep the conversation's, trace fields)`` for this turn.

    ``slug``/``confidence``: the prediction on the conversation text; ``latest``: the prediction on the latest
    message alone (``PredictionLike``, None on a first turn); ``categories``: ``Category`` by slug (its
    ``draft_threshold``, 0–1). See the module docstring for the rule.
    """
    if latest is None:
        return slug, confidence, None, {}
    fields = {
        "conversation_category": slug,
        "conversation_confidence": round(confidence, 4),
        "latest_category": latest.category,
        "latest_confidence": round(float(latest.confidence), 4),
        "latest_out_of_scope": bool(latest.out_of_scope),
    }
    other = categories.get(latest.category)
    if (
        latest.category != slug
        and other is not None
        and not latest.out_of_scope
        and float(latest.confidence) >= other.draft_threshold
    ):
        runner_ups = [{"category": s, "confidence": round(float(p), 4)} for s, p in latest.runner_ups]
        return latest.category, float(latest.confidence), runner_ups, {**fields, "used": "latest (topic change)"}
    capped = min(confidence, _probability(latest, slug))
    used = "conversation" if capped >= confidence else "conversation, capped by the latest message"
    return slug, capped, None, {**fields, "used": used}


def _normalised(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def repeats_earlier_reply(reply_text: str, conversation: Sequence[dict]) -> bool:
    """Whether ``reply_text`` says again (difflib ratio ≥ ``REPEAT_RATIO``, or one contains the other) what an AI or
    agent reply in ``conversation`` (``TicketContext.conversation`` entries) already told the customer."""
    mine = _normalised(reply_text)
    if len(mine) < 40:  # short acknowledgements may legitimately repeat
        return False
    for entry in conversation:
        if entry.get("author") not in (AuthorKind.AI, AuthorKind.AGENT):
            continue
        earlier = _normalised(entry.get("body") or "")
        if len(earlier) < 40:
            continue
        if mine in earlier or earlier in mine:
            return True
        if SequenceMatcher(None, mine, earlier, autojunk=False).ratio() >= REPEAT_RATIO:
            return True
    return False


def trigger_category(
    *, queue: str, category: Any | None, scores: Sequence[tuple[str, float]], categories: Mapping[str, Any]
) -> Any | None:
    """The category a topic trigger's queue points to when it is not ``category``'s own queue: among the
    categories whose default queue is ``queue``, the one the classifier gives most probability (``scores``:
    ``(slug, probability)`` pairs), else the one named like the queue; None when the queue is the category's own,
    or belongs to no or several categories without evidence."""
    if not queue or (category is not None and category.default_queue and category.default_queue.slug == queue):
        return None
    candidates = {s: c for s, c in categories.items() if c.default_queue and c.default_queue.slug == queue}
    if not candidates:
        return None
    scored = sorted(((p, s) for s, p in scores if s in candidates and p > 0), reverse=True)
    if scored:
        return candidates[scored[0][1]]
    if queue in candidates:
        return candidates[queue]
    return next(iter(candidates.values())) if len(candidates) == 1 else None
