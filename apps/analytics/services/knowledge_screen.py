"""The senior agents' escalation knowledge: what they watch for, written down and turned into trigger rules.

One ``EscalationNote`` makes up to one ``escalation.TriggerRule`` per part: a keyword rule for the words, a
tier rule for the account tiers and one rule per signal (frustration, repeat contact, asks for a person,
several AI turns). Rules are created through the ORM; the trigger set reloads them on the next triage batch.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.text import slugify

from apps.core.errors import ValidationError
from apps.escalation.choices import TriggerKind
from apps.escalation.models import Queue, TriggerRule
from apps.tickets.choices import Tier

from ..choices import Signal
from ..models import EscalationNote

SIGNAL_RULES = {
    Signal.FRUSTRATION: (TriggerKind.FRUSTRATION, {"threshold": -0.5}),
    Signal.REPEAT_CONTACT: (TriggerKind.REPEAT_CONTACT, {"days": 7, "min_tickets": 1}),
    Signal.HUMAN_REQUEST: (TriggerKind.HUMAN_REQUEST, {}),
    Signal.AI_TURNS: (TriggerKind.AI_TURNS, {"turns": 2}),
}
HUMAN_PHRASES = ["talk to a human", "speak to a person", "real person", "human agent", "mit einem menschen"]
MAX_KEYWORDS = 100


def _clean_list(values, *, lower: bool = True) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[,\n]", values)
    out: list[str] = []
    for value in values or []:
        value = " ".join(str(value).split())
        value = value.lower() if lower else value
        if value and value not in out:
            out.append(value[:100])
    return out


def _unique_name(base: str) -> str:
    base = slugify(base)[:90] or "senior-note"
    name, n = base, 2
    while TriggerRule.objects.filter(name=name).exists():
        name, n = f"{base}-{n}", n + 1
    return name


@transaction.atomic
def escalation_note_create(
    *,
    title: str,
    keywords: list[str] | str = (),
    tiers: list[str] | str = (),
    signals: list[str] | str = (),
    queue_slug: str = "",
    note: str = "",
    author=None,
) -> EscalationNote:
    """Record a senior agent's escalation knowledge and create the trigger rules it implies.

    ``keywords``: words or phrases (list or comma/newline separated, ``*`` suffix = any ending); ``tiers``: tier
    slugs (free, pro, business, enterprise); ``signals``: ``choices.Signal`` values; ``queue_slug``: where the
    escalations go (empty: the category's queue). ``note`` becomes the rules' suggested next step.
    Raises ``ValidationError`` for an empty note (no keyword, tier or signal), unknown tiers, signals or queue.
    """
    title = " ".join((title or "").split())[:200]
    keywords = _clean_list(keywords)[:MAX_KEYWORDS]
    tiers = _clean_list(tiers)
    signals = _clean_list(signals)
    if not title:
        raise ValidationError("Give the note a title, e.g. 'Chargeback threats'.")
    if not (keywords or tiers or signals):
        raise ValidationError("Write down at least one keyword, account tier or signal.")
    bad_tiers = [t for t in tiers if t not in Tier.values]
    if bad_tiers:
        raise ValidationError(f"Unknown tier(s): {', '.join(bad_tiers)}.", extra={"tiers": bad_tiers})
    bad_signals = [s for s in signals if s not in Signal.values]
    if bad_signals:
        raise ValidationError(f"Unknown signal(s): {', '.join(bad_signals)}.", extra={"signals": bad_signals})
    if queue_slug and not Queue.objects.filter(slug=queue_slug).exists():
        raise ValidationError(f"No queue '{queue_slug}'.", extra={"queue_slug": queue_slug})
    next_step = " ".join(note.split())[:300] or f"Senior agents flag this: {title}."
    base = f"senior-{title}"
    rules: list[TriggerRule] = []
    common = {"queue_slug": queue_slug, "next_step": next_step}
    if keywords:
        rules.append(
            TriggerRule(
                name=_unique_name(f"{base}-words"),
                kind=TriggerKind.KEYWORD,
                phrases=keywords,
                languages=[],
                **common,
            )
        )
    if tiers:
        rules.append(TriggerRule(name=_unique_name(f"{base}-tier"), kind=TriggerKind.TIER, phrases=tiers, **common))
    for signal in signals:
        kind, params = SIGNAL_RULES[Signal(signal)]
        phrases = HUMAN_PHRASES if kind == TriggerKind.HUMAN_REQUEST else []
        rules.append(
            TriggerRule(name=_unique_name(f"{base}-{signal}"), kind=kind, phrases=phrases, params=params, **common)
        )
    for rule in rules:
        rule.save()
    return EscalationNote.objects.create(
        title=title,
        keywords=keywords,
        tiers=tiers,
        signals=signals,
        queue_slug=queue_slug,
        note=note[:5000],
        rule_names=[r.name for r in rules],
        author=author,
    )
