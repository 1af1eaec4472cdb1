"""The history paragraph's style (issue 14): singular and plural, every symptom named with its own duration, triggers
for the symptoms overall, anaemia details, earlier results, every medicine, and no grammar slips."""

from __future__ import annotations

import datetime as dt

from triage.domain.questionnaire.answers import with_unit
from triage.domain.questionnaire.questions import Answer, default_questionnaire
from triage.domain.report.history import history_paragraph
from triage.domain.report.history_extra import ago, times

ON = dt.date(2026, 11, 30)
SEVEN = ["diarrhoea", "bloating", "wind", "fatigue", "mouth_ulcers", "joint_pain", "heartburn"]


def _history(**answers: Answer) -> str:
    base: dict[str, Answer] = {"date_of_birth": "1999-03-02", "sex_at_birth": "female"}
    return history_paragraph(default_questionnaire(), {**base, **answers}, ON)


def test_numbers_take_their_singular_or_plural() -> None:
    assert (times(1), times(8), times(2.5)) == ("1 time", "8 times", "2.5 times")
    assert (ago(0), ago(1), ago(5), ago(36)) == ("this month", "1 month ago", "5 months ago", "about 3 years ago")
    assert with_unit(1, "cups a day") == "1 cup a day" and with_unit(2, "cups a day") == "2 cups a day"
    assert with_unit(1, "months") == "1 month" and with_unit(1, "kg") == "1 kg" and with_unit(1, "days ago") == "1 day ago"
    text = _history(symptoms=["diarrhoea"], bowel_movements_per_day=1, warning_signs=["blood_in_stool"], bloody_stools_per_day=1)
    assert "1 times" not in text and "1 time a day" in text and "up to 1 time a day" in text


def test_every_symptom_is_named_with_its_own_duration() -> None:
    text = _history(symptoms=SEVEN, heartburn_months=100, diarrhoea_months=8, bloating_months=8)
    assert "other symptom" not in text
    for term in ("mouth ulcers", "joint pain", "heartburn (about 8.5 years)", "loose stools (8 months)", "fatigue"):
        assert term in text, term


def test_triggers_belong_to_the_symptoms_not_to_the_last_one_named() -> None:
    text = _history(symptoms=["bloating", "fatigue"], triggers=["large_late_meals"])
    assert "fatigue, worse" not in text and "Symptoms worse after large or late meals." in text


def test_anaemia_iron_that_did_not_help_periods_and_earlier_results() -> None:
    text = _history(
        menopause_status="still_periods",
        heavy_periods="no",
        known_anaemia="iron_deficiency",
        iron_tablets_no_help="yes",
        previous_tests=["blood_count_iron", "celiac_blood"],
        test_blood_count_iron_result="abnormal",
        test_blood_count_iron_months_ago=2,
        test_celiac_blood_result="normal",
        test_celiac_blood_months_ago=1,
    )
    assert "known iron-deficiency anaemia, not helped by iron tablets, periods not heavy" in text
    assert "Earlier tests: blood count or iron studies not normal 2 months ago; coeliac serology normal 1 month ago." in text


def test_free_text_and_ticked_medicines_are_included() -> None:
    text = _history(
        other_medicines=["metformin"],
        current_medicines=[["Levothyroxine", "50 micrograms", "once a day"], ["Loperamide", "", "when needed"]],
    )
    assert "Also takes metformin, Levothyroxine 50 micrograms once a day and Loperamide when needed." in text


def test_no_grammar_slips() -> None:
    text = _history(symptoms=["bloating"], warning_signs=["none"], smoking="never", conditions=["gerd"])
    assert "no an " not in text.lower() and "denies an " not in text.lower() and ".;" not in text and ".." not in text
    assert "abdominal or rectal mass" in text
