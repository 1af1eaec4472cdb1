"""Derived facts name one fact for both questionnaire versions, so rules read one name whichever version was asked."""

from __future__ import annotations

import datetime as dt

import pytest

from triage.domain.questionnaire.derived import DERIVED_BY_ID, DERIVED_FACTS, derive_facts
from triage.domain.questionnaire.derived_lists import LIST_FACTS
from triage.domain.questionnaire.questions import bundled_versions, default_questionnaire, questionnaire_for

ON = dt.date(2026, 12, 1)
V1 = questionnaire_for("2026.11-1")
# The questions version 2 adds that derived facts read (the rest keep their version 1 ids).
V2_NEW = {
    "acid_medicines",
    "ppi_still_taking",
    "h2_still_taking",
    "bismuth_last_dose_days",
    "antibiotics_last_dose_days",
    "weight_lost_kg",
    "bowel_frequency",
    "stool_pattern",
    "warning_signs",
    "warning_signs_unsure",
    "bowel_features",
}


def fact(fact_id: str, answers: dict) -> object:
    return derive_facts(answers, ON)[fact_id]


def test_every_derived_fact_reads_only_questions_of_a_bundled_version() -> None:
    known = set(V1.by_id) | set(default_questionnaire().by_id) | V2_NEW
    for derived in DERIVED_FACTS:
        assert derived.reads, derived.id
        assert set(derived.reads) <= known, (derived.id, set(derived.reads) - known)


def test_only_the_yes_no_facts_of_version_1_share_their_question_ids() -> None:
    assert set(DERIVED_BY_ID) & set(V1.by_id) == {d.id for d in LIST_FACTS}
    for version in bundled_versions():
        if version != V1.version:
            assert not set(DERIVED_BY_ID) & set(questionnaire_for(version).by_id), version
    for derived in LIST_FACTS:  # version 1 answers pass through unchanged, with the same choices
        assert set(derived.choices) == set(V1.by_id[derived.id].choice_values)
        for answer in derived.choices:
            assert fact(derived.id, {derived.id: answer}) == answer


@pytest.mark.parametrize(
    ("answers", "blood", "jaundice"),
    [
        ({"warning_signs": ["blood_in_stool", "black_stools"]}, "yes", "no"),
        ({"warning_signs": ["none"]}, "no", "no"),
        ({"warning_signs": ["not_sure"], "warning_signs_unsure": ["jaundice"]}, "no", "not_sure"),
        ({"warning_signs": ["blood_in_stool", "not_sure"], "warning_signs_unsure": ["blood_in_stool"]}, "yes", "no"),
        ({}, None, None),
        ({"blood_in_stool": "not_sure", "jaundice": "no"}, "not_sure", "no"),  # version 1 asked each
    ],
)
def test_warning_signs_read_from_the_one_list(answers: dict, blood: str | None, jaundice: str | None) -> None:
    assert (fact("blood_in_stool", answers), fact("jaundice", answers)) == (blood, jaundice)


def test_bowel_features_and_painkillers_read_from_their_lists() -> None:
    features = {"bowel_features": ["nocturnal_bowel", "mucus"]}
    assert [fact(i, features) for i in ("nocturnal_bowel", "mucus", "oily_stools", "recent_stomach_bug")] == [
        "yes",
        "yes",
        "no",
        "no",
    ]
    assert fact("oily_stools", {"bowel_features": ["none"]}) == "no"
    assert fact("mucus", {}) is None and fact("mucus", {"mucus": "yes"}) == "yes"
    assert fact("takes_nsaid", {"acid_medicines": ["ppi", "nsaid"]}) == "yes"
    assert fact("takes_nsaid", {"acid_medicines": ["none"]}) == "no"
    assert fact("takes_nsaid", {"acid_medicines": ["not_sure"]}) == "not_sure"
    assert fact("takes_nsaid", {"takes_nsaid": "yes"}) == "yes" and fact("takes_nsaid", {}) is None


def test_weight_lost_counts_when_ticked_among_the_warning_signs() -> None:
    ticked = {"warning_signs": ["unintended_weight_loss"], "weight_lost_kg": 7.0, "weight_kg": 63.0}
    assert fact("weight_loss_percent", ticked) == 10.0
    assert fact("weight_loss_percent", ticked | {"warning_signs": ["none"]}) == 0.0


@pytest.mark.parametrize(
    ("answers", "months"),
    [
        ({"symptoms": ["bloating", "wind"], "bloating_months": 6, "wind_months": 30}, 30),
        ({"symptoms": ["bloating"], "bloating_months": 6, "wind_months": 30}, 6),  # an unticked symptom does not count
        ({"symptoms": ["bloating"]}, None),
        ({"symptoms_started_months": 18, "symptoms": ["bloating"], "bloating_months": 6}, 18),  # version 1 asked it
    ],
)
def test_the_longest_symptom_duration(answers: dict, months: int | None) -> None:
    assert fact("symptoms_longest_months", answers) == months


def test_onset_age_uses_the_longest_symptom_duration() -> None:
    answers = {"date_of_birth": "1970-01-01", "symptoms": ["heartburn", "nausea"], "heartburn_months": 30, "nausea_months": 2}
    assert fact("onset_age_years", answers) == 54
    assert fact("onset_age_years", {"date_of_birth": "1970-01-01", "symptoms_started_months": 30}) == 54


V2_PPI = {"acid_medicines": ["ppi", "antacid"], "ppi_months": 36}


@pytest.mark.parametrize(
    ("answers", "current", "recent", "days"),
    [
        (V2_PPI | {"ppi_still_taking": "yes"}, True, True, 0),
        (V2_PPI | {"ppi_still_taking": "no", "ppi_last_dose_days": 9}, False, True, 9),
        (V2_PPI, None, True, None),
        ({"acid_medicines": ["antacid"]}, False, False, None),
        ({"acid_medicines": ["none"]}, False, False, None),
        ({"acid_medicines": ["not_sure"]}, None, None, None),
        ({"takes_ppi": "yes", "ppi_last_dose_days": 1}, True, True, 1),
        ({"takes_ppi": "no"}, False, False, None),
        ({"takes_ppi": "not_sure"}, None, None, None),
        ({}, None, None, None),
    ],
)
def test_ppi_facts_from_either_version(answers: dict, current: bool | None, recent: bool | None, days: int | None) -> None:
    facts = derive_facts(answers, ON)
    assert (facts["ppi_current"], facts["ppi_in_last_4_weeks"], facts["ppi_days_since_last_dose"]) == (current, recent, days)


def test_ppi_months_come_from_the_ticked_medicine() -> None:
    assert fact("ppi_months_taken", V2_PPI) == 36
    assert fact("ppi_months_taken", {"acid_medicines": ["antacid"], "ppi_months": 36}) is None
    assert fact("ppi_months_taken", {"takes_ppi": "yes", "ppi_months": 36}) == 36
    assert fact("ppi_months_taken", {"takes_ppi": "no", "ppi_months": 36}) is None


def test_h2_blocker_and_antacid_timing() -> None:
    v2 = {"acid_medicines": ["h2_blocker"], "h2_still_taking": "no", "h2_last_dose_days": 3}
    assert (fact("h2_in_last_4_weeks", v2), fact("h2_days_since_last_dose", v2)) == (True, 3)
    assert fact("h2_days_since_last_dose", v2 | {"h2_still_taking": "yes"}) == 0
    assert fact("antacid_in_last_4_weeks", v2) is False
    v1 = {"takes_h2_blocker": "yes", "h2_last_dose_days": 40, "takes_antacid": "no"}
    assert (fact("h2_in_last_4_weeks", v1), fact("h2_days_since_last_dose", v1)) == (True, 40)
    assert fact("antacid_in_last_4_weeks", v1) is False
    assert fact("antacid_in_last_4_weeks", {"takes_antacid": "yes"}) is True


def test_bismuth_and_antibiotics_in_the_last_4_weeks() -> None:
    v2 = {"acid_medicines": ["bismuth", "antibiotics"], "bismuth_last_dose_days": 5, "antibiotics_last_dose_days": 20}
    assert fact("bismuth_in_last_4_weeks", v2) is True and fact("bismuth_days_since_last_dose", v2) == 5
    assert fact("antibiotics_in_last_4_weeks", v2) is True and fact("antibiotics_days_since_last_dose", v2) == 20
    assert fact("bismuth_in_last_4_weeks", {"acid_medicines": ["none"]}) is False
    assert fact("antibiotics_days_since_last_dose", {"acid_medicines": ["ppi"], "antibiotics_last_dose_days": 2}) is None


def test_bismuth_and_antibiotics_from_version_1_answers() -> None:
    bismuth = {"takes_antacid": "yes", "antacid_types": ["bismuth"], "antacid_last_dose_days": 2}
    assert fact("bismuth_in_last_4_weeks", bismuth) is True and fact("bismuth_days_since_last_dose", bismuth) == 2
    mixed = bismuth | {"antacid_types": ["alginate", "bismuth"]}
    assert fact("bismuth_in_last_4_weeks", mixed) is True and fact("bismuth_days_since_last_dose", mixed) is None
    assert fact("bismuth_in_last_4_weeks", bismuth | {"antacid_types": ["alginate"]}) is False
    assert fact("bismuth_in_last_4_weeks", {"takes_antacid": "no"}) is False
    recent = {"other_medicines": ["antibiotics", "iron"], "antibiotics_weeks_ago": 3}
    assert fact("antibiotics_in_last_4_weeks", recent) is True and fact("antibiotics_days_since_last_dose", recent) == 21
    assert fact("antibiotics_in_last_4_weeks", recent | {"antibiotics_weeks_ago": 6}) is False
    assert fact("antibiotics_in_last_4_weeks", {"other_medicines": ["iron"]}) is False
    assert fact("antibiotics_in_last_4_weeks", {"other_medicines": ["antibiotics"]}) is None


def test_weight_loss_percent_from_the_weight_lost() -> None:
    lost = {"unintended_weight_loss": "yes", "weight_lost_kg": 7.0, "weight_kg": 63.0}
    assert fact("weight_loss_percent", lost) == 10.0
    assert fact("weight_loss_percent", lost | {"unintended_weight_loss": "no"}) == 0.0
    assert fact("weight_loss_percent", lost | {"unintended_weight_loss": "not_sure"}) is None
    assert fact("weight_loss_percent", {"unintended_weight_loss": "yes", "weight_kg": 63.0}) is None
    v1 = {"weight_change": "lost", "weight_change_kg": 7.0, "weight_kg": 63.0, "weight_change_intended": "no"}
    assert fact("weight_loss_percent", v1 | {"unintended_weight_loss": "yes"}) == 10.0


@pytest.mark.parametrize(
    ("band", "per_day"),
    [
        ("less_than_3_a_week", 0.3),
        ("3_a_week_to_1_a_day", 0.7),
        ("1_to_2_a_day", 1.5),
        ("3_to_5_a_day", 4),
        ("6_or_more_a_day", 7),
        ("not_sure", None),
    ],
)
def test_stools_per_day_from_the_frequency_band(band: str, per_day: float | None) -> None:
    assert fact("stools_per_day", {"bowel_frequency": band}) == per_day


def test_stools_per_day_from_version_1_is_the_number_typed() -> None:
    assert fact("stools_per_day", {"bowel_movements_per_day": 2.5}) == 2.5
    assert fact("stools_per_day", {}) is None


@pytest.mark.parametrize(
    ("pattern", "subtype"),
    [
        ("mostly_hard", "constipation"),
        ("mostly_loose", "diarrhoea"),
        ("mixed", "mixed"),
        ("normal", "unclassified"),
        ("not_sure", None),
    ],
)
def test_ibs_subtype_from_the_stool_pattern(pattern: str, subtype: str | None) -> None:
    assert fact("ibs_subtype", {"stool_pattern": pattern}) == subtype


@pytest.mark.parametrize(
    ("frequency", "typical", "units"),
    [("1", "0", 0.4), ("2", "1", 2.6), ("3", "2", 13.8), ("4", "4", 50.0), ("4", "0", 7.5), ("0", None, 0.0)],
)
def test_alcohol_units_are_estimated_from_audit_c_items_1_and_2(frequency: str, typical: str | None, units: float) -> None:
    answers = {"alcohol_frequency": frequency} | ({"alcohol_typical_drinks": typical} if typical else {})
    assert fact("alcohol_units_per_week", answers) == units


def test_alcohol_units_from_version_1_are_the_drinks_a_week() -> None:
    assert (
        fact("alcohol_units_per_week", {"alcohol_frequency": "3", "alcohol_typical_drinks": "2", "drinks_per_week": 12}) == 12.0
    )
    assert fact("alcohol_units_per_week", {"alcohol_frequency": "3"}) is None
