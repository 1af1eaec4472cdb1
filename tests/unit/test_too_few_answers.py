"""The result says when too few questions were answered, and lists "not sure" alarm answers to ask at the visit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from triage.domain.engine.evaluate import RulesetError, evaluate, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.gaps import DEFAULT_MIN_ANSWERED, MIN_ANSWERED_PARAMETER
from triage.domain.engine.result import Result
from triage.domain.engine.result_view import answers_too_few, missing_labels
from triage.domain.questionnaire.questions import default_questionnaire

ON = dt.date(2026, 11, 1)
# Six questions the rules below read: date of birth (through age), sex, symptoms, smoking, warning signs (two facts).
RULES_READ = {
    "date_of_birth": "1970-01-01",
    "sex_at_birth": "female",
    "symptoms": ["bloating"],
    "smoking": "never",
    "warning_signs": ["none"],
}


def rule(rule_id: str, when: dict[str, Any], kind: str = "caveat", **extra: Any) -> dict[str, Any]:
    """One rule in the shape the files use."""
    return {
        "id": rule_id,
        "title": f"Title {rule_id}",
        "explanation": "Plain sentence.",
        "kind": kind,
        "when": when,
        "source": "Src (2020)",
        "author": "T",
        "reviewed": None,
    } | extra


RULES = [
    rule("c_age", {"question": "age_years", "gte": 50}),
    rule("c_sex", {"question": "sex_at_birth", "equals": "female"}),
    rule("c_bloat", {"question": "symptoms", "includes": "bloating"}),
    rule("c_smoke", {"question": "smoking", "equals": "current"}),
    rule("rf_blood", {"question": "blood_in_stool", "equals": "yes"}, "red_flag", urgency="urgent", action="Warrants review."),
    rule("rf_vomit", {"question": "vomited_blood", "equals": "yes"}, "red_flag", urgency="emergency", action="Warrants A&E."),
]


def ruleset(parameters: dict[str, Any] | None = None) -> Any:
    """A small ruleset of RULES, with these parameters."""
    differentials = [{"id": "ibs", "name": "IBS", "description": "d", "thresholds": {"low": 1, "moderate": 2, "high": 3}}]
    header = {"version": "t", "title": "t", "note": "n", "differentials": differentials, "parameters": parameters or {}}
    return load_ruleset_from_documents({"ruleset.yaml": header, "r.yaml": {"topic": "t", "rules": RULES}})


def minimum(value: Any) -> dict[str, Any]:
    """The min_answered_questions parameter with this value."""
    return {MIN_ANSWERED_PARAMETER: {"value": value, "unit": "questions", "description": "d", "source": "General knowledge [GK]"}}


def test_the_relevant_questions_are_those_behind_the_facts_the_rules_read() -> None:
    assert ruleset().relevant_questions == {
        "date_of_birth",
        "sex_at_birth",
        "symptoms",
        "smoking",
        "warning_signs",
        "warning_signs_unsure",
        "blood_in_stool",  # version 1 asked the warning signs one by one
        "vomited_blood",
    }


def test_too_few_answers_below_the_built_in_default_and_enough_at_it() -> None:
    assert DEFAULT_MIN_ANSWERED == 6 and ruleset().min_answered_questions == 6
    assert evaluate(ruleset(), {"symptoms": ["bloating"]}, on=ON).answers_too_few
    five = evaluate(ruleset(), RULES_READ, on=ON)
    assert five.answers_too_few  # five answered: one short
    six = evaluate(ruleset(), RULES_READ | {"warning_signs_unsure": ["vomited_blood"]}, on=ON)
    assert not six.answers_too_few


def test_answers_to_questions_no_rule_reads_do_not_count() -> None:
    unread = {"main_concern": "Bloated every evening", "hopes": "An answer", "full_name": "A Patient", "weight_kg": 70}
    assert evaluate(ruleset(), {"symptoms": ["bloating"], **unread}, on=ON).answers_too_few


def test_the_threshold_is_the_ruleset_parameter_which_no_rule_has_to_use() -> None:
    strict = ruleset(minimum(20))
    assert strict.min_answered_questions == 20
    assert evaluate(strict, RULES_READ | {"warning_signs_unsure": ["vomited_blood"]}, on=ON).answers_too_few
    assert not evaluate(ruleset(minimum(0)), {}, on=ON).answers_too_few  # 0 turns the note off


@pytest.mark.parametrize("value", [-1, 2.5])
def test_a_threshold_that_is_not_a_whole_number_of_questions_is_refused_in_words(value: Any) -> None:
    with pytest.raises(RulesetError) as raised:
        ruleset(minimum(value))
    assert any("'min_answered_questions' counts questions" in p.message for p in raised.value.problems)


def test_the_note_is_stored_shown_in_the_text_and_older_rows_read_as_enough() -> None:
    result = evaluate(ruleset(), {}, on=ON)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["answers_too_few"] is True and Result.from_dict(data) == result and answers_too_few(data)
    assert result.to_text().splitlines()[3].startswith("TOO FEW ANSWERS for a reliable suggestion")
    del data["answers_too_few"]
    assert Result.from_dict(data).answers_too_few is False
    assert "TOO FEW" not in evaluate(ruleset(), RULES_READ | {"warning_signs_unsure": ["vomited_blood"]}, on=ON).to_text()


def test_not_sure_alarm_answers_are_listed_to_ask_at_the_visit_as_blanks_are() -> None:
    answers = {**RULES_READ, "warning_signs": ["blood_in_stool", "not_sure"], "warning_signs_unsure": ["vomited_blood"]}
    result = evaluate(ruleset(), answers, on=ON)
    unsure = [(m.question, m.rules, m.reason) for m in result.missing if m.unsure]
    assert unsure == [("vomited_blood", ("rf_vomit",), "not_sure")]
    assert [f.id for f in result.red_flags] == ["rf_blood"]
    label = result.missing[[m.question for m in result.missing].index("vomited_blood")].label
    assert f"{label} (answered \u201cnot sure\u201d)" in missing_labels(default_questionnaire(), result)
    assert 'answered "not sure"' in result.to_text()
    data = json.loads(json.dumps(result.to_dict()))
    assert Result.from_dict(data) == result
    for item in data["missing"]:
        del item["reason"]
    assert not any(m.unsure for m in Result.from_dict(data).missing)  # older rows list blanks only


def test_not_sure_answers_in_the_default_ruleset_are_listed_with_the_red_flags_that_read_them() -> None:
    default = load_ruleset()
    answers = {
        "date_of_birth": "1960-01-01",
        "symptoms": ["heartburn"],
        "warning_signs": ["not_sure"],
        "warning_signs_unsure": ["swallowing_worse"],
    }
    result = evaluate(default, answers, on=ON)
    (unsure,) = [m for m in result.missing if m.unsure]
    assert unsure.question == "swallowing_worse" and unsure.rules
    assert any(default.rule(r).kind == "red_flag" for r in unsure.rules)
