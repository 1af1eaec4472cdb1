"""Issue 13, round 2: microscopic colitis predictors in chronic watery diarrhoea, and a coeliac test that cannot exclude it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from triage.domain.engine.evaluate import evaluate, fired_rules, load_ruleset

ON = dt.date(2026, 11, 1)
DEFAULT = load_ruleset()
MC_CHRONIC_RULES = {
    "mc_ppi_nsaid_chronic_diarrhoea",
    "mc_weight_loss_with_watery_diarrhoea",
    "mc_watery_diarrhoea_without_pain",
}


def older_watery_diarrhoea(**extra: Any) -> dict[str, Any]:
    """A 66-year-old man with months of watery diarrhoea and cramps, no warning signs, on no medicines."""
    answers: dict[str, Any] = {
        "date_of_birth": "1960-03-10",
        "sex_at_birth": "male",
        "symptoms": ["diarrhoea", "abdominal_pain"],
        "diarrhoea_months": 5,
        "bristol_type": "7",
        "warning_signs": ["none"],
        "acid_medicines": ["none"],
        "other_medicines": ["none"],
    }
    return answers | extra


def fired(answers: dict[str, Any]) -> set[str]:
    """The ids of the default rules that fire for these answers on the test date."""
    return set(fired_rules(DEFAULT, answers, ON))


# --- Microscopic colitis -------------------------------------------------------------------------------------------


def test_a_ppi_with_chronic_watery_diarrhoea_counts_once_more() -> None:
    answers = older_watery_diarrhoea(acid_medicines=["ppi"], ppi_still_taking="yes", ppi_months=3)
    assert {"mc_implicated_drugs", "mc_ppi_nsaid_chronic_diarrhoea"} <= fired(answers)


def test_a_regular_nsaid_with_chronic_watery_diarrhoea_counts_once_more() -> None:
    answers = older_watery_diarrhoea(acid_medicines=["nsaid"], nsaid_frequency="most_days")
    assert {"mc_implicated_drugs", "mc_ppi_nsaid_chronic_diarrhoea"} <= fired(answers)


def test_an_occasional_nsaid_or_an_antidepressant_does_not_add_the_extra_point() -> None:
    occasional = older_watery_diarrhoea(acid_medicines=["nsaid"], nsaid_frequency="occasionally")
    antidepressant = older_watery_diarrhoea(other_medicines=["antidepressants"])
    assert "mc_ppi_nsaid_chronic_diarrhoea" not in fired(occasional)
    assert "mc_implicated_drugs" in fired(antidepressant)
    assert "mc_ppi_nsaid_chronic_diarrhoea" not in fired(antidepressant)


@pytest.mark.parametrize("months", [0, 1])
def test_the_chronic_diarrhoea_predictors_leave_diarrhoea_of_under_a_month_alone(months: int) -> None:
    answers = older_watery_diarrhoea(
        diarrhoea_months=months,
        symptoms=["diarrhoea"],
        acid_medicines=["ppi"],
        ppi_still_taking="yes",
        warning_signs=["unintended_weight_loss"],
    )
    assert not MC_CHRONIC_RULES & fired(answers)


def test_weight_loss_with_chronic_watery_diarrhoea_points_to_microscopic_colitis() -> None:
    answers = older_watery_diarrhoea(warning_signs=["unintended_weight_loss"])
    assert "mc_weight_loss_with_watery_diarrhoea" in fired(answers)


def test_weight_loss_with_bloody_diarrhoea_does_not() -> None:
    answers = older_watery_diarrhoea(warning_signs=["unintended_weight_loss", "blood_in_stool"])
    assert not {"mc_weight_loss_with_watery_diarrhoea", "mc_watery_diarrhoea_without_pain"} & fired(answers)


def test_weight_loss_needs_watery_or_diarrhoea_predominant_stools() -> None:
    answers = older_watery_diarrhoea(bristol_type="4", warning_signs=["unintended_weight_loss"])
    assert "mc_weight_loss_with_watery_diarrhoea" not in fired(answers)


def test_watery_diarrhoea_without_tummy_pain_at_50_or_over_points_to_microscopic_colitis() -> None:
    painless = older_watery_diarrhoea(symptoms=["diarrhoea", "urgency"])
    assert "mc_watery_diarrhoea_without_pain" in fired(painless)
    assert "mc_watery_diarrhoea_without_pain" not in fired(older_watery_diarrhoea())
    assert "mc_watery_diarrhoea_without_pain" not in fired(painless | {"date_of_birth": "1998-05-14"})


def test_an_older_man_with_watery_diarrhoea_on_a_ppi_and_with_reflux_ranks_microscopic_colitis_first_alone() -> None:
    answers = older_watery_diarrhoea(
        symptoms=["diarrhoea", "abdominal_pain", "heartburn"],
        acid_medicines=["ppi"],
        ppi_still_taking="yes",
        ppi_months=3,
        conditions=["gerd"],
    )
    result = evaluate(DEFAULT, answers, on=ON)
    assert result.ranked_first == ("microscopic_colitis",)
    scores = {d.id: d.score for d in result.differentials}
    assert scores["microscopic_colitis"] > scores["gerd"]


def test_painless_nocturnal_watery_diarrhoea_with_weight_loss_in_an_older_woman_ranks_it_above_crohns() -> None:
    answers = older_watery_diarrhoea(
        date_of_birth="1948-07-21",
        sex_at_birth="female",
        symptoms=["diarrhoea", "urgency"],
        diarrhoea_frequency="daily",
        bowel_features=["nocturnal_bowel"],
        warning_signs=["unintended_weight_loss"],
    )
    result = evaluate(DEFAULT, answers, on=ON)
    assert result.ranked_first == ("microscopic_colitis",)
    assert "rf_weight_loss" in {f.id for f in result.red_flags}


def test_c_difficile_after_antibiotics_still_leads_a_new_watery_diarrhoea_on_a_ppi() -> None:
    answers = older_watery_diarrhoea(
        diarrhoea_months=0,
        symptoms=["diarrhoea"],
        acid_medicines=["ppi", "antibiotics"],
        ppi_still_taking="yes",
        ppi_months=120,
    )
    result = evaluate(DEFAULT, answers, on=ON)
    assert result.ranked_first == ("infective_colitis",)


# --- Coeliac disease: an earlier test that cannot rule it out ------------------------------------------------------


def celiac_test(result: str, on_gluten: str | None, **extra: Any) -> dict[str, Any]:
    """A woman with no symptoms ticked whose only finding is an earlier coeliac blood test."""
    answers: dict[str, Any] = {
        "sex_at_birth": "female",
        "previous_tests": ["celiac_blood"],
        "test_celiac_blood_result": result,
    }
    if on_gluten is not None:
        answers["test_celiac_on_gluten"] = on_gluten
    return answers | extra


@pytest.mark.parametrize(("result", "on_gluten"), [("normal", "no"), ("normal", "not_sure"), ("not_sure", "yes")])
def test_a_test_that_cannot_exclude_coeliac_disease_keeps_it_listed(result: str, on_gluten: str) -> None:
    answers = celiac_test(result, on_gluten)
    assert "cd_previous_test_not_valid" in fired(answers)
    assert "cd_negative_serology_on_gluten" not in fired(answers)
    listed = evaluate(DEFAULT, answers, on=ON).differentials
    assert [d.id for d in listed][:1] == ["celiac_disease"]


def test_a_normal_test_on_gluten_counts_against_and_is_not_read_as_open() -> None:
    answers = celiac_test("normal", "yes")
    assert "cd_negative_serology_on_gluten" in fired(answers)
    assert "cd_previous_test_not_valid" not in fired(answers)


def test_a_normal_test_of_unknown_gluten_intake_neither_counts_against_nor_keeps_it_open() -> None:
    assert not {"cd_negative_serology_on_gluten", "cd_previous_test_not_valid"} & fired(celiac_test("normal", None))


def test_an_abnormal_test_or_known_coeliac_disease_is_not_read_as_an_open_question() -> None:
    assert "cd_previous_test_not_valid" not in fired(celiac_test("abnormal", "no"))
    assert "cd_previous_test_not_valid" not in fired(celiac_test("normal", "no", conditions=["celiac"]))


def test_the_open_question_weighs_one_point_only() -> None:
    assert DEFAULT.rule("cd_previous_test_not_valid").weight == 1
