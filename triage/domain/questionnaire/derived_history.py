"""Derived facts about the patient and their symptoms (age, onset, weight, bowels, alcohol, scores), for v1 and v2 answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from triage.domain.questionnaire.derived_lists import answer_of
from triage.domain.questionnaire.derived_types import DerivedValue, Facts

# One "drink" in the questionnaire is defined for the patient as about one UK unit (8 g alcohol).
UNITS_PER_DRINK = 1.0
# AUDIT-C item 1 (how often) as drinking days a week, and item 2 (drinks on a typical day) as drinks: version 2
# estimates units a week from them, since it no longer asks for drinks a week.
DRINKING_DAYS_A_WEEK = {"1": 0.25, "2": 0.75, "3": 2.5, "4": 5.0}
DRINKS_A_DAY = {"0": 1.5, "1": 3.5, "2": 5.5, "3": 8.0, "4": 10.0}
STOOLS_PER_DAY = {
    "less_than_3_a_week": 0.3,
    "3_a_week_to_1_a_day": 0.7,
    "1_to_2_a_day": 1.5,
    "3_to_5_a_day": 4.0,
    "6_or_more_a_day": 7.0,
}
STOOL_PATTERN_SUBTYPES = {"mostly_hard": "constipation", "mostly_loose": "diarrhoea", "mixed": "mixed", "normal": "unclassified"}
# The symptoms choices (the same values in both versions); each has a `{symptom}_months` follow-up.
SYMPTOMS = (
    "abdominal_pain",
    "bloating",
    "wind",
    "diarrhoea",
    "constipation",
    "alternating",
    "urgency",
    "heartburn",
    "regurgitation",
    "nausea",
    "vomiting",
    "swallowing",
    "early_fullness",
    "fatigue",
    "headaches",
    "joint_pain",
    "mouth_ulcers",
    "skin_rash",
    "numbness",
    "breathless",
    "brain_fog",
    "anxiety_low_mood",
)
SYMPTOM_MONTHS = tuple(f"{s}_months" for s in SYMPTOMS)


def _number(value: object) -> float | int | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def age(a: Facts, on: dt.date) -> DerivedValue:
    """Age in whole years on the given day."""
    born = a.get("date_of_birth")
    if not isinstance(born, str):
        return None
    try:
        birth = dt.date.fromisoformat(born)
    except ValueError:
        return None  # validation stores real dates only; a malformed one (a hand-written case file) is unknown, not a crash
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def symptoms_longest_months(a: Facts, on: dt.date) -> DerivedValue:
    """Months since the symptoms began: v1 asked it once; v2 takes the longest of the ticked symptoms' durations."""
    started = a.get("symptoms_started_months")
    if isinstance(started, int) and not isinstance(started, bool):
        return started
    ticked = a.get("symptoms")
    if not isinstance(ticked, list):
        return None
    longest = None
    for s in ticked:  # one pass: this runs for every evaluation and every step's red-flag pass
        if isinstance(s, str):
            m = a.get(f"{s}_months")
            if isinstance(m, int) and not isinstance(m, bool) and (longest is None or m > longest):
                longest = m
    return longest


def onset_age(a: Facts, on: dt.date) -> DerivedValue:
    """Age when the symptoms began."""
    years, months = age(a, on), symptoms_longest_months(a, on)
    if not isinstance(years, int) or not isinstance(months, int):
        return None
    return max(0, years - months // 12)


def eats_gluten(a: Facts, on: dt.date) -> DerivedValue:
    """Eats gluten most days."""
    status = a.get("gluten_status")
    return None if status in (None, "not_sure") else status == "regular"


def alcohol_units(a: Facts, on: dt.date) -> DerivedValue:
    """Units a week: v1 from the drinks a week asked; v2 estimated from AUDIT-C items 1 and 2."""
    frequency = a.get("alcohol_frequency")
    if frequency == "0":
        return 0.0
    drinks = _number(a.get("drinks_per_week"))
    if drinks is not None:
        return round(float(drinks) * UNITS_PER_DRINK, 1)
    typical = a.get("alcohol_typical_drinks")
    if not isinstance(frequency, str) or not isinstance(typical, str):
        return None
    if frequency not in DRINKING_DAYS_A_WEEK or typical not in DRINKS_A_DAY:
        return None
    return round(DRINKING_DAYS_A_WEEK[frequency] * DRINKS_A_DAY[typical] * UNITS_PER_DRINK, 1)


def _percent_of_former(lost: object, now: object) -> DerivedValue:
    lost, now = _number(lost), _number(now)
    if lost is None or now is None or now + lost <= 0:
        return None
    return round(100.0 * lost / (now + lost), 1)


def weight_loss_percent(a: Facts, on: dt.date) -> DerivedValue:
    """Unintended weight loss as a percent of the former weight (v1 weight_change questions, else v2 weight_lost_kg)."""
    change = a.get("weight_change")
    if change is not None:
        if change != "lost":
            return 0.0 if change in ("gained", "same") else None
        if a.get("weight_change_intended") == "yes":
            return 0.0
        return _percent_of_former(a.get("weight_change_kg"), a.get("weight_kg"))
    unintended = answer_of(a, "unintended_weight_loss")  # version 2 ticks it among the warning signs
    if unintended == "no":
        return 0.0
    return _percent_of_former(a.get("weight_lost_kg"), a.get("weight_kg")) if unintended == "yes" else None


def stools_per_day(a: Facts, on: dt.date) -> DerivedValue:
    """Bowel movements a day: v2 from the frequency band chosen, v1 as typed."""
    band = a.get("bowel_frequency")
    if isinstance(band, str):
        return STOOLS_PER_DAY.get(band)
    return _number(a.get("bowel_movements_per_day"))


def score(*keys: str) -> Callable[[Facts, dt.date], DerivedValue]:
    """The sum of questionnaire items answered with digit choices, or None if any is missing."""

    def compute(a: Facts, on: dt.date) -> DerivedValue:
        values = [a.get(k) for k in keys]
        for v in values:
            if not isinstance(v, str) or not v.isdigit():
                return None
        return sum([int(str(v)) for v in values])

    return compute


_AUDIT_C_ITEMS = score("alcohol_frequency", "alcohol_typical_drinks", "alcohol_six_or_more")


def audit_c(a: Facts, on: dt.date) -> DerivedValue:
    """AUDIT-C score (0 for a patient who never drinks)."""
    if a.get("alcohol_frequency") == "0":
        return 0
    return _AUDIT_C_ITEMS(a, on)


def bmi(a: Facts, on: dt.date) -> DerivedValue:
    """Body mass index."""
    h, w = _number(a.get("height_cm")), _number(a.get("weight_kg"))
    if h is None or w is None or h <= 0:
        return None
    return round(w / (h / 100.0) ** 2, 1)


def ibs_subtype(a: Facts, on: dt.date) -> DerivedValue:
    """Stool-pattern subtype: v2 from the pattern chosen; v1 by Rome IV from the shares of hard and loose stools."""
    pattern = a.get("stool_pattern")
    if isinstance(pattern, str):
        return STOOL_PATTERN_SUBTYPES.get(pattern)
    hard, loose = a.get("hard_stools_percent"), a.get("loose_stools_percent")
    if not isinstance(hard, int) or not isinstance(loose, int):
        return None
    if loose > 25 and hard > 25:
        return "mixed"
    if loose > 25:
        return "diarrhoea"
    if hard > 25:
        return "constipation"
    return "unclassified"
