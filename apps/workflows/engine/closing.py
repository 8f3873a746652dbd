"""Closing acknowledgements: a customer message that only says thanks / that the problem is solved.

Such a message asks nothing: answering it again (or drafting another answer, or escalating the quoted history) is
wrong. The engine resolves the ticket with a short acknowledgement in the customer's language instead, provided no
hard trigger fired and nobody holds the conversation. Detection is deliberately narrow: a short text with a thanks
or "it works now" cue and no question, negation, "still" or "but" (``"Thanks, but it still fails"`` is not a
closing message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 25
SHORT_THANKS_WORDS = 6  # a bare "thanks!" counts as closing only when it is this short

_THANKS = re.compile(
    r"\b(thanks?|thank you|thx|ty|cheers|much appreciated|danke|vielen dank|merci|gracias|grazie|obrigad[oa])\b",
    re.IGNORECASE,
)
_SOLVED = re.compile(
    r"\b((that|this|it|which) (fixed|solved|sorted|did) (it|the trick)|(that|this|it) (worked|works)|"
    r"(works|working|fine) now|all (good|sorted|set|fixed)|problem solved|(is|are|got) (fixed|solved|resolved|sorted)|"
    r"fixed it|sorted it|(hat|das hat) (funktioniert|geholfen)|funktioniert (jetzt|wieder)|"
    r"(ça|ca) (marche|fonctionne)|(ya )?funciona|solucionado|resuelto|arreglado)\b",
    re.IGNORECASE,
)
_OPEN = re.compile(
    r"\?|\b(not|no longer|n't|never|still|but|however|though|again|except|although|nicht|immer noch|aber|pas|"
    r"toujours|pero|sigue|todavía|for nothing|fail\w*|error\w*|broken|wrong|cannot|unable|issue)\b|n't\b",
    re.IGNORECASE,
)

ACKNOWLEDGEMENTS = {
    "en": (
        "Glad to hear it's working now! I'll close this ticket; just reply if anything else comes up.",
        "Hi {name},",
    ),
    "de": (
        "Schön, dass es jetzt funktioniert! Ich schließe das Ticket; antworten Sie einfach, wenn noch etwas ist.",
        "Hallo {name},",
    ),
    "es": (
        "¡Nos alegra que ya funcione! Cerramos el ticket; responde a este mensaje si necesitas algo más.",
        "Hola {name}:",
    ),
    "fr": (
        "Ravis que cela fonctionne maintenant ! Nous fermons le ticket ; répondez simplement si besoin.",
        "Bonjour {name},",
    ),
}


@dataclass(frozen=True)
class Closing:
    """A closing acknowledgement found in the customer's text: ``evidence`` is the cue that matched."""

    evidence: str


def closing_detect(text: str) -> Closing | None:
    """A ``Closing`` when ``text`` (what the customer wrote now, quotes and signatures removed, no subject) only
    thanks us or confirms the problem is solved; ``None`` otherwise (questions, negations, "still", "but", long
    messages, anything without a thanks / solved cue)."""
    text = " ".join((text or "").split())
    if not text or len(text.split()) > MAX_WORDS or _OPEN.search(text):
        return None
    solved = _SOLVED.search(text)
    thanks = _THANKS.search(text)
    if solved:
        return Closing(evidence=solved.group(0))
    if thanks and len(text.split()) <= SHORT_THANKS_WORDS:
        return Closing(evidence=thanks.group(0))
    return None


def acknowledgement_text(*, language: str, shape: str, first_name: str = "", signature: str = "") -> str:
    """The short closing reply in ``language`` (ISO 639-1; English when unknown) for the channel ``shape``
    (``email``: greeting and signature, ``chat``: one line)."""
    body, greeting = ACKNOWLEDGEMENTS.get((language or "en")[:2].lower(), ACKNOWLEDGEMENTS["en"])
    if shape != "email":
        return body
    parts = [greeting.format(name=first_name or "there").replace(" ,", ","), body]
    if signature:
        parts.append(signature)
    return "\n\n".join(parts)
