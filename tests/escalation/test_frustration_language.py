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
