"""A step's grid: its compact questions, drawn as one question under the step's intro; each wrong grid refused with a
located message; the bundled questionnaire's grids (months of each gut symptom, the pain pair, the four mood questions)."""

from __future__ import annotations

import pytest

from triage.domain.questionnaire.problems import Problems, QuestionnaireError, QuestionProblem
from triage.domain.questionnaire.questions import Questionnaire, default_questionnaire, parse_questionnaire
from triage.domain.yaml_lines import parse_yaml

FILE = "forms/questionnaire.yaml"

GOOD = """\
version: "t-grid"
choice_sets:
  zero_to_three:
    - {value: "0", label: Not at all}
    - {value: "1", label: Several days}
steps:
  - id: which
    title: Which symptoms
    questions:
      - id: symptoms
        type: multi
        label: Which symptoms do you have?
        choices:
          - {value: bloating, label: Bloating}
          - {value: wind, label: Wind}
  - id: details
    title: More about them
    intro: How many months have you had each?
    for_each:
      source: symptoms
      questions:
        - {id: "{value}_months", type: integer, label: "{label}", unit: months, compact: true}
    questions:
      - {id: worst, type: single, label: Which is worst?, choices_from: symptoms}
  - id: mood
    title: How you feel
    intro: How often have these bothered you?
    questions:
      - {id: smoking, type: single, label: Do you smoke?, choices: [{value: "no", label: "No"}, {value: "yes", label: "Yes"}]}
      - {id: phq_interest, type: single, label: Little interest, choices: zero_to_three, compact: true}
      - {id: phq_down, type: single, label: Feeling down, choices: zero_to_three, compact: true}
  - id: plain
    title: No intro here
    questions:
      - {id: sleep_hours, type: number, label: Hours of sleep, unit: hours, compact: true}
"""


def load(text: str) -> Questionnaire:
    return parse_questionnaire(parse_yaml(text, Problems(FILE)), FILE)


def problems_in(text: str) -> list[QuestionProblem]:
    with pytest.raises(QuestionnaireError) as caught:
        load(text)
    return caught.value.problems


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line holding this fragment."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


Q = load(GOOD)


def test_the_compact_questions_of_a_step_with_an_intro_are_its_grid() -> None:
    assert [q.id for q in Q.step("details").grid] == ["bloating_months", "wind_months"]
    assert [q.id for q in Q.step("mood").grid] == ["phq_interest", "phq_down"]
    assert Q.step("details").grid_choices == ()  # rows of numbers: each row shows its own box and unit


def test_single_choice_rows_share_their_choices_as_the_column_headings() -> None:
    assert [c.label for c in Q.step("mood").grid_choices] == ["Not at all", "Several days"]


def test_a_step_without_an_intro_has_no_grid_and_keeps_its_compact_rows() -> None:
    step = Q.step("plain")
    assert step.grid == () and step.grid_choices == ()
    assert Q.by_id["sleep_hours"].compact


NOT_SAME_CHOICES = "share one line of column headings"
BAD_GRIDS = [
    (
        "rows of numbers and of choices together",
        (
            "      - {id: phq_down, type: single, label: Feeling down, choices: zero_to_three, compact: true}",
            "      - {id: phq_down, type: integer, label: Feeling down, compact: true}",
        ),
        "id: phq_down",
        "phq_down",
        "the rows of a grid are all numbers or all single choices, but 'phq_interest' is single",
    ),
    (
        "single-choice rows with other choices",
        ("label: Feeling down, choices: zero_to_three", 'label: Feeling down, choices: [{value: "0", label: Never}]'),
        "id: phq_down",
        "phq_down",
        NOT_SAME_CHOICES,
    ),
    (
        "a tick list in a grid",
        ("{id: phq_down, type: single", "{id: phq_down, type: multi"),
        "id: phq_down",
        "phq_down",
        "it must be an integer, a number or a single choice with its own choices, not multi",
    ),
    (
        "a row with borrowed choices",
        ("label: Which is worst?, choices_from: symptoms}", "label: Which is worst?, choices_from: symptoms, compact: true}"),
        "id: worst",
        "worst",
        "not single with choices_from",
    ),
    (
        "a row that follows an answer on the same page",
        (
            "label: Feeling down, choices: zero_to_three, compact: true}",
            'label: Feeling down, choices: zero_to_three, compact: true, shown_when: {question: smoking, equals: "yes"}}',
        ),
        "id: phq_down",
        "phq_down",
        "a row of the step's grid cannot follow 'smoking' on the same page",
    ),
]


@pytest.mark.parametrize(("name", "change", "at", "item", "message"), BAD_GRIDS, ids=[b[0] for b in BAD_GRIDS])
def test_each_wrong_grid_is_refused_with_a_located_plain_message(
    name: str, change: tuple[str, str], at: str, item: str, message: str
) -> None:
    assert change[0] in GOOD, name
    text = GOOD.replace(change[0], change[1], 1)
    problems = problems_in(text)
    assert [(p.file, p.item) for p in problems] == [(FILE, item)], problems
    assert message in problems[0].message
    assert problems[0].line == line_of(text, at), (problems[0], at)


def test_the_bundled_grids_are_the_symptom_months_the_pain_pair_and_the_mood_questions() -> None:
    bundled = default_questionnaire()
    months = [q.id for q in bundled.step("symptom_details").grid]
    assert months[:3] == ["abdominal_pain_months", "bloating_months", "wind_months"] and len(months) == 13
    assert [q.id for q in bundled.step("bowel_habits").grid] == ["pain_with_frequency_change", "pain_with_form_change"]
    mood = bundled.step("history")  # the mood questions end the health page (version 6)
    assert [q.id for q in mood.grid] == ["phq_interest", "phq_down", "gad_nervous", "gad_worry"]
    assert [c.value for c in mood.grid_choices] == ["0", "1", "2", "3"]
    others = [s.id for s in bundled.steps if s.grid and s.id not in ("symptom_details", "bowel_habits", "history")]
    assert others == []
