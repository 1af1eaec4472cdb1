"""Derived medicine facts (PPI, H2 blocker, antacid, bismuth, antibiotics), read from version 1 or version 2 answers.

Version 2 asks one "In the last 4 weeks, have you taken any of these?" list (`acid_medicines`) with follow-ups per
ticked medicine; version 1 asked "Do you take ...?" per medicine (`takes_ppi` and so on). A fact is computed from
version 2 answers when `acid_medicines` is answered, and otherwise from the version 1 questions.
"""

from __future__ import annotations

import datetime as dt

from triage.domain.questionnaire.derived_types import Compute, DerivedValue, Facts
from triage.domain.questionnaire.values import Answer

FOUR_WEEKS_DAYS = 28

# Per medicine: the acid_medicines value (v2), its still-taking question (v2), and the version 1 "Do you take" question.
MEDICINES = {
    "ppi": ("ppi", "ppi_still_taking", "takes_ppi"),
    "h2": ("h2_blocker", "h2_still_taking", "takes_h2_blocker"),
    "antacid": ("antacid", "antacid_still_taking", "takes_antacid"),
}


def _number(value: Answer | None) -> float | int | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def ticked(a: Facts, value: str) -> bool | None:
    """Version 2: whether this medicine is ticked in acid_medicines (None when unanswered or "Not sure")."""
    medicines = a.get("acid_medicines")
    if not isinstance(medicines, list):
        return None
    if value in medicines:
        return True
    return None if "not_sure" in medicines else False


def _is_v2(a: Facts) -> bool:
    return isinstance(a.get("acid_medicines"), list)


def _takes_v1(a: Facts, flag: str) -> bool | None:
    given = a.get(flag)
    return True if given == "yes" else (False if given == "no" else None)


def in_last_4_weeks(medicine: str) -> Compute:
    """Taken in the last 4 weeks: v2 ticked; v1 "Do you take it" yes, or a last dose at most 28 days ago."""
    value, _, flag = MEDICINES[medicine]
    last_dose = f"{medicine}_last_dose_days"

    def compute(a: Facts, on: dt.date) -> DerivedValue:
        if _is_v2(a):
            return ticked(a, value)
        days = _number(a.get(last_dose))
        if a.get(flag) == "yes" or (days is not None and days <= FOUR_WEEKS_DAYS):
            return True
        return _takes_v1(a, flag)

    return compute


def ppi_current(a: Facts, on: dt.date) -> DerivedValue:
    """Taking a PPI now: v2 ticked and still taking; v1 "Do you take" yes."""
    if not _is_v2(a):
        return _takes_v1(a, "takes_ppi")
    taken = ticked(a, "ppi")
    if taken is not True:
        return taken
    still = a.get("ppi_still_taking")
    return True if still == "yes" else (False if still == "no" else None)


def months_taken(medicine: str) -> Compute:
    """Months on the medicine, when taking it (v2: ticked; v1: "Do you take" yes)."""
    value, _, flag = MEDICINES[medicine]
    key = f"{medicine}_months"

    def compute(a: Facts, on: dt.date) -> DerivedValue:
        taking = ticked(a, value) if _is_v2(a) else a.get(flag) == "yes"
        return _number(a.get(key)) if taking else None

    return compute


def days_since_last_dose(medicine: str) -> Compute:
    """Days since the last dose, when taking it; 0 when still taking it (v2)."""
    value, still, flag = MEDICINES[medicine]
    key = f"{medicine}_last_dose_days"

    def compute(a: Facts, on: dt.date) -> DerivedValue:
        if not _is_v2(a):
            return _number(a.get(key)) if a.get(flag) == "yes" else None
        if ticked(a, value) is not True:
            return None
        return 0 if a.get(still) == "yes" else _number(a.get(key))

    return compute


def bismuth_in_last_4_weeks(a: Facts, on: dt.date) -> DerivedValue:
    """Bismuth in the last 4 weeks: v2 ticked; v1 an antacid taken now whose kinds include bismuth."""
    if _is_v2(a):
        return ticked(a, "bismuth")
    if a.get("takes_antacid") == "no":
        return False
    kinds = a.get("antacid_types")
    if not isinstance(kinds, list) or a.get("takes_antacid") != "yes":
        return None
    return "bismuth" in kinds


def bismuth_days_since_last_dose(a: Facts, on: dt.date) -> DerivedValue:
    """Days since the last bismuth dose: v2 asks it; v1 only when bismuth was the one antacid taken."""
    if _is_v2(a):
        return _number(a.get("bismuth_last_dose_days")) if ticked(a, "bismuth") else None
    if a.get("takes_antacid") == "yes" and a.get("antacid_types") == ["bismuth"]:
        return _number(a.get("antacid_last_dose_days"))
    return None


def _antibiotics_v1_days(a: Facts) -> float | int | None:
    others, weeks = a.get("other_medicines"), _number(a.get("antibiotics_weeks_ago"))
    if isinstance(others, list) and "antibiotics" in others and weeks is not None:
        return weeks * 7
    return None


def antibiotics_in_last_4_weeks(a: Facts, on: dt.date) -> DerivedValue:
    """Antibiotics in the last 4 weeks: v2 ticked; v1 finished at most 4 weeks ago."""
    if _is_v2(a):
        return ticked(a, "antibiotics")
    others = a.get("other_medicines")
    if not isinstance(others, list):
        return None
    if "antibiotics" not in others:
        return False
    days = _antibiotics_v1_days(a)
    return None if days is None else days <= FOUR_WEEKS_DAYS


def antibiotics_days_since_last_dose(a: Facts, on: dt.date) -> DerivedValue:
    """Days since the last antibiotic: v2 asks it; v1 from the weeks since the course finished."""
    if _is_v2(a):
        return _number(a.get("antibiotics_last_dose_days")) if ticked(a, "antibiotics") else None
    return _antibiotics_v1_days(a)
