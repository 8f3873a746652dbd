"""Frustration in what the customer wrote now: VADER sentiment plus cues VADER misses — sarcastic praise in a
complaint ("Truly world-class attention to detail 👏", "thanks for nothing") and ALL-CAPS shouting — and, when
the configured LLM provider offers ``judge_frustration(text) -> (bool, str)``, its judgement on borderline text.

Data source: the text only (``vaderSentiment``'s lexicon; English-centred, the cues cover the common sarcasm
shapes). Evidence is always quoted from the text so the handoff shows why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

VADER_THRESHOLD = -0.5  # compound score at or below this is frustration
BORDERLINE = -0.2  # between this and the threshold the LLM (when it can judge) decides
CAPS_MIN_WORDS = 3
CAPS_MIN_SHARE = 0.6

# Sarcasm no matter the context.
_STRONG = [
    r"thanks? for nothing",
    r"great,? just great",
    r"oh,? (?:great|wonderful|perfect|brilliant|fantastic)",
    r"yeah,? right",
    r"thanks? a lot for (?:nothing|wasting)",
    r"(?:such|what) a (?:joke|waste)",
    "\U0001f644",  # rolling eyes
]
# Praise that is sarcastic when the text also complains.
_WEAK = [
    r"wow",
    r"amazing (?:service|support|job|work)",
    r"great (?:service|support|job)",
    r"world[- ]class",
    r"keep up the (?:great|amazing|good|fantastic) work",
    r"(?:so|very|super|really) helpful",
    r"love (?:how|that|it when)",
    r"(?:fantastic|brilliant|excellent|stellar|impressive|wonderful)",
    r"thanks? (?:a lot|so much)",
    r"bravo",
    "\U0001f44f",  # clapping hands
]
_COMPLAINT = re.compile(
    r"\b(?:wrong|again|still|never|broken|twice|third|fourth|fifth|in a row|not working|doesn'?t work|"
    r"didn'?t|won'?t|can'?t|nothing|no one|nobody|waiting|lost|useless|hours|days|weeks|error|failed|fails|"
    r"unacceptable|ridiculous|every time|same problem|same issue)\b",
    re.IGNORECASE,
)
# Exasperation VADER scores as neutral: repeating oneself, being stuck in a loop.
_EXASPERATION = [
    r"(?:i'?ve|i have) (?:already )?(?:given|told|sent|explained|asked)(?: you)?[^.!?]{0,40}(?:twice|again|\w+ times)",
    r"how many (?:more )?times",
    r"(?:for|this is) the (?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time",
    r"(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time (?:this|in a|today|now)",
    r"stop sending me",
    r"(?:you|this|your \w+) (?:is|are) useless",
    r"(?:how )?useless",
    r"waste of (?:my )?time",
    r"fed up",
    r"sick (?:and tired )?of",
    r"unacceptable",
    r"ridiculous",
]
_STRONG_RE = re.compile(r"(?<!\w)(?:" + "|".join(_STRONG) + r")(?!\w)", re.IGNORECASE)
_WEAK_RE = re.compile(r"(?<!\w)(?:" + "|".join(_WEAK) + r")(?!\w)", re.IGNORECASE)
_EXASPERATION_RE = re.compile(r"(?<!\w)(?:" + "|".join(_EXASPERATION) + r")(?!\w)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Frustration:
    """``cue``: ``vader`` / ``sarcasm`` / ``caps`` / ``exasperation`` / ``llm`` (``""`` when calm);
    ``evidence``: quoted text; ``compound``: VADER's compound score (-1…1)."""

    cue: str
    evidence: str
    compound: float

    def __bool__(self) -> bool:
        return bool(self.cue)


# Words that describe the product's fault, not the customer's mood: a plain bug report ("export keeps failing with
# error E-504") is not frustration. They score 0 in our copy of VADER's lexicon.
PROBLEM_WORDS = (
    "error", "errors", "fail", "fails", "failed", "failing", "failure", "failures", "bug", "bugs", "broken",
    "crash", "crashed", "crashes", "crashing", "issue", "issues", "problem", "problems", "missing", "stuck",
    "declined", "denied", "rejected", "reject", "wrong", "lost", "block", "blocked", "limit", "limited",
)  # fmt: skip


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    class Analyzer(SentimentIntensityAnalyzer):
        """VADER with the same scores; its negation check lower-cases the whole text for every sentiment word
        (quadratic in the text's length) but only reads the three words before the current one: pass just those."""

        def _negation_check(self, valence, words_and_emoticons, start_i, i):
            lo = max(0, i - 3)
            return SentimentIntensityAnalyzer._negation_check(
                valence, words_and_emoticons[lo : i + 1], start_i, i - lo
            )

    analyzer = Analyzer()
    for word in PROBLEM_WORDS:
        analyzer.lexicon.pop(word, None)
    return analyzer


@lru_cache(maxsize=1)
def _language_detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = (Language.ENGLISH, Language.GERMAN, Language.SPANISH, Language.FRENCH, Language.ITALIAN,
                 Language.PORTUGUESE, Language.DUTCH)  # fmt: skip
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def is_english(text: str) -> bool:
    """Whether ``text`` reads as English (``lingua``, low-accuracy mode over en/de/es/fr/it/pt/nl; too short to
    tell counts as English). VADER's lexicon is English: other languages rely on the cues and the LLM."""
    from lingua import Language

    found = _language_detector().detect_language_of(text[:2000])
    return found is None or found == Language.ENGLISH


def shouting(text: str) -> str:
    """The ALL-CAPS words when the text shouts (at least three such words making most of its letters), else ``""``.
    Acronyms in normal text (API, CSV, VAT) don't count: the share of letters decides."""
    words = _WORD.findall(text)
    caps = [w for w in words if w.isupper()]
    letters = sum(len(w) for w in words)
    if len(caps) < CAPS_MIN_WORDS or not letters:
        return ""
    if sum(len(w) for w in caps) / letters < CAPS_MIN_SHARE:
        return ""
    return " ".join(caps[:8])


def sarcasm(text: str) -> str:
    """The sarcastic phrase (strong cue, or praise next to a complaint), else ``""``."""
    strong = _STRONG_RE.search(text)
    if strong:
        return strong.group(0)
    weak = _WEAK_RE.findall(text)
    if weak and _COMPLAINT.search(text):
        return ", ".join(dict.fromkeys(weak))
    return ""


def frustration_assess(text: str, *, threshold: float = VADER_THRESHOLD, llm=None) -> Frustration:
    """How frustrated ``text`` reads. ``threshold``: VADER compound at or below which it counts; ``llm``: a
    provider, asked only for borderline scores and only when it has ``judge_frustration`` (errors are ignored:
    the lexicon result stands)."""
    text = (text or "").strip()
    if not text:
        return Frustration("", "", 0.0)
    caps = shouting(text)
    if caps:
        return Frustration("caps", caps, _compound(text))
    sarcastic = sarcasm(text)
    if sarcastic:
        return Frustration("sarcasm", sarcastic, _compound(text))
    exasperated = _EXASPERATION_RE.search(text)
    if exasperated:
        return Frustration("exasperation", exasperated.group(0), _compound(text))
    compound = _compound(text)
    judge = getattr(llm, "judge_frustration", None)
    if threshold < 0 and compound > threshold and (judge is None or compound > BORDERLINE):
        return Frustration("", "", compound)  # calm in any language: no need to ask which one
    english = is_english(text)  # the language only matters for a negative score (0.7 ms per text)
    if not english:
        compound = 0.0  # VADER reads Spanish "no puedo…" as negative: no lexicon verdict outside English
    if compound <= threshold:
        return Frustration("vader", f"sentiment {compound:.2f}", compound)
    if judge is not None and english and compound <= BORDERLINE:
        try:
            frustrated, why = judge(text)
        except Exception:  # noqa: BLE001 — an LLM failure never blocks triage; the lexicon result stands
            return Frustration("", "", compound)
        if frustrated:
            return Frustration("llm", str(why)[:200] or "LLM judged the customer frustrated", compound)
    return Frustration("", "", compound)


def _compound(text: str) -> float:
    return float(_analyzer().polarity_scores(text)["compound"])
