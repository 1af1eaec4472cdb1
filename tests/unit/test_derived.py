"""Derived facts rules may read: age, PPI timing, weight loss, validated scores."""

from __future__ import annotations

import datetime as dt

from triage.domain.questionnaire.derived import DERIVED_BY_ID, derive_facts, facts_for_rules
from triage.domain.questionnaire.values import Answer

ON = dt.date(2026, 11, 27)


def test_age_counts_whole_years_to_the_birthday() -> None:
    assert derive_facts({"date_of_birth": "1974-11-27"}, ON)["age_years"] == 52
    assert derive_facts({"date_of_birth": "1974-11-28"}, ON)["age_years"] == 51


def test_ppi_timing_only_when_taking_a_ppi() -> None:
    facts = derive_facts({"takes_ppi": "yes", "ppi_months": 36, "ppi_last_dose_days": 1}, ON)
    assert facts["ppi_months_taken"] == 36 and facts["ppi_days_since_last_dose"] == 1
    assert derive_facts({"takes_ppi": "no", "ppi_months": 36}, ON)["ppi_months_taken"] is None


def test_unintended_weight_loss_percent_of_former_weight() -> None:
    lost: dict[str, Answer] = {
        "weight_change": "lost",
        "weight_change_kg": 7.0,
        "weight_kg": 63.0,
        "weight_change_intended": "no",
    }
    assert derive_facts(lost, ON)["weight_loss_percent"] == 10.0
    assert derive_facts(lost | {"weight_change_intended": "yes"}, ON)["weight_loss_percent"] == 0.0
    assert derive_facts({"weight_change": "lost"}, ON)["weight_loss_percent"] is None


def test_scores_are_computed_not_typed() -> None:
    facts = derive_facts(
        {
            "phq_interest": "2",
            "phq_down": "1",
            "gad_nervous": "3",
            "gad_worry": "3",
            "alcohol_frequency": "4",
            "alcohol_typical_drinks": "1",
            "alcohol_six_or_more": "2",
        },
        ON,
    )
    assert (facts["phq2_score"], facts["gad2_score"], facts["audit_c_score"]) == (3, 6, 7)
    assert derive_facts({"phq_interest": "2"}, ON)["phq2_score"] is None
    assert derive_facts({"alcohol_frequency": "0"}, ON)["audit_c_score"] == 0


def test_gluten_alcohol_bmi_and_subtype() -> None:
    facts = derive_facts(
        {
            "gluten_status": "gluten_free",
            "alcohol_frequency": "3",
            "drinks_per_week": 12,
            "height_cm": 170.0,
            "weight_kg": 72.0,
            "hard_stools_percent": 10,
            "loose_stools_percent": 60,
        },
        ON,
    )
    assert facts["eats_gluten"] is False
    assert facts["alcohol_units_per_week"] == 12.0
    assert facts["bmi"] == 24.9
    assert facts["ibs_subtype"] == "diarrhoea"


def test_facts_for_rules_merges_answers_and_known_derived_facts() -> None:
    facts = facts_for_rules({"date_of_birth": "1974-03-21"}, ON)
    assert facts["age_years"] == 52 and "phq2_score" not in facts
    assert all(d.reads for d in DERIVED_BY_ID.values())


def test_onset_age_is_age_minus_symptom_duration() -> None:
    assert derive_facts({"date_of_birth": "1970-01-01", "symptoms_started_months": 30}, ON)["onset_age_years"] == 54
    assert derive_facts({"date_of_birth": "1970-01-01"}, ON)["onset_age_years"] is None
