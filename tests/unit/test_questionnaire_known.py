"""Questions answered by the invitation (from_invitation): where the field may go, and which details answer them."""

from __future__ import annotations

import datetime as dt

import pytest

from triage.domain.questionnaire.known import invitation_details, known_answers
from triage.domain.questionnaire.problems import Problems, QuestionnaireError
from triage.domain.questionnaire.questions import Questionnaire, default_questionnaire, parse_questionnaire
from triage.domain.yaml_lines import parse_yaml

FILE = "forms/questionnaire.yaml"
TODAY = dt.date(2026, 12, 3)
BASE = """\
version: "t-3"
steps:
  - id: about
    title: About you
    questions:
      - {id: full_name, type: text, label: Full name, max_length: 20, required: true, from_invitation: patient_name}
      - {id: date_of_birth, type: date, label: Date of birth, min_age: 16, max_age: 110, from_invitation: date_of_birth}
      - {id: height_cm, type: number, label: Height, unit: cm}
"""


def load(text: str) -> Questionnaire:
    return parse_questionnaire(parse_yaml(text, Problems(FILE)), FILE)


def messages(text: str) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load(text)
    return [problem.message for problem in caught.value.problems]


def test_the_field_is_kept_and_listed_in_the_data_dictionary() -> None:
    questionnaire = load(BASE)
    assert questionnaire.by_id["full_name"].from_invitation == "patient_name"
    assert questionnaire.by_id["height_cm"].from_invitation == ""
    entries = {e["id"]: e for e in questionnaire.data_dictionary()["questions"]}
    assert entries["date_of_birth"]["from_invitation"] == "date_of_birth" and "from_invitation" not in entries["height_cm"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("from_invitation: patient_name", "from_invitation: nhs_number"), "'from_invitation' must be 'patient_name' or"),
        (("type: text, label: Full name", "type: longtext, label: Full name"), "patient_name answers a text question, not"),
        (("unit: cm}", "unit: cm, from_invitation: date_of_birth}"), "date_of_birth answers a date question, not number"),
        (
            ("unit: cm}", "unit: cm, shown_when: {question: full_name, answered: true}, from_invitation: patient_name}"),
            "from_invitation is only for a question every patient is asked",
        ),
    ],
    ids=["unknown detail", "name on a longtext", "date on a number", "on a follow-up"],
)
def test_a_wrong_use_is_refused_with_a_plain_message(change: tuple[str, str], expected: str) -> None:
    found = messages(BASE.replace(*change))
    assert any(expected in message for message in found), found


def test_only_an_invitation_with_a_date_of_birth_shows_its_details() -> None:
    assert invitation_details(" Ada Lovelace ", dt.date(1970, 5, 1)) == {
        "patient_name": "Ada Lovelace",
        "date_of_birth": "1970-05-01",
    }
    assert invitation_details("", dt.date(1970, 5, 1)) == {"date_of_birth": "1970-05-01"}
    assert invitation_details("Ada Lovelace", None) == {}  # a link with no check shows no name


def test_the_invitation_answers_only_what_the_question_would_accept() -> None:
    questions = load(BASE).questions
    both = known_answers(questions, invitation_details("Ada Lovelace", dt.date(1970, 5, 1)), TODAY)
    assert both == {"full_name": "Ada Lovelace", "date_of_birth": "1970-05-01"}
    too_long = known_answers(questions, invitation_details("A" * 21, dt.date(1970, 5, 1)), TODAY)
    assert too_long == {"date_of_birth": "1970-05-01"}  # the name is asked: it would not fit the question
    child = known_answers(questions, invitation_details("Ada Lovelace", dt.date(2016, 5, 1)), TODAY)
    assert child == {"full_name": "Ada Lovelace"}  # a date outside the question's ages is asked, with its message
    assert known_answers(questions, {}, TODAY) == {}


def test_the_bundled_questionnaire_takes_the_name_and_date_of_birth() -> None:
    questions = default_questionnaire().questions
    known = known_answers(questions, invitation_details("Ada Lovelace", dt.date(1970, 5, 1)), TODAY)
    assert known == {"full_name": "Ada Lovelace", "date_of_birth": "1970-05-01"}
