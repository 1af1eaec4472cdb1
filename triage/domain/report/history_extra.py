"""The history paragraph's further sentences: anaemia details, earlier test results, and every other medicine."""

from __future__ import annotations

from collections.abc import Mapping

from triage.domain.questionnaire.questions import Answer, Questionnaire
from triage.domain.report.medicines import current_medicines
from triage.domain.report.words import choice_term, choices, is_number, join_words

# The earlier tests in a clinician's words (the questionnaire's labels are the patient's).
TEST_TERMS = {
    "celiac_blood": "coeliac serology",
    "gastroscopy": "gastroscopy",
    "colonoscopy": "colonoscopy",
    "calprotectin": "faecal calprotectin",
    "h_pylori": "H. pylori test",
    "blood_count_iron": "blood count or iron studies",
    "vitamin_b12": "B12 level",
}
MEDICINE_TERMS = {
    "steroids": "steroids",
    "immunosuppressants": "immunosuppressants",
    "metformin": "metformin",
    "iron": "oral iron",
    "b12_tablets": "oral B12",
    "b12_injections": "B12 injections",
    "vitamin_d": "vitamin D",
    "zinc": "zinc",
    "probiotics": "probiotics",
    "biotin": "biotin",
    "antidepressants": "antidepressants",
}
RESULT_TERMS = {"normal": "normal", "abnormal": "not normal", "not_sure": "result not known"}


def times(count: object, noun: str = "time") -> str:
    """'1 time', '8 times', '2.5 times' (a count with its noun, singular for one)."""
    shown = f"{count:g}" if isinstance(count, float) else str(count)
    return f"{shown} {noun}" + ("" if shown == "1" else "s")


def ago(months: object) -> str:
    """Months ago as said: 'this month', '1 month ago', '2 years ago'."""
    if not is_number(months):
        return ""
    value = int(float(months))  # type: ignore[arg-type]
    if value < 1:
        return "this month"
    if value < 24:
        return f"{times(value, 'month')} ago"
    return f"about {round(value / 12)} years ago"


def anaemia_details(a: Mapping[str, Answer]) -> str:
    """What qualifies known iron deficiency: iron tablets that did not help, periods heavy or not."""
    parts = []
    if a.get("known_anaemia") == "iron_deficiency" and a.get("iron_tablets_no_help") == "yes":
        parts.append("not helped by iron tablets")
    # Periods bear on iron loss: said with iron deficiency (or anaemia of another or unknown type) only.
    if a.get("known_anaemia") in ("iron_deficiency", "other") and (
        a.get("menopause_status") == "still_periods" or "heavy_periods" in a
    ):
        heavy = a.get("heavy_periods")
        parts.append({"yes": "heavy periods", "no": "periods not heavy"}.get(str(heavy), ""))
    return ", ".join(p for p in parts if p)


def earlier_results(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    """Earlier tests with their result and when: 'Earlier tests: coeliac blood test not normal 2 months ago'."""
    found = []
    for test in choices(a, "previous_tests"):
        if test == "none":
            continue
        name = TEST_TERMS.get(test) or choice_term(questionnaire, "previous_tests", test) or test.replace("_", " ")
        result = RESULT_TERMS.get(str(a.get(f"test_{test}_result")), "")
        when = ago(a.get(f"test_{test}_months_ago"))
        found.append(" ".join(p for p in (name, result, when) if p))
    return ("Earlier tests: " + "; ".join(found)) if found else ""


def other_medicines(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    """The medicines besides acid suppression and NSAIDs: the ticked ones and every one the patient typed."""
    ticked = [
        MEDICINE_TERMS.get(m) or choice_term(questionnaire, "other_medicines", m)
        for m in choices(a, "other_medicines")
        if m != "none"
    ]
    typed = [" ".join(p for p in (m.name, m.dose, m.how_often) if p) for m in current_medicines(a)]
    names = [n for n in ticked if n] + typed
    return ("Also takes " + join_words(names)) if names else ""
