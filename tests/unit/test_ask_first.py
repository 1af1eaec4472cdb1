"""The questions to ask first: open questions ordered by how much their answer could change the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from triage.domain.engine.evaluate import evaluate, load_ruleset
from triage.domain.engine.ruleset import Ruleset
from triage.domain.report.ask_first import FLAG_WEIGHTS, ask_first, result_move
from triage.domain.scales import Urgency

ON = dt.date(2026, 11, 1)
# Suspected oesophageal cancer at 68 (the case library's lib_ugi_oesophageal_cancer_dysphagia_68m): diet left blank.
CANCER: dict[str, Any] = {
    "date_of_birth": "1958-06-15",
    "sex_at_birth": "male",
    "main_concern": "For three months food sticks in my chest, first solids and now even soft food and drinks.",
    "symptoms": ["swallowing", "regurgitation"],
    "swallowing_months": 3,
    "symptoms_trend": "worse",
    "warning_signs": ["swallowing_worse", "unintended_weight_loss"],
    "weight_lost_kg": 8,
    "weight_lost_months": 3,
    "alcohol_frequency": "4",
}


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset()


def test_a_suspected_cancer_is_not_asked_first_about_a_plant_based_diet(ruleset: Ruleset) -> None:
    result = evaluate(ruleset, CANCER, on=ON)
    assert "upper_gi_cancer" == result.top_differential
    items = ask_first(ruleset, CANCER, ON)
    order = [i.question for i in items]
    assert "plant_based" in order, "the diet question is open: it must still be listed, only later"
    assert "plant_based" not in order[:3]
    first, diet = items[0], items[order.index("plant_based")]
    assert first.weight > diet.weight
    # The first question is one whose answer could raise a red flag, and it says which.
    assert first.weight >= FLAG_WEIGHTS[Urgency.URGENT]
    assert "red flag" in first.change and first.answer


def test_every_open_question_is_listed_once_most_consequential_first(ruleset: Ruleset) -> None:
    items = ask_first(ruleset, CANCER, ON)
    result = evaluate(ruleset, CANCER, on=ON)
    assert sorted(i.question for i in items) == sorted(m.question for m in result.missing)
    weights = [i.weight for i in items]
    assert weights == sorted(weights, reverse=True)
    # The emergency the patient could still have (cannot swallow saliva) comes before any urgent-only question.
    emergency = next(i for i in items if i.question == "cannot_swallow_saliva")
    assert "emergency red flag" in emergency.change and emergency.answer == "Yes"
    assert all(i.weight <= emergency.weight for i in items if "emergency" not in i.change)


def test_ties_keep_the_order_the_questions_are_asked_in(ruleset: Ruleset) -> None:
    items = ask_first(ruleset, CANCER, ON)
    order = ruleset.question_order
    for before, after in zip(items, items[1:], strict=False):
        if before.weight == after.weight:
            assert order.get(before.question, 0) <= order.get(after.question, 0)
    unmoved = [i for i in items if i.weight == 0]
    assert all(i.change == "" and i.answer == "" for i in unmoved)


def test_a_not_sure_alarm_is_weighed_by_its_definite_answers(ruleset: Ruleset) -> None:
    answers = {**CANCER, "warning_signs": ["swallowing_worse", "not_sure"], "warning_signs_unsure": ["vomited_blood"]}
    items = ask_first(ruleset, answers, ON)
    unsure = next(i for i in items if i.question == "vomited_blood")
    assert unsure.unsure
    assert unsure.answer == "Yes" and "red flag" in unsure.change
    assert items.index(unsure) < 3


def test_limit_keeps_the_first_questions(ruleset: Ruleset) -> None:
    assert ask_first(ruleset, CANCER, ON, limit=3) == ask_first(ruleset, CANCER, ON)[:3]


def test_a_result_does_not_move_from_itself_and_a_new_flag_moves_it_most(ruleset: Ruleset) -> None:
    result = evaluate(ruleset, CANCER, on=ON)
    assert result_move(result, result) == (0, "")
    calmer = evaluate(ruleset, {**CANCER, "warning_signs": ["none"]}, on=ON)
    weight, change = result_move(calmer, result)
    assert weight >= FLAG_WEIGHTS[Urgency.URGENT]
    assert change.startswith("raises the urgent red flag")
