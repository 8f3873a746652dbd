"""``reply_violations`` and ``reply_sanitize``: what a composed (or agent-edited) reply must never say or link.

A reply may not commit the company (refunds, credits, guarantees, entitlements, binding offers, granted access,
promised dates or amounts), may not link to hosts outside ``settings.REPLY_LINK_HOSTS`` and may not quote an
internal (visibility=internal) passage. Commitments are matched whole-word, case- and accent-insensitively, in
English, German, Spanish and French; a negation just before a match ("we can't guarantee") cancels it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from .flags import FlagKind, GuardFlag
from .links import links_strip, outside_links
from .matching import EVIDENCE_CHARS, Rule, any_of, fold, run_rules, words

_NEGATED = re.compile(
    words(
        r"not|never|no|can't|cannot|can not|won't|couldn't|unable to|don't|doesn't|isn't|aren't|nicht|kein\w*|no"
        r"|nunca|ne|pas|jamais|n'"
    ).pattern
    + r"\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_MONEY = r"(?:[$€£]\s?\d[\d,.]*|\d[\d,.]*\s?(?:usd|eur|gbp|dollars?|euros?|pounds?|[$€£]))"
_WEEKDAY = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag"
    r"|samstag|sonntag|lunes|martes|miercoles|jueves|viernes|sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi"
    r"|samedi|dimanche"
)
_MONTH = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|oct(ober)?|nov(ember)?"
    r"|dec(ember)?"
)
_SPECIFIC_DATE = (
    rf"(next |this )?({_WEEKDAY})|tomorrow|tonight|end of (the |this |next )?(day|week|month)"
    rf"|\d{{1,2}}(st|nd|rd|th)? ({_MONTH})|({_MONTH}) \d{{1,2}}(st|nd|rd|th)?|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}/\d{{1,2}}"
    r"|morgen|manana|demain"
)
_WE = r"(we|i|our (billing )?team|tallyflow|support)"
_WILL = r"(\s+(will|shall|are going to|am going to)|'ll)"
_HAVE = r"(\s+(have|has|just)|'ve)"
_AUX = r"(\s+(will|shall|are going to|am going to|can|have|has|already)|'ll|'ve)"
_FUTURE = r"(will|'ll|shall|is going to|are going to|wird|werden|se hara|sera|seront|va a|vont)"

REPLY_RULES = [
    Rule(
        "refund-promise",
        FlagKind.COMMITMENT,
        any_of(
            rf"{_WE}{_AUX} (also )?(gladly |happily |now |go ahead and |be able to )*(issue|process|send|give|grant|"
            r"approve|make|arrange|refund|reimburse|credit|waive|compensate|refunded|reimbursed"
            r"|credited|waived|issued|"
            r"processed|approved)( you| your| the| a| an| this| that| it| full| partial){0,3} (refund|credit|"
            r"reimbursement|compensation|money|difference|fee|charge|amount|payment|discount)(?!'s)",
            rf"{_WE}{_WILL} (refund|reimburse|credit|compensate|waive)",
            r"(your|a|the|this) (full |partial )?(refund|credit|reimbursement) (has been|was|is being|will be) "
            r"(issued|approved|processed|granted|sent|applied|arranged|on its way)",
            r"you (will|'ll|are going to) (get|receive|be (refunded|credited|reimbursed|compensated))"
            r"( a| your| the| full| partial){0,2}( refund| credit| money back| reimbursement| difference)?",
            r"(get|claim|have) the difference (back|refunded)",
            r"(wir|ich) (werden |werde )?(ihnen |dir |euch )?(den betrag |das geld |die differenz |die kosten )?"
            r"(erstatten|erstatte|zuruckerstatten|gutschreiben|zuruckzahlen)",
            r"(le|te|les|se lo) (reembolsaremos|reembolsare|devolveremos|devolvere)|(vamos|voy) a reembolsar",
            r"(nous|je) (vous|te) (rembourserons|rembourserai|rembourse)|(nous allons|je vais) vous rembourser",
        ),
    ),
    Rule(
        "guarantee",
        FlagKind.COMMITMENT,
        any_of(
            r"(i|we) (can )?(personally )?(guarantee|promise|assure you|commit to|warrant)|guaranteed",
            r"you have my word",
            r"(ich|wir) (garantiere|garantieren|verspreche|versprechen)|garantiert",
            r"(te|le|les|se lo)? ?(garantizo|garantizamos|prometo|prometemos)|garantizado",
            r"(je|nous) (vous |te )?(garantis|garantissons|promets|promettons)|garanti",
        ),
    ),
    Rule(
        "entitlement",
        FlagKind.COMMITMENT,
        any_of(
            r"you (are|'re|will be|would be) (also )?(entitled|eligible) (to|for)|you (have|'ve got) (a|the) right to",
            r"(sie haben|du hast) (einen )?anspruch auf|haben sie das recht",
            r"(usted |tu )?(tiene|tienes) derecho a",
            r"(vous avez|tu as) droit a",
        ),
    ),
    Rule(
        "binding-offer",
        FlagKind.COMMITMENT,
        any_of(
            r"(legally )?binding (offer|agreement|contract|deal|quote)|no backing out|it's a deal|that's a deal",
            r"(we|i) (accept|agree to) (your|the|this) (offer|price|terms|deal)|(offer|deal) accepted|^\s*deal\b",
            rf"{_WE}({_WILL}|\s+can) (match|honou?r|lock in|give you|offer you) (that|this|the|your|a|an) "
            r"(price|rate|discount|deal)",
            r"verbindliches angebot|oferta vinculante|offre ferme",
        ),
    ),
    Rule(
        "access-granted",
        FlagKind.COMMITMENT,
        any_of(
            rf"{_WE}{_HAVE} (now )?(given|granted|added|changed|updated|upgraded|removed|revoked)"
            r" (\w+ ){0,3}(access|permissions?|role|rights|as (an )?(admin|editor|owner))",
            r"(access|permission|permissions|role|rights) (has|have) (now )?been (granted|given|changed|updated)",
            rf"{_WE}{_WILL} (give|grant|change|add|upgrade) (\w+ ){{0,3}}(access|permissions?|role|rights)",
        ),
    ),
    Rule(
        "promised-date",
        FlagKind.COMMITMENT,
        any_of(
            rf"{_FUTURE} ([\w',]+ ){{0,8}}(by|on|before|until|no later than|bis|am|antes del?|el|avant le|le) "
            rf"({_SPECIFIC_DATE})",
            rf"(refund|credit|hold|charge|money|payment|reversal)\w* ([\w',]+ ){{0,6}}{_FUTURE} ([\w',]+ ){{0,6}}"
            r"(within|in) \d+(\s?-\s?\d+)? (business |working )?(hours?|days?)",
        ),
    ),
    Rule(
        "promised-amount",
        FlagKind.COMMITMENT,
        any_of(
            rf"(refund|credit|reimburse|compensat|discount|waive)\w* (you )?(of |for |worth )?(the )?{_MONEY}",
            rf"{_MONEY} ([\w']+ ){{0,3}}(refund|credit|discount|compensation|back)",
            rf"you (will|'ll) (get|receive|be paid) {_MONEY}",
        ),
    ),
]


def _negation_cancels() -> list[Rule]:
    return [
        Rule(r.name, r.kind, r.pattern, r.queue_slug, _NEGATED) if r.name != "binding-offer" else r
        for r in REPLY_RULES
    ]


_RULES = _negation_cancels()
_SHINGLE = 8
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> dict[tuple[str, ...], int]:
    tokens = [t.lower() for t in _WORD.findall(fold(text))]
    return {tuple(tokens[i : i + _SHINGLE]): i for i in range(max(0, len(tokens) - _SHINGLE + 1))}


def _internal_texts(passages: Iterable[Any]) -> list[tuple[str, str]]:
    """``(label, text)`` of the internal passages: strings, and objects or dicts whose ``visibility`` is
    ``internal``."""
    found = []
    for index, passage in enumerate(passages or ()):
        if isinstance(passage, str):
            found.append((f"passage {index + 1}", passage))
            continue
        get = passage.get if isinstance(passage, Mapping) else lambda k, p=passage: getattr(p, k, None)
        visibility = get("visibility")
        if visibility != "internal":
            continue
        label = get("source_id") or get("title") or f"passage {index + 1}"
        found.append((str(label), str(get("text") or "")))
    return found


def _quoted_internal(text: str, passages: Iterable[Any]) -> list[GuardFlag]:
    reply = _shingles(text)
    flags = []
    for label, passage in _internal_texts(passages):
        common = [s for s in _shingles(passage) if s in reply]
        if common:
            quoted = " ".join(common[0])
            flags.append(GuardFlag("internal-quoted", FlagKind.INTERNAL, f"{label}: {quoted}"[:EVIDENCE_CHARS]))
    return flags


_AMOUNT = re.compile(r"[$€£]\s?(\d[\d,]*(?:\.\d{1,2})?)|(\d[\d,]*(?:\.\d{1,2})?)\s?(?:usd|eur|gbp|[$€£])", re.I)


def _amount_values(text: str) -> set[float]:
    values = set()
    for match in _AMOUNT.finditer(text or ""):
        raw = (match.group(1) or match.group(2) or "").replace(",", "")
        try:
            values.add(round(float(raw), 2))
        except ValueError:
            continue
    return values


def _unsupported_amounts(text: str, facts: Mapping[str, Any], passages: Iterable[Any]) -> list[GuardFlag]:
    """Money amounts in the reply found in no looked-up fact and no passage (invented figures)."""
    known: set[float] = set()
    for value in facts.values():
        if isinstance(value, int | float) and not isinstance(value, bool):
            known.add(round(float(value), 2))
            known.add(round(float(value) / 100, 2))  # facts in cents
        elif isinstance(value, str):
            known |= _amount_values(value)
            with contextlib.suppress(ValueError):
                known.add(round(float(value), 2))
    for passage in passages or ():
        body = (
            passage
            if isinstance(passage, str)
            else (passage.get("text") if isinstance(passage, Mapping) else getattr(passage, "text", ""))
        )
        known |= _amount_values(str(body or ""))
    for match in _AMOUNT.finditer(text or ""):
        raw = (match.group(1) or match.group(2) or "").replace(",", "")
        try:
            value = round(float(raw), 2)
        except ValueError:
            continue
        if value not in known:
            return [GuardFlag("unsupported-amount", FlagKind.COMMITMENT, match.group(0).strip())]
    return []


_DISCOUNT = words(r"\d+(\.\d+)?\s?% (off|discount|rabatt|descuento|de descuento|de remise|remise)")


def _passage_text(passage: Any) -> str:
    if isinstance(passage, str):
        return passage
    if isinstance(passage, Mapping):
        return str(passage.get("text") or "")
    return str(getattr(passage, "text", "") or "")


def _unsupported_discounts(text: str, passages: list[Any]) -> list[GuardFlag]:
    """Percent discounts in the reply that no passage states (a discount only a human may offer)."""
    known = " ".join(fold(_passage_text(p)).lower() for p in passages)
    for match in _DISCOUNT.finditer(fold(text)):
        percent = match.group(0).split("%")[0].strip()
        if f"{percent}%" not in known.replace(" %", "%"):
            return [GuardFlag("promised-discount", FlagKind.COMMITMENT, match.group(0))]
    return []


def reply_violations(
    text: str, *, passages: Iterable[Any] = (), facts: Mapping[str, Any] | None = None
) -> list[GuardFlag]:
    """What in the reply ``text`` may not reach a customer, one flag per rule that matched.

    ``commitment`` flags: refund/credit promises, guarantees, entitlements ("you are entitled to"), binding offers
    and agreed prices, access said to be granted, promised dates and amounts; ``link`` flags: each link or image to
    a host outside ``settings.REPLY_LINK_HOSTS``; ``internal`` flags: eight or more consecutive words of an internal
    passage. ``passages``: the passages behind the reply (``Passage``-like objects or dicts with ``text`` and
    ``visibility``; strings and items whose visibility is ``internal`` must not be quoted); ``facts``: the
    looked-up values the reply may state (when any are given, a money amount found in no fact and no passage is
    flagged). Never raises.
    """
    if not text or not text.strip():
        return []
    passages = list(passages or ())
    flags = [GuardFlag(rule.name, rule.kind, evidence) for rule, evidence in run_rules(_RULES, text)]
    if facts and not any(f.name == "promised-amount" for f in flags):
        flags += _unsupported_amounts(text, facts, passages)
    flags += _unsupported_discounts(text, passages)
    flags += [GuardFlag("outside-link", FlagKind.LINK, url[:EVIDENCE_CHARS]) for url in outside_links(text)]
    flags += _quoted_internal(text, passages)
    return flags


def reply_sanitize(text: str) -> str:
    """``text`` without Markdown/HTML links and images (and bare URLs) to hosts outside ``settings.REPLY_LINK_HOSTS``:
    links keep their visible text, images and bare URLs are removed. Allowed links are left as they are."""
    return links_strip(text or "")
