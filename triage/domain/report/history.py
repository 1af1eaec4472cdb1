"""The history-of-present-illness paragraph, written deterministically from structured answers (either questionnaire version)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from triage.domain.questionnaire.derived import DerivedValue, derive_facts
from triage.domain.questionnaire.questions import Answer, Questionnaire
from triage.domain.report.history_extra import anaemia_details, earlier_results, other_medicines, times
from triage.domain.report.medicines import acid_medicines, medicines_sentence
from triage.domain.report.phrases import (
    ALARM_TERMS,
    ANAEMIA_TERMS,
    BOWEL_FEATURES,
    BOWEL_FREQUENCY_TERMS,
    CONDITION_TERMS,
    FAMILY_TERMS,
    PERSON,
    SMOKING_TERMS,
    STOOL_PATTERN_TERMS,
    SYMPTOM_TERMS,
    TREND_TERMS,
    TRIGGER_TERMS,
    WARNING_SIGNS,
    WARNING_SIGNS_UNSURE,
)
from triage.domain.report.words import choices, days_ago, duration, is_number, join_words

__all__ = [
    "acid_medicines",
    "alarm_answers",
    "choices",
    "days_ago",
    "duration",
    "history_paragraph",
    "join_words",
    "severity_of",
]

Facts = Mapping[str, DerivedValue]


def severity_of(a: Mapping[str, Answer]) -> dict[str, int]:
    """Each symptom's worst severity (0-10): version 1 asked every symptom's, version 2 the worst symptom's only."""
    symptoms = choices(a, "symptoms")
    found = {s: v for s in symptoms if isinstance(v := a.get(f"{s}_severity"), int) and not isinstance(v, bool)}
    worst = a.get("worst_symptom")
    if not isinstance(worst, str) and len(symptoms) == 1:
        worst = symptoms[0]  # version 2 asks which is worst only when two or more are ticked
    value = a.get("worst_symptom_severity")
    if isinstance(worst, str) and worst in symptoms and isinstance(value, int) and not isinstance(value, bool):
        found[worst] = value
    return found


def alarm_answers(a: Mapping[str, Answer]) -> dict[str, Answer]:
    """Each alarm feature's answer: its own question, or read from version 2's list of warning signs.

    In the list, a ticked sign reads "yes", one in the not-sure list "not_sure", and the others "no" (unless the
    patient ticked "not sure" without saying which). Known anaemia is always its own question.
    """
    listed = choices(a, WARNING_SIGNS) if isinstance(a.get(WARNING_SIGNS), list) else None
    unsure = choices(a, WARNING_SIGNS_UNSURE)
    found: dict[str, Answer] = {}
    for qid in ALARM_TERMS:
        value = a.get(qid)
        if value is None and listed is not None and qid != "known_anaemia":
            if qid in listed:
                value = "yes"
            elif qid in unsure:
                value = "not_sure"
            elif "not_sure" not in listed or unsure:
                value = "no"
        if value is not None:
            found[qid] = value
    return found


def _opening(a: Mapping[str, Answer], facts: Facts) -> str:
    age = facts["age_years"]
    person = PERSON.get(str(a.get("sex_at_birth")), "person")
    who = f"{age}-year-old {person}" if isinstance(age, int) else person.capitalize()
    symptoms = [s for s in choices(a, "symptoms") if isinstance(s, str) and s in SYMPTOM_TERMS]
    if not symptoms:
        return f"{who} with no gastrointestinal symptoms selected"
    severity = severity_of(a)
    ranked = sorted(symptoms, key=lambda s: -severity.get(s, -1))
    # Version 1 asked one onset for all symptoms; version 2 asks each symptom's own duration. Every symptom is named.
    span = duration(a.get("symptoms_started_months"))
    terms = [_symptom_term(a, s, severity.get(s), with_span=not span) for s in ranked]
    text = f"{who} with " + (f"{span} of " if span else "") + join_words(terms)
    trend = TREND_TERMS.get(str(a.get("symptoms_trend")))
    text += f", {trend}" if trend else ""
    triggers = [TRIGGER_TERMS[t] for t in choices(a, "triggers") if t in TRIGGER_TERMS]
    # The triggers are the patient's for the symptoms overall, not for the last one named.
    return text + (". Symptoms worse after " + join_words(triggers) if triggers else "")


def _symptom_term(a: Mapping[str, Answer], symptom: str, severity: int | None, with_span: bool) -> str:
    details = []
    if severity is not None:
        details.append(f"{severity}/10")
    span = duration(a.get(f"{symptom}_months")) if with_span else ""
    if span:
        details.append(span)
    return SYMPTOM_TERMS[symptom] + (f" ({', '.join(details)})" if details else "")


def _number(value: Answer | None, default: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _bowels(a: Mapping[str, Answer]) -> str:
    parts = []
    bristol = a.get("bristol_type")
    if isinstance(bristol, str) and bristol.isdigit():
        parts.append(f"Bristol type {bristol} stools")
    pattern = STOOL_PATTERN_TERMS.get(str(a.get("stool_pattern")))
    if pattern:
        parts.append(pattern)
    per_day = a.get("bowel_movements_per_day")
    if isinstance(per_day, (int, float)) and not isinstance(per_day, bool):
        shown = int(per_day) if float(per_day).is_integer() else per_day
        parts.append(f"{times(shown)} a day")
    frequency = BOWEL_FREQUENCY_TERMS.get(str(a.get("bowel_frequency")))
    if frequency:
        parts.append(frequency)
    features = choices(a, BOWEL_FEATURES)  # version 2 may ask these as one list
    for qid, words in (("nocturnal_bowel", "nocturnal defecation"), ("mucus", "mucus"), ("oily_stools", "pale, oily stools")):
        if a.get(qid) == "yes" or qid in features:
            parts.append(words)
    return ", ".join(parts)


def _weight_loss(a: Mapping[str, Answer], facts: Facts) -> str:
    if is_number(a.get("weight_lost_kg")):  # version 2
        details = [f"{_number(a['weight_lost_kg'], 0):g} kg"]
        percent = facts.get("weight_loss_percent")
        if is_number(percent):
            details.append(f"{float(percent):.0f}% of body weight")  # type: ignore[arg-type]
        months = a.get("weight_lost_months")
        text = ", ".join(details)
        return f" ({text} over {duration(months)})" if is_number(months) else f" ({text})"
    if is_number(a.get("weight_change_kg")):  # version 1
        return f" ({_number(a['weight_change_kg'], 0):g} kg)"
    return ""


def _alarms(a: Mapping[str, Answer], facts: Facts) -> str:
    present, absent = [], []
    answered = alarm_answers(a)
    for qid, term in ALARM_TERMS.items():
        value = answered.get(qid)
        if value in ("yes", "iron_deficiency", "b12_deficiency", "other"):
            detail = ""
            if qid == "blood_in_stool" and isinstance(a.get("bloody_stools_per_day"), int):
                detail = f" (up to {times(a['bloody_stools_per_day'])} a day)"
            elif qid == "unintended_weight_loss":
                detail = _weight_loss(a, facts)
            elif qid == "known_anaemia":
                term = ANAEMIA_TERMS.get(str(value), term)
                extra = anaemia_details(a)
                detail = f", {extra}" if extra else ""
            present.append(term + detail)
        elif value == "no":
            absent.append(term)
    sentences = []
    if present:
        sentences.append("Reports " + join_words(present))
    if absent and not present and len(absent) == len(ALARM_TERMS):
        sentences.append("No alarm features reported")
    elif absent:
        sentences.append("Denies " + join_words(absent))
    return ". ".join(sentences)


def _diet(a: Mapping[str, Answer]) -> str:
    status = a.get("gluten_status")
    span = duration(a.get("gluten_reduced_months"))
    text = {
        "regular": "Eats gluten most days",
        "reduced": "Has reduced gluten" + (f" for {span}" if span else ""),
        "gluten_free": "Strictly gluten-free" + (f" for {span}" if span else ""),
    }.get(str(status), "")
    if a.get("gluten_symptoms") == "yes":
        text += ("; " if text else "") + "symptoms after wheat"
    if a.get("dairy_symptoms") == "yes":
        text += ("; " if text else "") + "symptoms after milk"
    return text


def _history(a: Mapping[str, Answer]) -> str:
    parts = []
    conditions = [
        CONDITION_TERMS.get(c, c.replace("_", " ")) for c in choices(a, "conditions") if isinstance(c, str) and c != "none"
    ]
    if conditions:
        parts.append("History of " + join_words(conditions))
    family = [FAMILY_TERMS[f] for f in choices(a, "family_history") if f in FAMILY_TERMS]
    if family:
        parts.append("first-degree family history of " + join_words(family))
    smoking = SMOKING_TERMS.get(str(a.get("smoking")))
    if smoking:
        parts.append(smoking)
    return "; ".join(parts)


def _screens(facts: Facts) -> str:
    parts = []
    for key, name in (("phq2_score", "PHQ-2"), ("gad2_score", "GAD-2")):
        score = facts[key]
        if isinstance(score, int) and not isinstance(score, bool):
            parts.append(f"{name} {score}/6" + (" (positive screen)" if score >= 3 else ""))
    units = facts["alcohol_units_per_week"]
    if isinstance(units, float):
        parts.append(f"alcohol {units:g} units a week")
    return ", ".join(parts)


def history_paragraph(questionnaire: Questionnaire, answers: Mapping[str, Answer], on: dt.date) -> str:
    """The HPI paragraph: presenting symptoms, bowel habit, alarm features, medicines, diet, history."""
    facts = derive_facts(answers, on)
    sentences = [
        _opening(answers, facts),
        _bowels(answers),
        _alarms(answers, facts),
        medicines_sentence(questionnaire, answers),
        other_medicines(questionnaire, answers),
        _diet(answers),
        _history(answers),
        earlier_results(questionnaire, answers),
        _screens(facts),
    ]
    return " ".join(_sentence(s) for s in sentences if s)


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    # A phrase ending in a full stop before a joining ';' would read ".;": clauses never end in one.
    text = text.replace(".;", ";").replace("..", ".")
    return text if text.endswith(".") else text + "."
