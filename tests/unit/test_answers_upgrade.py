"""Upgrading version 1 answers to version 2 keeps every fact version 2 can hold, and only gives answers it accepts."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.derived import derive_facts
from triage.domain.questionnaire.questions import Questionnaire, questionnaire_for
from triage.domain.questionnaire.synthetic import random_intake
from triage.domain.questionnaire.upgrade import upgrade_answers
from triage.domain.questionnaire.values import Answer

ON = dt.date(2026, 11, 1)
NO_ALARMS = {
    k: "no"
    for k in (
        "blood_in_stool",
        "black_stools",
        "vomited_blood",
        "swallowing_worse",
        "persistent_vomiting",
        "unintended_weight_loss",
        "fever_night_sweats",
        "perianal_problems",
        "abdominal_lump",
        "jaundice",
    )
}


def v1() -> Questionnaire:
    """The archived version 1 questionnaire."""
    return questionnaire_for("2026.11-1")


def v2() -> Questionnaire:
    """The version 2 questionnaire, through the real parser."""
    return questionnaire_for("2026.12-2")


def test_a_ppi_taken_now_becomes_a_ticked_ppi_still_taken() -> None:
    upgraded = upgrade_answers(
        {"takes_ppi": "yes", "ppi_drug": "omeprazole", "ppi_frequency": "daily", "ppi_months": 24, "ppi_last_dose_days": 1}
    )
    assert upgraded == {"acid_medicines": ["ppi"], "ppi_still_taking": "yes", "ppi_months": 24}


def test_no_acid_medicine_is_none_of_these_and_an_unsure_one_is_not_sure() -> None:
    answered_no = {"takes_ppi": "no", "takes_h2_blocker": "no", "takes_antacid": "no"}
    assert upgrade_answers(answered_no)["acid_medicines"] == ["none"]
    assert upgrade_answers({**answered_no, "takes_h2_blocker": "not_sure"})["acid_medicines"] == ["not_sure"]
    assert "acid_medicines" not in upgrade_answers({})


def test_h2_blocker_antacid_bismuth_and_recent_antibiotics_are_ticked_with_their_details() -> None:
    upgraded = upgrade_answers(
        {
            "takes_h2_blocker": "yes",
            "h2_last_dose_days": 1,
            "takes_antacid": "yes",
            "antacid_types": ["alginate", "bismuth"],
            "antacid_frequency": "occasionally",
            "other_medicines": ["antibiotics", "metformin"],
            "antibiotics_weeks_ago": 2,
        }
    )
    assert upgraded["acid_medicines"] == ["h2_blocker", "antacid", "bismuth", "antibiotics"]
    assert upgraded["h2_still_taking"] == "yes" and upgraded["antacid_frequency"] == "occasionally"
    assert upgraded["antibiotics_last_dose_days"] == 14 and upgraded["other_medicines"] == ["metformin"]


def test_bismuth_alone_is_not_a_plain_antacid_and_keeps_its_last_dose() -> None:
    upgraded = upgrade_answers(
        {"takes_antacid": "yes", "antacid_types": ["bismuth"], "antacid_frequency": "most_days", "antacid_last_dose_days": 0}
    )
    assert upgraded == {"acid_medicines": ["bismuth"], "bismuth_last_dose_days": 0}


def test_antibiotics_longer_than_four_weeks_ago_or_at_an_unknown_time_are_not_ticked() -> None:
    for weeks in ({"antibiotics_weeks_ago": 6}, {}):
        upgraded = upgrade_answers({"takes_ppi": "no", "other_medicines": ["antibiotics"], **weeks})
        assert upgraded == {"acid_medicines": ["none"], "other_medicines": ["none"]}


def test_alarm_answers_become_the_warning_signs_list() -> None:
    bleeding = upgrade_answers({**NO_ALARMS, "blood_in_stool": "yes", "bloody_stools_per_day": 4, "jaundice": "not_sure"})
    assert bleeding == {
        "warning_signs": ["blood_in_stool", "not_sure"],
        "warning_signs_unsure": ["jaundice"],
        "bloody_stools_per_day": 4,
    }
    assert upgrade_answers(NO_ALARMS) == {"warning_signs": ["none"]}
    unsure = {"warning_signs": ["not_sure"], "warning_signs_unsure": ["black_stools"]}
    assert upgrade_answers({**NO_ALARMS, "black_stools": "not_sure"}) == unsure


def test_a_follow_up_is_kept_only_with_its_warning_sign() -> None:
    assert "cannot_swallow_saliva" not in upgrade_answers({"swallowing_worse": "no", "cannot_swallow_saliva": "no"})
    assert upgrade_answers({"swallowing_worse": "yes", "cannot_swallow_saliva": "yes"})["cannot_swallow_saliva"] == "yes"


@pytest.mark.parametrize(
    ("intended", "signs", "unsure"),
    [("no", ["unintended_weight_loss"], None), ("yes", ["none"], None), ("not_sure", ["not_sure"], ["unintended_weight_loss"])],
)
def test_weight_lost_without_trying_is_a_warning_sign_with_the_kilograms(intended: str, signs: list[str], unsure: Any) -> None:
    lost: dict[str, Answer] = {"weight_change": "lost", "weight_change_kg": 7.0, "weight_change_intended": intended}
    upgraded = upgrade_answers({**NO_ALARMS, **lost})
    assert upgraded["warning_signs"] == signs and upgraded.get("warning_signs_unsure") == unsure
    assert upgraded.get("weight_lost_kg") == (7.0 if intended == "no" else None)


def test_anaemia_from_conditions_moves_to_known_anaemia_unless_it_is_already_specific() -> None:
    assert upgrade_answers({"known_anaemia": "no", "conditions": ["iron_deficiency_anaemia", "ibs"]}) == {
        "known_anaemia": "iron_deficiency",
        "conditions": ["ibs"],
    }
    assert upgrade_answers({"known_anaemia": "b12_deficiency", "conditions": ["iron_deficiency_anaemia"]}) == {
        "known_anaemia": "b12_deficiency",
        "conditions": ["none"],
    }
    assert upgrade_answers({"conditions": ["b12_deficiency"]})["known_anaemia"] == "b12_deficiency"


def test_other_conditions_text_ticks_something_else() -> None:
    upgraded = upgrade_answers({"conditions": ["none"], "conditions_other": "Asthma"})
    assert upgraded == {"conditions": ["other"], "conditions_other": "Asthma"}


def test_when_symptoms_started_fills_each_gut_symptom_without_its_own_months() -> None:
    v1_answers: dict[str, Answer] = {
        "symptoms": ["bloating", "heartburn", "fatigue"],
        "symptoms_started_months": 10,
        "heartburn_months": 12,
        "fatigue_months": 30,
    }
    upgraded = upgrade_answers(v1_answers)
    assert upgraded["bloating_months"] == 10 and upgraded["heartburn_months"] == 12
    assert "fatigue_months" not in upgraded and "symptoms_started_months" not in upgraded


def test_the_most_severe_symptom_becomes_the_worst_symptom() -> None:
    upgraded = upgrade_answers(
        {"symptoms": ["bloating", "fatigue", "wind"], "bloating_severity": 6, "fatigue_severity": 8, "wind_severity": 8}
    )
    assert upgraded["worst_symptom"] == "fatigue" and upgraded["worst_symptom_severity"] == 8
    single = upgrade_answers({"symptoms": ["heartburn"], "heartburn_severity": 4, "heartburn_frequency": "daily"})
    assert single == {"symptoms": ["heartburn"], "worst_symptom_severity": 4, "heartburn_frequency": "daily"}


def test_frequency_is_kept_only_for_the_symptoms_version_2_asks_it_of() -> None:
    frequencies = {"bloating_frequency": "daily", "diarrhoea_frequency": "weekly"}
    upgraded = upgrade_answers({"symptoms": ["bloating", "diarrhoea"], **frequencies})
    assert "bloating_frequency" not in upgraded and upgraded["diarrhoea_frequency"] == "weekly"


@pytest.mark.parametrize(
    ("hard", "loose", "pattern"),
    [(70, 5, "mostly_hard"), (10, 60, "mostly_loose"), (40, 35, "mixed"), (20, 25, "normal")],
)
def test_stool_percentages_become_the_stool_pattern(hard: int, loose: int, pattern: str) -> None:
    assert upgrade_answers({"hard_stools_percent": hard, "loose_stools_percent": loose}) == {"stool_pattern": pattern}


@pytest.mark.parametrize(
    ("per_day", "bucket"),
    [
        (0.3, "less_than_3_a_week"),
        (0.5, "3_a_week_to_1_a_day"),
        (1.0, "1_to_2_a_day"),
        (2.0, "1_to_2_a_day"),
        (3.0, "3_to_5_a_day"),
        (5.0, "3_to_5_a_day"),
        (6.0, "6_or_more_a_day"),
    ],
)
def test_bowel_movements_a_day_become_a_frequency_bucket(per_day: float, bucket: str) -> None:
    assert upgrade_answers({"bowel_movements_per_day": per_day}) == {"bowel_frequency": bucket}


def test_bowel_features_answered_yes_become_the_bowel_features_list() -> None:
    assert upgrade_answers({"nocturnal_bowel": "yes", "mucus": "no", "oily_stools": "yes"}) == {
        "bowel_features": ["nocturnal_bowel", "oily_stools"]
    }
    assert upgrade_answers({"nocturnal_bowel": "no", "recent_stomach_bug": "no"}) == {"bowel_features": ["none"]}
    assert upgrade_answers({"nocturnal_bowel": "no", "mucus": "not_sure"}) == {}


def test_painkillers_taken_become_the_nsaid_tick_with_their_details() -> None:
    upgraded = upgrade_answers(
        {"takes_nsaid": "yes", "nsaid_drugs": ["naproxen"], "nsaid_frequency": "daily", "nsaid_months": 36}
    )
    assert upgraded == {"acid_medicines": ["nsaid"], "nsaid_frequency": "daily", "nsaid_months": 36}
    assert upgrade_answers({"takes_nsaid": "no", "nsaid_frequency": "daily"}) == {"acid_medicines": ["none"]}


def test_gluten_and_dairy_triggers_become_their_own_questions() -> None:
    upgraded = upgrade_answers({"triggers": ["gluten", "stress"], "food_reactions": ["none"]})
    assert upgraded == {"gluten_symptoms": "yes", "triggers": ["none"]}
    assert upgrade_answers({"food_reactions": ["wheat"]}) == {"gluten_symptoms": "yes"}
    assert upgrade_answers({"triggers": ["dairy"], "dairy_symptoms": "not_sure"})["dairy_symptoms"] == "yes"
    assert upgrade_answers({"triggers": ["dairy"], "dairy_symptoms": "no"})["dairy_symptoms"] == "no"
    assert upgrade_answers({"dairy_amount": "none"}) == {"dairy_symptoms": "no_milk"}


def test_food_reactions_join_the_triggers() -> None:
    upgraded = upgrade_answers(
        {"triggers": ["large_late_meals"], "food_reactions": ["onion_garlic", "fatty", "other"], "food_reactions_other": "Eggs"}
    )
    assert upgraded == {"triggers": ["fatty_meals", "large_late_meals", "onion_garlic", "other"], "triggers_other": "Eggs"}


def test_a_gluten_free_diet_tried_becomes_another_diet_and_keeps_whether_it_helped() -> None:
    upgraded = upgrade_answers({"diets_tried": ["gluten_free", "none"], "diet_helped": "partly"})
    assert upgraded == {"diets_tried": ["other"], "diets_tried_other": "Gluten-free", "diet_helped": "partly"}


def test_other_medicines_text_becomes_one_table_row_a_line() -> None:
    upgraded = upgrade_answers({"medicines_other": "Levothyroxine 50 mcg\n\n  Vitamin C  \n"})
    assert upgraded == {"current_medicines": [["Levothyroxine 50 mcg", "", ""], ["Vitamin C", "", ""]]}


def test_questions_version_2_does_not_ask_are_dropped_and_exclusive_ticks_are_cleaned() -> None:
    dropped: dict[str, Answer] = {
        "hopes": "Answers",
        "stress_level": 7,
        "drinks_per_week": 10,
        "late_eating": "daily",
        "sleep_hours": 7.0,
        "nsaid_drugs": ["ibuprofen"],
        "exercise_days": 3,
    }
    assert upgrade_answers({**dropped, "full_name": "A Patient", "family_history": ["none", "celiac"]}) == {
        "full_name": "A Patient",
        "family_history": ["celiac"],
    }


TEXTS = st.fixed_dictionaries(
    {},
    optional={
        "medicines_other": st.text(st.characters(exclude_categories=("Cc", "Cs")) | st.just("\n"), min_size=1, max_size=300),
        "conditions_other": st.sampled_from(["Asthma", "Migraine\nEczema"]),
        "diets_tried_other": st.sampled_from(["Low salt", "Keto"]),
        "food_reactions_other": st.sampled_from(["Eggs", "Tomatoes"]),
    },
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**32), rate=st.floats(0.3, 1.0), texts=TEXTS)
def test_upgraded_answers_are_valid_version_2_answers_to_questions_shown(seed: int, rate: float, texts: dict[str, Any]) -> None:
    answers = validate_answers(v1(), {**random_intake(v1(), random.Random(seed), ON, rate), **texts}, ON)
    upgraded = upgrade_answers(answers)
    questionnaire = v2()
    assert set(upgraded) <= set(questionnaire.by_id)
    assert validate_answers(questionnaire, upgraded, ON) == upgraded
    for key in upgraded:
        assert questionnaire.by_id[key].is_shown(upgraded), key


SAME_FACTS = ("age_years", "bmi", "ibs_subtype", "ppi_months_taken", "eats_gluten", "phq2_score", "gad2_score", "audit_c_score")


@settings(max_examples=80, derandomize=True, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_the_facts_rules_read_come_out_the_same_from_both_versions(seed: int) -> None:
    answers = random_intake(v1(), random.Random(seed), ON, 0.8)
    before, after = derive_facts(answers, ON), derive_facts(upgrade_answers(answers), ON)
    assert {k: before[k] for k in SAME_FACTS} == {k: after[k] for k in SAME_FACTS}


def test_an_antacid_or_bismuth_last_taken_more_than_4_weeks_ago_is_not_ticked() -> None:
    upgraded = upgrade_answers(
        {"takes_antacid": "yes", "antacid_types": ["bismuth"], "antacid_last_dose_days": 300, "takes_ppi": "no"}
    )
    assert "bismuth" not in upgraded.get("acid_medicines", [])
    assert "bismuth_last_dose_days" not in upgraded
    mixed = upgrade_answers({"takes_antacid": "yes", "antacid_types": ["alginate", "bismuth"], "antacid_last_dose_days": 29})
    assert mixed.get("acid_medicines", []) == []
