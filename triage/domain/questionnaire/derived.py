"""Named facts computed from the answers (age, PPI timing, scores) that rules may read, from either questionnaire version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from triage.domain.questionnaire import derived_history as h
from triage.domain.questionnaire import derived_medicines as m
from triage.domain.questionnaire import derived_text as t
from triage.domain.questionnaire.derived_history import SYMPTOM_MONTHS, UNITS_PER_DRINK
from triage.domain.questionnaire.derived_lists import LIST_FACTS
from triage.domain.questionnaire.derived_types import Compute, DerivedFact, DerivedValue, Facts
from triage.domain.questionnaire.values import Answer

__all__ = [
    "DERIVED_BY_ID",
    "DERIVED_FACTS",
    "UNITS_PER_DRINK",
    "DerivedFact",
    "DerivedValue",
    "derive_facts",
    "derived_reading",
    "facts_for_rules",
    "facts_reading",
]


_LONGEST_READS = ("symptoms_started_months", "symptoms", *SYMPTOM_MONTHS)
_ACID = ("acid_medicines",)
_PPI_V1, _H2_V1, _ANTACID_V1 = ("takes_ppi",), ("takes_h2_blocker",), ("takes_antacid",)
_ANTIBIOTICS_V1 = ("other_medicines", "antibiotics_weeks_ago")


def _fact(id: str, type: str, unit: str, label: str, compute: Compute, *reads: str) -> DerivedFact:
    return DerivedFact(id, type, unit, label, compute, reads=reads)


DERIVED_FACTS: tuple[DerivedFact, ...] = (
    _fact("age_years", "number", "years", "Age in whole years on the day of the intake", h.age, "date_of_birth"),
    _fact(
        "symptoms_longest_months",
        "number",
        "months",
        "Months since the tummy or bowel symptoms began (the longest-lasting symptom)",
        h.symptoms_longest_months,
        *_LONGEST_READS,
    ),
    _fact(
        "onset_age_years",
        "number",
        "years",
        "Age when the tummy or bowel symptoms started",
        h.onset_age,
        "date_of_birth",
        *_LONGEST_READS,
    ),
    _fact("ppi_current", "boolean", "", "Taking a PPI now", m.ppi_current, *_ACID, "ppi_still_taking", *_PPI_V1),
    _fact(
        "ppi_in_last_4_weeks",
        "boolean",
        "",
        "Took a PPI in the last 4 weeks",
        m.in_last_4_weeks("ppi"),
        *_ACID,
        *_PPI_V1,
        "ppi_last_dose_days",
    ),
    _fact(
        "ppi_months_taken",
        "number",
        "months",
        "Months on a PPI (only if currently taking one)",
        m.months_taken("ppi"),
        *_ACID,
        *_PPI_V1,
        "ppi_months",
    ),
    _fact(
        "ppi_days_since_last_dose",
        "number",
        "days",
        "Days since the last PPI dose (only if taking one)",
        m.days_since_last_dose("ppi"),
        *_ACID,
        "ppi_still_taking",
        *_PPI_V1,
        "ppi_last_dose_days",
    ),
    _fact(
        "h2_in_last_4_weeks",
        "boolean",
        "",
        "Took an H2 blocker in the last 4 weeks",
        m.in_last_4_weeks("h2"),
        *_ACID,
        *_H2_V1,
        "h2_last_dose_days",
    ),
    _fact(
        "h2_days_since_last_dose",
        "number",
        "days",
        "Days since the last H2-blocker dose (only if taking one)",
        m.days_since_last_dose("h2"),
        *_ACID,
        "h2_still_taking",
        *_H2_V1,
        "h2_last_dose_days",
    ),
    _fact(
        "antacid_in_last_4_weeks",
        "boolean",
        "",
        "Took an antacid or alginate in the last 4 weeks",
        m.in_last_4_weeks("antacid"),
        *_ACID,
        *_ANTACID_V1,
        "antacid_last_dose_days",
    ),
    _fact(
        "bismuth_in_last_4_weeks",
        "boolean",
        "",
        "Took bismuth (for example Pepto-Bismol) in the last 4 weeks",
        m.bismuth_in_last_4_weeks,
        *_ACID,
        *_ANTACID_V1,
        "antacid_types",
    ),
    _fact(
        "bismuth_days_since_last_dose",
        "number",
        "days",
        "Days since the last bismuth dose",
        m.bismuth_days_since_last_dose,
        *_ACID,
        "bismuth_last_dose_days",
        *_ANTACID_V1,
        "antacid_types",
        "antacid_last_dose_days",
    ),
    _fact(
        "antibiotics_in_last_4_weeks",
        "boolean",
        "",
        "Took antibiotics in the last 4 weeks",
        m.antibiotics_in_last_4_weeks,
        *_ACID,
        *_ANTIBIOTICS_V1,
    ),
    _fact(
        "antibiotics_days_since_last_dose",
        "number",
        "days",
        "Days since the last antibiotic dose",
        m.antibiotics_days_since_last_dose,
        *_ACID,
        "antibiotics_last_dose_days",
        *_ANTIBIOTICS_V1,
    ),
    _fact("eats_gluten", "boolean", "", "Currently eats gluten most days", h.eats_gluten, "gluten_status"),
    _fact(
        "alcohol_units_per_week",
        "number",
        "UK units/week",
        "Alcohol units per week",
        h.alcohol_units,
        "alcohol_frequency",
        "drinks_per_week",
        "alcohol_typical_drinks",
    ),
    _fact(
        "weight_loss_percent",
        "number",
        "%",
        "Unintended weight loss in the last 6-12 months, percent of former weight",
        h.weight_loss_percent,
        "weight_change",
        "weight_change_intended",
        "weight_change_kg",
        "unintended_weight_loss",
        "warning_signs",
        "weight_lost_kg",
        "weight_kg",
    ),
    _fact(
        "weight_loss_in_own_words",
        "boolean",
        "",
        "The main worry, in the patient's own words, tells of losing weight without meaning to (English phrases)",
        t.weight_loss_in_own_words,
        *t.OWN_WORDS_QUESTIONS,
    ),
    _fact(
        "gluten_food_in_own_words",
        "boolean",
        "",
        "The patient's own words name a food or drink with gluten (beer, bread, pasta; English words)",
        t.gluten_food_in_own_words,
        *t.FOOD_WORDS_QUESTIONS,
    ),
    _fact(
        "stools_per_day",
        "number",
        "per day",
        "Bowel movements a day",
        h.stools_per_day,
        "bowel_frequency",
        "bowel_movements_per_day",
    ),
    _fact("bmi", "number", "kg/m2", "Body mass index", h.bmi, "height_cm", "weight_kg"),
    _fact(
        "phq2_score",
        "number",
        "points (0-6)",
        "PHQ-2 depression screen score",
        h.score("phq_interest", "phq_down"),
        "phq_interest",
        "phq_down",
    ),
    _fact(
        "gad2_score",
        "number",
        "points (0-6)",
        "GAD-2 anxiety screen score",
        h.score("gad_nervous", "gad_worry"),
        "gad_nervous",
        "gad_worry",
    ),
    _fact(
        "audit_c_score",
        "number",
        "points (0-12)",
        "AUDIT-C alcohol screen score",
        h.audit_c,
        "alcohol_frequency",
        "alcohol_typical_drinks",
        "alcohol_six_or_more",
    ),
    DerivedFact(
        "ibs_subtype",
        "single",
        "",
        "Stool-pattern subtype by Rome IV (share of hard vs loose stools)",
        h.ibs_subtype,
        choices=("diarrhoea", "constipation", "mixed", "unclassified"),
        reads=("stool_pattern", "hard_stools_percent", "loose_stools_percent"),
    ),
    *LIST_FACTS,
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


def derived_reading(fact_ids: Iterable[str]) -> tuple[DerivedFact, ...]:
    """The derived facts among these fact ids, in the order facts_for_rules computes them."""
    wanted = set(fact_ids)
    return tuple(d for d in DERIVED_FACTS if d.id in wanted)


def facts_reading(answers: Facts, on: dt.date, derived: tuple[DerivedFact, ...]) -> dict[str, Answer | DerivedValue]:
    """Answers plus only the given derived facts: what facts_for_rules gives for every fact a ruleset reads."""
    facts: dict[str, Answer | DerivedValue] = dict(answers)
    for d in derived:
        value = d.compute(answers, on)
        if value is not None:
            facts[d.id] = value
    return facts
