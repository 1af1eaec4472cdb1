"""The history-of-present-illness paragraph, written deterministically from structured answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from triage.domain.questionnaire.derived import derive_facts
from triage.domain.questionnaire.questions import Answer, Questionnaire
from triage.domain.report.phrases import (
    ALARM_TERMS,
    ANAEMIA_TERMS,
    ANTACID,
    CONDITION_TERMS,
    FAMILY_TERMS,
    FREQUENCY_TERMS,
    H2_BLOCKER,
    NSAID,
    PERSON,
    PPI,
    SMOKING_TERMS,
    SYMPTOM_TERMS,
    TREND_TERMS,
    TRIGGER_TERMS,
)

MAX_SYMPTOMS = 5


def choices(answers: Mapping[str, Answer], key: str) -> list[str]:
    """A multi-choice answer as a list of values ([] when absent or not a list)."""
    value = answers.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def duration(months: Answer | None) -> str:
    """A duration in months as clinicians say it: '8 months', '3 years', 'under a month'."""
    if not isinstance(months, (int, float)) or isinstance(months, bool):
        return ""
    months = int(months)
    if months < 1:
        return "under a month"
    if months < 24:
        return f"{months} month" + ("s" if months != 1 else "")
    if months % 12 == 0:
        return f"{months // 12} years"
    return f"about {round(months / 6) / 2:g} years"


def days_ago(days: Answer | None) -> str:
    """Days since a dose as a phrase: 'today', 'yesterday', '5 days ago', 'about 3 weeks ago'."""
    if not isinstance(days, int) or isinstance(days, bool):
        return ""
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"about {round(days / 7)} weeks ago"
    return f"about {round(days / 30)} months ago"


def _choice(questionnaire: Questionnaire, qid: str, value: Answer | None) -> str:
    question = questionnaire.by_id.get(qid)
    if question is None or not isinstance(value, str):
        return ""
    label = question.choice_label(value)
    return label.split(" (")[0].lower() if value not in ("other", "not_sure") else ""


def _opening(a: Mapping[str, Answer], on: dt.date) -> str:
    age = derive_facts(a, on)["age_years"]
    person = PERSON.get(str(a.get("sex_at_birth")), "person")
    who = f"{age}-year-old {person}" if isinstance(age, int) else person.capitalize()
    symptoms = [s for s in choices(a, "symptoms") if isinstance(s, str) and s in SYMPTOM_TERMS]
    if not symptoms:
        return f"{who} with no gastrointestinal symptoms selected"
    ranked = sorted(symptoms, key=lambda s: -_number(a.get(f"{s}_severity"), -1))
    span = duration(a.get("symptoms_started_months"))
    terms = [_symptom_term(a, s, with_span=not span) for s in ranked[:MAX_SYMPTOMS]]
    extra = len(ranked) - MAX_SYMPTOMS
    if extra > 0:
        terms.append(f"{extra} other symptom" + ("s" if extra > 1 else ""))
    text = f"{who} with " + (f"{span} of " if span else "") + join_words(terms)
    triggers = [TRIGGER_TERMS[t] for t in choices(a, "triggers") if t in TRIGGER_TERMS]
    if triggers:
        text += ", worse after " + join_words(triggers)
    trend = TREND_TERMS.get(str(a.get("symptoms_trend")))
    return text + (f", {trend}" if trend else "")


def _symptom_term(a: Mapping[str, Answer], symptom: str, with_span: bool) -> str:
    details = []
    severity = a.get(f"{symptom}_severity")
    if isinstance(severity, int) and not isinstance(severity, bool):
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
    per_day = a.get("bowel_movements_per_day")
    if isinstance(per_day, (int, float)) and not isinstance(per_day, bool):
        shown = int(per_day) if float(per_day).is_integer() else per_day
        parts.append(f"{shown} times a day")
    if a.get("nocturnal_bowel") == "yes":
        parts.append("nocturnal defecation")
    if a.get("mucus") == "yes":
        parts.append("mucus")
    if a.get("oily_stools") == "yes":
        parts.append("pale, oily stools")
    return ", ".join(parts)


def _alarms(a: Mapping[str, Answer]) -> str:
    present, absent = [], []
    for qid, term in ALARM_TERMS.items():
        value = a.get(qid)
        if value in ("yes", "iron_deficiency", "b12_deficiency", "other"):
            detail = ""
            if qid == "blood_in_stool" and isinstance(a.get("bloody_stools_per_day"), int):
                detail = f" (up to {a['bloody_stools_per_day']} times a day)"
            elif qid == "unintended_weight_loss" and isinstance(a.get("weight_change_kg"), (int, float)):
                detail = f" ({_number(a['weight_change_kg'], 0):g} kg)"
            elif qid == "known_anaemia":
                term = ANAEMIA_TERMS.get(str(value), term)
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


def acid_medicines(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> list[str]:
    """Phrases for PPI, H2-blocker and antacid use: drug, frequency, duration and last dose."""
    phrases = []
    for terms in (PPI, H2_BLOCKER):
        if a.get(terms.taking) == "yes":
            name = _choice(questionnaire, terms.drug, a.get(terms.drug)) or terms.generic
            phrases.append(_dose_phrase(name, a, terms.prefix))
        elif a.get(terms.taking) == "not_sure":
            phrases.append(f"unsure whether taking {terms.generic}")
    if a.get(ANTACID.taking) == "yes":
        kinds = [_choice(questionnaire, ANTACID.drug, k) for k in choices(a, ANTACID.drug)]
        name = join_words([k for k in kinds if k]) + " antacids" if any(kinds) else ANTACID.generic
        phrases.append(_dose_phrase(name, a, ANTACID.prefix))
    return phrases


def _dose_phrase(name: str, a: Mapping[str, Answer], prefix: str) -> str:
    text = name
    frequency = FREQUENCY_TERMS.get(str(a.get(f"{prefix}_frequency")))
    if frequency:
        text += f" {frequency}"
    span = duration(a.get(f"{prefix}_months"))
    if span:
        text += f" for {span}"
    last = days_ago(a.get(f"{prefix}_last_dose_days"))
    return text + (f", last dose {last}" if last else "")


def _medicines(questionnaire: Questionnaire, a: Mapping[str, Answer]) -> str:
    phrases = acid_medicines(questionnaire, a)
    if a.get(NSAID.taking) == "yes":
        drugs = [_choice(questionnaire, NSAID.drug, d) for d in choices(a, NSAID.drug)]
        name = join_words([d for d in drugs if d]) or NSAID.generic
        frequency = FREQUENCY_TERMS.get(str(a.get(f"{NSAID.prefix}_frequency")), "")
        span = duration(a.get(f"{NSAID.prefix}_months"))
        phrases.append(" ".join(p for p in (name, frequency, f"for {span}" if span else "") if p))
    if not phrases:
        none = a.get(PPI.taking) == "no" and a.get(NSAID.taking) == "no"
        return "No acid-suppressing medicines or NSAIDs" if none else ""
    return "Takes " + "; ".join(phrases)


def _diet(a: Mapping[str, Answer]) -> str:
    status = a.get("gluten_status")
    span = duration(a.get("gluten_reduced_months"))
    text = {
        "regular": "Eats gluten most days",
        "reduced": "Has reduced gluten" + (f" for {span}" if span else ""),
        "gluten_free": "Strictly gluten-free" + (f" for {span}" if span else ""),
    }.get(str(status), "")
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


def _screens(a: Mapping[str, Answer], on: dt.date) -> str:
    facts = derive_facts(a, on)
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
    sentences = [
        _opening(answers, on),
        _bowels(answers),
        _alarms(answers),
        _medicines(questionnaire, answers),
        _diet(answers),
        _history(answers),
        _screens(answers, on),
    ]
    return " ".join(_sentence(s) for s in sentences if s)


def _sentence(text: str) -> str:
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."
