"""Frustration false positives from the failure cases: VADER on Spanish (F17) and on a plain bug report (F27)."""

from apps.escalation.frustration import frustration_assess, is_english


def test_a_spanish_login_question_is_not_frustration_and_is_not_read_as_english():
    text = "Hola, no puedo iniciar sesión desde ayer. ¿Cómo restablezco la contraseña? Gracias, José Muñoz"
    assert not is_english(text)
    assert frustration_assess(text).cue == ""


def test_a_plain_bug_report_is_not_frustration_but_anger_about_it_is():
    assert frustration_assess("Export to Excel keeps failing with error E-EXPORT-504, screenshot below.").cue == ""
    angry = frustration_assess("The export is failing again and I am furious, this is terrible and awful.")
    assert angry.cue in {"vader", "exasperation"} and angry


def test_shouting_in_spanish_still_counts():
    assert frustration_assess("NO PUEDO ENTRAR OTRA VEZ, ESTO ES UNA VERGÜENZA").cue == "caps"


NEGATION_TEXTS = [
    "I am not happy at all, never so bad. Not good!!! :(",
    "This is not bad, without doubt the best support, never this good.",
    "No good, no help, nor any answer. At least you tried; least helpful team ever.",
    "The agent was kind of rude and I don't like it. Isn't that terrible?",
    "Honestly I wouldn't say the refund process is great, it isn't even okay 😡",
    "Thanks, the new dashboard is really nice and the export works fine now.",
]


def test_the_faster_vader_scores_exactly_like_the_stock_analyzer():
    """Our analyzer only passes VADER's negation check the words it reads; every score must stay the same."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from apps.escalation.frustration import PROBLEM_WORDS, _analyzer

    stock = SentimentIntensityAnalyzer()
    for word in PROBLEM_WORDS:
        stock.lexicon.pop(word, None)
    long_text = " ".join(NEGATION_TEXTS * 5)  # negations far from the start of a long text
    for text in [*NEGATION_TEXTS, long_text]:
        assert _analyzer().polarity_scores(text) == stock.polarity_scores(text), text
    assert _analyzer().polarity_scores(NEGATION_TEXTS[0])["compound"] < -0.5  # negated praise reads negative
