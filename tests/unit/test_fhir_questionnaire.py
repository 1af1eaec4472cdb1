"""The FHIR Questionnaire made from forms/: every question as an item, and enableWhen showing exactly what shown_when shows."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.fhir import ENABLE_WHEN_EXPRESSION, enabled_link_ids, response_answers, validates, walk_items
from triage.domain.questionnaire.questions import Questionnaire, bundled_versions, questionnaire_for
from triage.domain.questionnaire.synthetic import random_answer
from triage.domain.report.fhir_common import QUESTIONNAIRE_URL
from triage.domain.report.fhir_questionnaire import ITEM_TYPES, questionnaire_resource
from triage.domain.report.fhir_response import IntakeData, questionnaire_response_resource
from triage.web.patient.flow import effective_answers

VERSIONS = bundled_versions()
TODAY = dt.date(2026, 12, 2)


def items_by_id(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The items of a Questionnaire by linkId."""
    return {item["linkId"]: item for item in walk_items(resource["item"])}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_question_is_an_item_keyed_by_its_id(version: str) -> None:
    questionnaire = questionnaire_for(version)
    resource = questionnaire_resource(questionnaire)
    validates(resource)
    assert (resource["url"], resource["version"], resource["status"]) == (QUESTIONNAIRE_URL, version, "active")
    link_ids = [item["linkId"] for item in walk_items(resource["item"])]
    assert len(link_ids) == len(set(link_ids)), "linkIds must be unique"
    items = items_by_id(resource)
    for question in questionnaire.questions:
        item = items[question.id]
        assert item["type"] == ITEM_TYPES[question.type]
        assert item["text"] == question.label
        assert item.get("required", False) == question.required
        assert item.get("repeats", False) == (question.type in ("multi", "table"))
        codes = [option["valueCoding"]["code"] for option in item.get("answerOption", [])]
        assert codes == list(question.choice_values)
        exclusive = [o["valueCoding"]["code"] for o in item.get("answerOption", []) if o.get("extension")]
        assert exclusive == list(question.exclusive_values)
        units = [e["valueCoding"]["display"] for e in item.get("extension", []) if e["url"].endswith("questionnaire-unit")]
        assert units == ([question.unit] if question.unit else [])
        children = [child for child in item.get("item", []) if child["type"] != "display"]
        if question.type == "table":
            assert [child["linkId"] for child in children] == [f"{question.id}.{c.id}" for c in question.columns]
        else:
            assert not children
        hints = [child["text"] for child in item.get("item", []) if child["type"] == "display"]
        assert hints == ([question.help] if question.help else [])


def test_repeated_symptom_questions_are_grouped_per_symptom() -> None:
    questionnaire = questionnaire_for(VERSIONS[-1])
    items = items_by_id(questionnaire_resource(questionnaire))
    group = items["step.symptom_details.abdominal_pain"]
    assert group["type"] == "group"
    assert group["text"] == questionnaire.by_id["symptoms"].choice_label("abdominal_pain")
    assert group["enableWhen"] == [
        {
            "question": "symptoms",
            "operator": "=",
            "answerCoding": {"system": "urn:gut-triage:choice:symptoms", "code": "abdominal_pain"},
        }
    ]
    assert [child["linkId"] for child in group["item"]] == ["abdominal_pain_months", "abdominal_pain_frequency"]
    assert all("enableWhen" not in child for child in group["item"]), "the group carries the condition"
    copies = [q for q in questionnaire.questions if q.copied_for]
    assert copies and all(items[f"step.{q.step}.{q.copied_for}"] for q in copies)


def test_each_kind_of_condition_becomes_enable_when() -> None:
    items = items_by_id(questionnaire_resource(questionnaire_for(VERSIONS[-1])))
    one_of = items["gluten_reduced_months"]  # shown_when: gluten_status one_of [reduced, gluten_free]
    assert one_of["enableBehavior"] == "any"
    assert [c["answerCoding"]["code"] for c in one_of["enableWhen"]] == ["reduced", "gluten_free"]
    # all of two one_of tests (periods still coming, told of anaemia): enableWhen has one behaviour, so an expression
    combined = items["heavy_periods"]
    assert "enableWhen" not in combined
    (both,) = [e for e in combined["extension"] if e["url"] == ENABLE_WHEN_EXPRESSION]
    assert (
        "linkId = 'menopause_status'" in both["valueExpression"]["expression"]
        and ") and (" in both["valueExpression"]["expression"]
    )
    assert items["worst_symptom_severity"]["enableWhen"] == [
        {"question": "symptoms", "operator": "exists", "answerBoolean": True}
    ]
    counted = items["worst_symptom"]  # at_least 2: enableWhen cannot count, the SDC expression can
    assert "enableWhen" not in counted
    (expression,) = [e for e in counted["extension"] if e["url"] == ENABLE_WHEN_EXPRESSION]
    assert expression["valueExpression"]["expression"].endswith("answer.count() >= 2")


def random_answers(questionnaire: Questionnaire, seed: int, rate: float) -> dict[str, Any]:
    """Answers to any question, shown or not (a stale answer to a question hidden since must not enable anything)."""
    rng = random.Random(seed)
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if rng.random() < rate:
            value = random_answer(question, rng, TODAY, answers)
            if question.type in ("text", "longtext"):
                value = f"text {rng.randint(0, 9)}"
            if value is not None:
                answers[question.id] = value
    return answers


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), rate=st.floats(min_value=0.05, max_value=1.0))
def test_enabled_items_are_the_shown_questions(version: str, seed: int, rate: float) -> None:
    questionnaire = questionnaire_for(version)
    answers = random_answers(questionnaire, seed, rate)
    shown = {q.id for q in questionnaire.questions if q.is_shown(effective_answers(questionnaire, answers))}
    intake = IntakeData(1, "R-1", questionnaire, dt.datetime(2026, 12, 2, 9, tzinfo=dt.UTC), answers)
    response = questionnaire_response_resource(intake)
    enabled = enabled_link_ids(questionnaire_resource(questionnaire), response)
    assert {link for link in enabled if link in questionnaire.by_id} == shown
    answered = {link for link, given in response_answers(response).items() if given and link in questionnaire.by_id}
    assert answered <= enabled, "a response holds answers only to enabled items"
