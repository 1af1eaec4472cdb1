"""A follow-up shown for a combination of answers: shown_when `all:` or `any:` of one-answer tests, checked on load
with every problem named by file, line and question, and read back exactly as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.domain.questionnaire.model import CompoundShownWhen, ShownWhen
from triage.domain.questionnaire.problems import QuestionnaireError, QuestionProblem
from triage.domain.questionnaire.questions import load_questionnaire, parse_questionnaire
from triage.domain.questionnaire.values import Answer

HEADER = """\
version: "1"
choice_sets:
  yes_no:
    - {value: "yes", label: "Yes"}
    - {value: "no", label: "No"}
steps:
  - id: about
    title: About
    questions:
      - id: smoker
        type: single
        label: Do you smoke?
        choices: yes_no
      - id: habits
        type: multi
        label: Which do you do?
        choices:
          - {value: coffee, label: Coffee}
          - {value: tea, label: Tea}
      - id: cups
        type: integer
        label: Cups a day?
"""


def write(tmp_path: Path, body: str) -> Path:
    """The header's three questions, then the question under test (written at the header's indentation)."""
    path = tmp_path / "questionnaire.yaml"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def line_with(path: Path, text: str) -> int:
    """The number of the first line of the file that contains this text."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def problems_of(path: Path) -> list[QuestionProblem]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    return caught.value.problems


def follow_up(condition: str) -> str:
    """A follow-up question `why` whose shown_when is these lines (indented under shown_when)."""
    return "      - id: why\n        type: text\n        label: Why?\n        shown_when:\n" + condition


def test_all_and_any_are_read_as_a_combination_of_one_answer_tests(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        follow_up(
            "          all:\n"
            '            - {question: smoker, equals: "yes"}\n'
            "            - {question: habits, includes_any: [coffee, tea]}\n"
        )
        + "      - id: how\n        type: text\n        label: How?\n        shown_when:\n"
        "          any:\n            - {question: cups, equals: 0}\n            - {question: habits, at_least: 2}\n",
    )
    questionnaire = load_questionnaire(path)
    why, how = questionnaire.by_id["why"].shown_when, questionnaire.by_id["how"].shown_when
    assert why == CompoundShownWhen(
        "all", (ShownWhen("smoker", "equals", "yes"), ShownWhen("habits", "includes_any", ["coffee", "tea"]))
    )
    assert how == CompoundShownWhen("any", (ShownWhen("cups", "equals", 0), ShownWhen("habits", "at_least", 2)))
    assert why.questions == ("smoker", "habits") and how.questions == ("cups", "habits")
    assert questionnaire.by_id["why"].describe()["shown_when"] == {
        "all": [{"question": "smoker", "equals": "yes"}, {"question": "habits", "includes_any": ["coffee", "tea"]}]
    }
    why_question = questionnaire.by_id["why"]
    assert why_question.is_shown({"smoker": "yes", "habits": ["tea"]})
    assert not why_question.is_shown({"smoker": "yes"}) and not why_question.is_shown({"habits": ["tea"]})


BAD: list[tuple[str, str, str, str]] = [
    (
        "an unknown question in a list",
        '          any:\n            - {question: smoker, equals: "yes"}\n            - {question: habbits, includes: tea}\n',
        "habbits",
        "shown_when names 'habbits', which is not an earlier question. Did you mean 'habits'?",
    ),
    (
        "an unknown choice in a list",
        '          all:\n            - {question: smoker, equals: "yes"}\n            - {question: habits, includes: teaa}\n',
        "teaa",
        "shown_when: 'teaa' is not a choice of 'habits'. Did you mean 'tea'?",
    ),
    (
        "a multi-choice test on a single question",
        '          all:\n            - {question: smoker, includes: "yes"}\n            - {question: cups, equals: 1}\n',
        "smoker, includes",
        "'includes' needs a multi-choice question, but 'smoker' is single",
    ),
    (
        "both all and any",
        '          all:\n            - {question: smoker, equals: "yes"}\n            - {question: cups, equals: 1}\n'
        '          any:\n            - {question: smoker, equals: "no"}\n            - {question: cups, equals: 2}\n',
        "shown_when:",
        "shown_when takes 'all' or 'any', not both: put every test in one list",
    ),
    (
        "a test written beside the list",
        '          question: smoker\n          all:\n            - {question: smoker, equals: "yes"}\n'
        "            - {question: cups, equals: 1}\n",
        "shown_when:",
        "shown_when: write 'question' inside a test of the 'all' list, not beside it",
    ),
    (
        "a list of one test",
        '          any:\n            - {question: smoker, equals: "yes"}\n',
        "any:",
        "'any' needs at least two tests; for one test, write its 'question' directly under shown_when",
    ),
    (
        "a list that is not a list",
        '          all: {question: smoker, equals: "yes"}\n',
        "all:",
        "'all' must be a list (lines starting with '-')",
    ),
    (
        "a nested list",
        '          all:\n            - {question: smoker, equals: "yes"}\n'
        "            - any: [{question: cups, equals: 1}, {question: cups, equals: 2}]\n",
        "- any:",
        "'all' and 'any' cannot be nested: each test in the list is one question and one operator",
    ),
    (
        "a test without an operator",
        '          any:\n            - {question: smoker, equals: "yes"}\n            - {question: cups}\n',
        "{question: cups}",
        "each test needs 'question' and one of equals, one_of, includes, includes_any, answered, at_least",
    ),
    (
        "neither a test nor a list",
        "          equals: 1\n",
        "shown_when:",
        "shown_when needs 'question' and one of equals, one_of, includes, includes_any, answered, at_least, or 'all'",
    ),
]


@pytest.mark.parametrize(("name", "condition", "marker", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_combination_names_the_file_line_and_question(
    tmp_path: Path, name: str, condition: str, marker: str, message: str
) -> None:
    path = write(tmp_path, follow_up(condition))
    problems = problems_of(path)
    assert [(p.file, p.item) for p in problems] == [(str(path), "why")], [str(p) for p in problems]
    (problem,) = problems
    assert message in problem.message
    assert problem.line == line_with(path, marker)
    assert str(problem).startswith(f"{path}:{problem.line}: question 'why': ")


def test_every_bad_test_of_a_list_is_reported_at_once(tmp_path: Path) -> None:
    body = follow_up(
        '          any:\n            - {question: smokr, equals: "yes"}\n            - {question: habits, includes: milk}\n'
    )
    path = write(tmp_path, body)
    assert [(p.line, p.message) for p in problems_of(path)] == [
        (line_with(path, "smokr"), "shown_when names 'smokr', which is not an earlier question. Did you mean 'smoker'?"),
        (line_with(path, "milk"), "shown_when: 'milk' is not a choice of 'habits'."),
    ]


def test_a_test_on_a_later_question_says_where_it_is(tmp_path: Path) -> None:
    body = follow_up(
        '          all:\n            - {question: smoker, equals: "yes"}\n            - {question: later, answered: true}\n'
    )
    path = write(tmp_path, body + "      - id: later\n        type: text\n        label: Later?\n")
    (problem,) = problems_of(path)
    assert (
        problem.message
        == f"shown_when names 'later', which is not an earlier question (it comes later, at line {line_with(path, 'id: later')})"
    )
    assert problem.line == line_with(path, "question: later")


def test_a_grid_row_cannot_follow_a_question_of_its_own_page_through_a_combination(tmp_path: Path) -> None:
    document: dict[str, Any] = {
        "version": "1",
        "steps": [
            {"id": "first", "title": "First", "questions": [{"id": "cups", "type": "integer", "label": "Cups?"}]},
            {
                "id": "grid",
                "title": "Grid",
                "intro": "How many?",
                "questions": [
                    {"id": "tea", "type": "integer", "label": "Tea", "compact": True},
                    {
                        "id": "coffee",
                        "type": "integer",
                        "label": "Coffee",
                        "compact": True,
                        "shown_when": {"any": [{"question": "cups", "answered": True}, {"question": "tea", "answered": True}]},
                    },
                ],
            },
        ],
    }
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(document)
    assert [p.message for p in caught.value.problems] == [
        "a row of the step's grid cannot follow 'tea' on the same page: ask it on a later step"
    ]


# Property tests: any combination of valid tests on the three questions reads back as written and holds as its tests do.
SMOKER = st.one_of(
    st.builds(lambda v: {"question": "smoker", "equals": v}, st.sampled_from(["yes", "no"])),
    st.builds(lambda v: {"question": "smoker", "one_of": v}, st.lists(st.sampled_from(["yes", "no"]), min_size=1, unique=True)),
    st.just({"question": "smoker", "answered": True}),
)
HABITS = st.one_of(
    st.builds(lambda v: {"question": "habits", "includes": v}, st.sampled_from(["coffee", "tea"])),
    st.builds(
        lambda v: {"question": "habits", "includes_any": v},
        st.lists(st.sampled_from(["coffee", "tea"]), min_size=1, unique=True),
    ),
    st.builds(lambda n: {"question": "habits", "at_least": n}, st.integers(min_value=1, max_value=2)),
)
CUPS = st.one_of(
    st.builds(lambda n: {"question": "cups", "equals": n}, st.integers(min_value=0, max_value=4)),
    st.builds(lambda v: {"question": "cups", "one_of": v}, st.lists(st.integers(0, 4), min_size=1, unique=True)),
    st.just({"question": "cups", "answered": True}),
)
TESTS = st.lists(st.one_of(SMOKER, HABITS, CUPS), min_size=2, max_size=5)
ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "smoker": st.sampled_from(["yes", "no"]),
        "habits": st.lists(st.sampled_from(["coffee", "tea"]), min_size=1, unique=True),
        "cups": st.integers(min_value=0, max_value=4),
    },
)


def _document(condition: dict[str, Any]) -> dict[str, Any]:
    yes_no = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
    drinks = [{"value": "coffee", "label": "Coffee"}, {"value": "tea", "label": "Tea"}]
    questions = [
        {"id": "smoker", "type": "single", "label": "Smoke?", "choices": yes_no},
        {"id": "habits", "type": "multi", "label": "Habits?", "choices": drinks},
        {"id": "cups", "type": "integer", "label": "Cups?"},
        {"id": "why", "type": "text", "label": "Why?", "shown_when": condition},
    ]
    return {"version": "1", "steps": [{"id": "about", "title": "About", "questions": questions}]}


def _one(raw: dict[str, Any]) -> ShownWhen:
    operator = next(key for key in raw if key != "question")
    return ShownWhen(raw["question"], operator, raw[operator])


@settings(max_examples=150, deadline=None)
@given(behaviour=st.sampled_from(["all", "any"]), tests=TESTS, answers=ANSWERS)
def test_a_combination_reads_back_as_written_and_holds_as_its_tests_do(
    behaviour: str, tests: list[dict[str, Any]], answers: dict[str, Answer]
) -> None:
    condition = parse_questionnaire(_document({behaviour: tests})).by_id["why"].shown_when
    assert condition == CompoundShownWhen(behaviour, tuple(_one(t) for t in tests))
    results = [_one(t).holds(answers) for t in tests]
    assert condition.holds(answers) == (all(results) if behaviour == "all" else any(results))
    again = parse_questionnaire(_document(condition.describe())).by_id["why"].shown_when
    assert again == condition, "the data dictionary's form parses to the same condition"


@settings(max_examples=150, deadline=None)
@given(behaviour=st.sampled_from(["all", "any"]), tests=TESTS, known=ANSWERS, rest=ANSWERS)
def test_a_condition_settled_by_some_answers_holds_the_same_whatever_the_others_are(
    behaviour: str, tests: list[dict[str, Any]], known: dict[str, Answer], rest: dict[str, Answer]
) -> None:
    condition = CompoundShownWhen(behaviour, tuple(_one(t) for t in tests))
    settled = condition.settled(known)
    complete = {**rest, **known}
    if settled is not None:
        assert condition.holds(complete) == settled
    if set(condition.questions) <= set(known):
        assert settled == condition.holds(known), "with every answer it reads known, the condition is settled"
