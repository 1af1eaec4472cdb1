"""Named facts computed from the answers (age, PPI timing, scores) that rules may read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from triage.domain.questionnaire.values import Answer

Facts = Mapping[str, Answer]
DerivedValue = int | float | bool | str | None

# One "drink" in the questionnaire is defined for the patient as about one UK unit (8 g alcohol).
UNITS_PER_DRINK = 1.0


@dataclass(frozen=True)
class DerivedFact:
    """A fact computed in code from the answers, named so rules can use it."""

    id: str
    type: str  # "number", "boolean" or "single"
    unit: str
    label: str
    compute: Callable[[Facts, dt.date], DerivedValue]
    choices: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()


def _age(a: Facts, on: dt.date) -> DerivedValue:
    born = a.get("date_of_birth")
    if not isinstance(born, str):
        return None
    birth = dt.date.fromisoformat(born)
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _onset_age(a: Facts, on: dt.date) -> DerivedValue:
    age, months = _age(a, on), a.get("symptoms_started_months")
    if not isinstance(age, int) or not isinstance(months, int):
        return None
    return max(0, age - months // 12)


def _if_taking(flag: str, key: str) -> Callable[[Facts, dt.date], DerivedValue]:
    def compute(a: Facts, on: dt.date) -> DerivedValue:
        value = a.get(key)
        return value if a.get(flag) == "yes" and isinstance(value, (int, float)) else None

    return compute


def _eats_gluten(a: Facts, on: dt.date) -> DerivedValue:
    status = a.get("gluten_status")
    return None if status in (None, "not_sure") else status == "regular"


def _alcohol_units(a: Facts, on: dt.date) -> DerivedValue:
    if a.get("alcohol_frequency") == "0":
        return 0.0
    drinks = a.get("drinks_per_week")
    return round(float(drinks) * UNITS_PER_DRINK, 1) if isinstance(drinks, (int, float)) else None


def _weight_loss_percent(a: Facts, on: dt.date) -> DerivedValue:
    if a.get("weight_change") != "lost":
        return 0.0 if a.get("weight_change") in ("gained", "same") else None
    if a.get("weight_change_intended") == "yes":
        return 0.0
    lost, now = a.get("weight_change_kg"), a.get("weight_kg")
    if not isinstance(lost, (int, float)) or not isinstance(now, (int, float)) or now + lost <= 0:
        return None
    return round(100.0 * lost / (now + lost), 1)


def _score(*keys: str) -> Callable[[Facts, dt.date], DerivedValue]:
    def compute(a: Facts, on: dt.date) -> DerivedValue:
        values = [a.get(k) for k in keys]
        if any(not isinstance(v, str) or not v.isdigit() for v in values):
            return None
        return sum(int(str(v)) for v in values)

    return compute


def _audit_c(a: Facts, on: dt.date) -> DerivedValue:
    if a.get("alcohol_frequency") == "0":
        return 0
    return _score("alcohol_frequency", "alcohol_typical_drinks", "alcohol_six_or_more")(a, on)


def _bmi(a: Facts, on: dt.date) -> DerivedValue:
    h, w = a.get("height_cm"), a.get("weight_kg")
    if not isinstance(h, (int, float)) or not isinstance(w, (int, float)) or h <= 0:
        return None
    return round(w / (h / 100.0) ** 2, 1)


def _ibs_subtype(a: Facts, on: dt.date) -> DerivedValue:
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


DERIVED_FACTS: tuple[DerivedFact, ...] = (
    DerivedFact("age_years", "number", "years", "Age in whole years on the day of the intake", _age, reads=("date_of_birth",)),
    DerivedFact(
        "onset_age_years",
        "number",
        "years",
        "Age when the tummy or bowel symptoms started",
        _onset_age,
        reads=("date_of_birth", "symptoms_started_months"),
    ),
    DerivedFact(
        "ppi_months_taken",
        "number",
        "months",
        "Months on a PPI (only if currently taking one)",
        _if_taking("takes_ppi", "ppi_months"),
        reads=("takes_ppi", "ppi_months"),
    ),
    DerivedFact(
        "ppi_days_since_last_dose",
        "number",
        "days",
        "Days since the last PPI dose (only if taking one)",
        _if_taking("takes_ppi", "ppi_last_dose_days"),
        reads=("takes_ppi", "ppi_last_dose_days"),
    ),
    DerivedFact(
        "h2_days_since_last_dose",
        "number",
        "days",
        "Days since the last H2-blocker dose (only if taking one)",
        _if_taking("takes_h2_blocker", "h2_last_dose_days"),
        reads=("takes_h2_blocker", "h2_last_dose_days"),
    ),
    DerivedFact("eats_gluten", "boolean", "", "Currently eats gluten most days", _eats_gluten, reads=("gluten_status",)),
    DerivedFact(
        "alcohol_units_per_week",
        "number",
        "UK units/week",
        "Alcohol units per week",
        _alcohol_units,
        reads=("alcohol_frequency", "drinks_per_week"),
    ),
    DerivedFact(
        "weight_loss_percent",
        "number",
        "%",
        "Unintended weight loss in the last 6-12 months, percent of former weight",
        _weight_loss_percent,
        reads=("weight_change", "weight_change_intended", "weight_change_kg", "weight_kg"),
    ),
    DerivedFact("bmi", "number", "kg/m2", "Body mass index", _bmi, reads=("height_cm", "weight_kg")),
    DerivedFact(
        "phq2_score",
        "number",
        "points (0-6)",
        "PHQ-2 depression screen score",
        _score("phq_interest", "phq_down"),
        reads=("phq_interest", "phq_down"),
    ),
    DerivedFact(
        "gad2_score",
        "number",
        "points (0-6)",
        "GAD-2 anxiety screen score",
        _score("gad_nervous", "gad_worry"),
        reads=("gad_nervous", "gad_worry"),
    ),
    DerivedFact(
        "audit_c_score",
        "number",
        "points (0-12)",
        "AUDIT-C alcohol screen score",
        _audit_c,
        reads=("alcohol_frequency", "alcohol_typical_drinks", "alcohol_six_or_more"),
    ),
    DerivedFact(
        "ibs_subtype",
        "single",
        "",
        "Stool-pattern subtype by Rome IV (share of hard vs loose stools)",
        _ibs_subtype,
        choices=("diarrhoea", "constipation", "mixed", "unclassified"),
        reads=("hard_stools_percent", "loose_stools_percent"),
    ),
)

DERIVED_BY_ID = {d.id: d for d in DERIVED_FACTS}


def derive_facts(answers: Facts, on: dt.date) -> dict[str, DerivedValue]:
    """Compute every derived fact for one intake, as of the given date."""
    return {d.id: d.compute(answers, on) for d in DERIVED_FACTS}


def facts_for_rules(answers: Facts, on: dt.date) -> dict[str, Answer | DerivedValue]:
    """Answers plus derived facts: the single mapping the rules engine reads."""
    facts: dict[str, Answer | DerivedValue] = dict(answers)
    facts.update({k: v for k, v in derive_facts(answers, on).items() if v is not None})
    return facts
