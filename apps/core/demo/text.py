"""Text helpers for the demo generator: template expansion, slot filling, human noise, money formatting."""

import random
import re

from .wording import SLOTS

_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
_WORD = re.compile(r"\b[A-Za-z]{5,}\b")
CURRENCY_SYMBOL = {"usd": "$", "eur": "€", "gbp": "£"}


class Slots(dict):
    """Slot values for one ticket: given context first, then a random pick from ``SLOTS`` kept for the ticket,
    so the subject and the body name the same integration or feature."""

    def __init__(self, context: dict[str, str], rng: random.Random):
        super().__init__(context)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        if key not in SLOTS:
            raise KeyError(f"demo template uses unknown slot {{{key}}}")
        value = self.rng.choice(SLOTS[key])
        self[key] = value
        return value


def render(template: str, slots: Slots) -> str:
    """Expand ``[a|b]`` alternatives and fill ``{slot}`` values (slot values may hold templates themselves)."""
    text = template
    for _ in range(4):
        while True:
            expanded = _ALTERNATIVES.sub(lambda m: slots.rng.choice(m.group(1).split("|")), text)
            if expanded == text:
                break
            text = expanded
        if "{" not in text:
            break
        text = text.format_map(slots)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def add_typos(text: str, rng: random.Random, count: int) -> str:
    """Introduce ``count`` keyboard slips (swapped, dropped or doubled letters) into longer words."""
    for _ in range(count):
        words = list(_WORD.finditer(text))
        if not words:
            return text
        match = rng.choice(words)
        word = match.group(0)
        i = rng.randrange(1, len(word) - 1)
        kind = rng.random()
        if kind < 0.45:
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind < 0.8:
            new = word[:i] + word[i + 1 :]
        else:
            new = word[:i] + word[i] + word[i:]
        text = text[: match.start()] + new + text[match.end() :]
    return text


def humanize(text: str, rng: random.Random, *, channel: str, language: str) -> str:
    """Make a clean message look typed by a person: typos, lower case and missing punctuation (more in chat)."""
    chat = channel == "chat"
    if rng.random() < (0.25 if chat else 0.12):
        text = add_typos(text, rng, rng.choice((1, 1, 2)))
    if chat and rng.random() < 0.2:
        text = text.lower()
    if chat and rng.random() < 0.3:
        text = text.rstrip(".!")
    if language == "de" and rng.random() < 0.1:
        text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    if rng.random() < 0.04:
        text = text.replace(". ", ".  ").replace("?", "??", 1)
    return text


def money(cents: int, currency: str, language: str = "en") -> str:
    """Format an amount in cents for a message: ``$48.00``, ``£40.00`` or, in German, ``96,00 €``."""
    value = f"{cents / 100:,.2f}"
    if language == "de":
        value = value.replace(",", "X").replace(".", ",").replace("X", ".")
        return f"{value} {CURRENCY_SYMBOL.get(currency, currency.upper())}"
    symbol = CURRENCY_SYMBOL.get(currency)
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"
