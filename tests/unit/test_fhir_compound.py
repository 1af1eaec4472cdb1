"""A follow-up shown for a combination of answers becomes enableWhen with enableBehavior all or any when FHIR can say
it, and one SDC enableWhenExpression otherwise; either way a FHIR form filler enables exactly what the pages show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.fhir import ENABLE_WHEN_EXPRESSION, enabled_link_ids, validates, walk_items
from triage.domain.questionnaire.questions import parse_questionnaire
from triage.domain.report.fhir_questionnaire import questionnaire_resource
from triage.domain.report.fhir_response import IntakeData, questionnaire_response_resource
from triage.web.patient.flow import effective_answers

YES_NO = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}, {"value": "not_sure", "label": "Not sure"}]
DRINKS = [
    {"value": "coffee", "label": "Coffee"},
    {"value": "tea", "label": "Tea"},
    {"value": "none", "label": "None", "exclusive": True},
]
CONDITIONS: dict[str, dict[str, Any]] = {
    "both": {"all": [{"question": "smoker", "equals": "yes"}, {"question": "habits", "includes": "tea"}]},
    "either": {"any": [{"question": "smoker", "equals": "no"}, {"question": "cups", "equals": 2}]},
    "all_with_a_list": {"all": [{"question": "smoker", "one_of": ["yes", "not_sure"]}, {"question": "cups", "answered": True}]},
    "any_with_a_count": {"any": [{"question": "habits", "at_least": 2}, {"question": "note", "answered": True}]},
    "all_of_lists": {"all": [{"question": "habits", "includes_any": ["coffee", "tea"]}, {"question": "cups", "one_of": [1, 2]}]},
    "quoted_text": {"any": [{"question": "note", "equals": "it's"}, {"question": "habits", "at_least": 2}]},
    "any_of_lists": {"any": [{"question": "smoker", "one_of": ["yes", "no"]}, {"question": "habits", "includes": "tea"}]},
}
DOCUMENT: dict[str, Any] = {
    "version": "fhir-compound-test-1",
    "steps": [
        {
            "id": "first",
            "title": "First",
            "questions": [
                {"id": "smoker", "type": "single", "label": "Do you smoke?", "choices": YES_NO},
                {"id": "habits", "type": "multi", "label": "Which do you drink?", "choices": DRINKS},
                {"id": "cups", "type": "integer", "label": "Cups a day?", "min": 0, "max": 5},
                {"id": "note", "type": "text", "label": "Anything else?"},
            ],
        },
        {
            "id": "second",
            "title": "Second",
            "questions": [
                *({"id": qid, "type": "text", "label": f"{qid}?", "shown_when": when} for qid, when in CONDITIONS.items()),
                {"id": "after_both", "type": "text", "label": "And?", "shown_when": {"question": "both", "answered": True}},
            ],
        },
    ],
}
QUESTIONNAIRE = parse_questionnaire(DOCUMENT, "fhir-compound-test")
ITEMS = {item["linkId"]: item for item in walk_items(questionnaire_resource(QUESTIONNAIRE)["item"])}


def coding(question: str, code: str) -> dict[str, str]:
    return {"system": f"urn:gut-triage:choice:{question}", "code": code}


def expression_of(item: dict[str, Any]) -> str:
    (found,) = [e for e in item.get("extension", []) if e["url"] == ENABLE_WHEN_EXPRESSION]
    return str(found["valueExpression"]["expression"])


def test_the_questionnaire_with_combinations_is_valid_fhir() -> None:
    validates(questionnaire_resource(QUESTIONNAIRE))


def test_all_of_single_tests_is_enable_when_with_behaviour_all() -> None:
    assert ITEMS["both"]["enableBehavior"] == "all"
    assert ITEMS["both"]["enableWhen"] == [
        {"question": "smoker", "operator": "=", "answerCoding": coding("smoker", "yes")},
        {"question": "habits", "operator": "=", "answerCoding": coding("habits", "tea")},
    ]


def test_any_of_tests_is_enable_when_with_behaviour_any_each_value_an_entry() -> None:
    assert ITEMS["either"]["enableBehavior"] == "any"
    assert ITEMS["either"]["enableWhen"] == [
        {"question": "smoker", "operator": "=", "answerCoding": coding("smoker", "no")},
        {"question": "cups", "operator": "=", "answerInteger": 2},
    ]
    codes = [entry["answerCoding"]["code"] for entry in ITEMS["any_of_lists"]["enableWhen"]]
    assert codes == ["yes", "no", "tea"] and ITEMS["any_of_lists"]["enableBehavior"] == "any"


def test_what_enable_when_cannot_say_is_one_fhirpath_expression() -> None:
    for qid in ("all_with_a_list", "any_with_a_count", "all_of_lists", "quoted_text"):
        assert "enableWhen" not in ITEMS[qid] and "enableBehavior" not in ITEMS[qid], qid
    assert expression_of(ITEMS["all_with_a_list"]) == (
        "(%resource.repeat(item).where(linkId = 'smoker').answer.where(value.code = 'yes').exists()"
        " or %resource.repeat(item).where(linkId = 'smoker').answer.where(value.code = 'not_sure').exists())"
        " and (%resource.repeat(item).where(linkId = 'cups').answer.exists())"
    )
    assert " or " in expression_of(ITEMS["any_with_a_count"]) and "answer.count() >= 2" in expression_of(
        ITEMS["any_with_a_count"]
    )
    assert "where(value = 'it\\'s')" in expression_of(ITEMS["quoted_text"])


ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "smoker": st.sampled_from(["yes", "no", "not_sure"]),
        "habits": st.one_of(st.just(["none"]), st.lists(st.sampled_from(["coffee", "tea"]), min_size=1, unique=True)),
        "cups": st.integers(min_value=0, max_value=5),
        "note": st.sampled_from(["it's", "tea", "x"]),
        **{qid: st.just("because") for qid in CONDITIONS},
        "after_both": st.just("and"),
    },
)


@settings(max_examples=200, deadline=None)
@given(answers=ANSWERS)
def test_a_form_filler_enables_exactly_the_questions_the_pages_show(answers: dict[str, Any]) -> None:
    shown = {q.id for q in QUESTIONNAIRE.questions if q.is_shown(effective_answers(QUESTIONNAIRE, answers))}
    intake = IntakeData(1, "R-1", QUESTIONNAIRE, dt.datetime(2026, 12, 7, 9, tzinfo=dt.UTC), answers)
    enabled = enabled_link_ids(questionnaire_resource(QUESTIONNAIRE), questionnaire_response_resource(intake))
    assert {link for link in enabled if link in QUESTIONNAIRE.by_id} == shown
