"""Reading patient input: typed values or messages that say what to fix; never an exception (version 1 questions)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.errors import AnswerError
from triage.domain.questionnaire.answers import display_answer, parse_field, validate_answers
from triage.domain.questionnaire.questions import bundled_versions, questionnaire_for

Q = questionnaire_for("2026.11-1")
EVERY_QUESTION = sorted({(v, qid) for v in bundled_versions() for qid in questionnaire_for(v).by_id})
TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("qid", "raw", "value"),
    [
        ("full_name", ["  Ada Lovelace "], "Ada Lovelace"),
        ("stress_level", ["7"], 7),
        ("weight_kg", ["70,5"], 70.5),
        ("sex_at_birth", ["female"], "female"),
        ("symptoms", ["bloating", "wind"], ["bloating", "wind"]),
        ("date_of_birth", ["1974-03-21"], "1974-03-21"),
        ("consent_true", ["y"], True),
        ("main_concern", ["مرحبا 👩‍⚕️ e\u0301"], "مرحبا 👩‍⚕️ é"),
        ("stress_level", [""], None),
        ("symptoms", [], None),
    ],
)
def test_valid_input_becomes_a_typed_answer(qid: str, raw: list[str], value: object) -> None:
    parsed = parse_field(Q.by_id[qid], raw, TODAY)
    assert parsed.error is None
    assert parsed.value == value


@pytest.mark.parametrize(
    ("qid", "raw", "message"),
    [
        ("stress_level", ["11"], "whole number from 0 to 10"),
        ("stress_level", ["seven"], "whole number"),
        ("weight_kg", ["nan"], "number"),
        ("weight_kg", ["1e999"], "number"),
        ("sex_at_birth", ["robot"], "options shown"),
        ("symptoms", ["bloating", "bloating"], "options shown"),
        ("symptoms", ["laser_eyes"], "options shown"),
        ("date_of_birth", ["1974-02-30"], "real date"),
        ("date_of_birth", ["2099-01-01"], "between 1900 and today"),
        ("full_name", ["a\x00b"], "control character"),
        ("main_concern", ["x" * 100_000], "at most 2000 characters"),
        ("sex_at_birth", ["female", "male"], "one answer"),
        ("consent_true", ["maybe"], "tick the box"),
    ],
)
def test_invalid_input_gets_a_plain_message(qid: str, raw: list[str], message: str) -> None:
    parsed = parse_field(Q.by_id[qid], raw, TODAY)
    assert parsed.value is None
    assert parsed.error is not None and message in parsed.error


@settings(max_examples=300, derandomize=True, deadline=None)
@given(question=st.sampled_from(EVERY_QUESTION), raw=st.lists(st.text(max_size=300), max_size=4))
def test_parse_field_never_raises(question: tuple[str, str], raw: list[str]) -> None:
    version, qid = question
    parsed = parse_field(questionnaire_for(version).by_id[qid], raw, TODAY)
    assert (parsed.value is None) or (parsed.error is None)


def test_validate_answers_accepts_a_json_document() -> None:
    answers = validate_answers(
        Q,
        {"date_of_birth": "1974-03-21", "stress_level": 3, "weight_kg": 70, "symptoms": ["bloating"], "consent_true": True},
        TODAY,
    )
    assert answers == {
        "date_of_birth": "1974-03-21",
        "stress_level": 3,
        "weight_kg": 70.0,
        "symptoms": ["bloating"],
        "consent_true": True,
    }


def test_validate_answers_names_every_problem() -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers(
            Q,
            {"stres_level": 3, "weight_kg": "heavy", "symptoms": "bloating", "stress_level": True, "sex_at_birth": "robot"},
            TODAY,
        )
    text = str(caught.value)
    for fragment in (
        "'stres_level' is not a question",
        "'weight_kg' must be a number",
        "'symptoms' must be a list",
        "'stress_level' must be a whole number",
        "'sex_at_birth'",
    ):
        assert fragment in text


def test_display_answer_uses_labels_and_units() -> None:
    assert display_answer(Q.by_id["sex_at_birth"], "female") == "Female"
    assert display_answer(Q.by_id["ppi_last_dose_days"], 3) == "3 days ago"
    assert display_answer(Q.by_id["stress_level"], 4) == "4 out of 10"
    assert display_answer(Q.by_id["weight_kg"], 70.0) == "70 kg"
    assert display_answer(Q.by_id["symptoms"], ["bloating", "wind"]).startswith("Bloating")
    assert display_answer(Q.by_id["symptoms"], None) == "Not answered"
