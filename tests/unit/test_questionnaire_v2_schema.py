"""Questionnaire version 2 definitions: sections, time estimate, exclusive choices, pictures, compact rows, only_for,
choices_from, at_least, ages, imperial units, tables and short labels; each wrong use refused with a located message."""

from __future__ import annotations

import textwrap

import pytest

from triage.domain.questionnaire.problems import Problems, QuestionnaireError, QuestionProblem
from triage.domain.questionnaire.questions import Questionnaire, Section, parse_questionnaire
from triage.domain.yaml_lines import parse_yaml

FILE = "forms/questionnaire.yaml"

GOOD = """\
version: "t-2"
estimated_minutes: [10, 15]
sections:
  - {id: about_you, title: About you}
  - {id: symptoms, title: Your symptoms}
  - {id: check_and_send, title: Check and send}
steps:
  - id: about
    title: About you
    section: about_you
    questions:
      - {id: date_of_birth, type: date, label: Your date of birth, short: Date of birth, min_age: 16, max_age: 110}
      - {id: height_cm, type: number, label: Your height, short: Height, unit: cm, min: 50, max: 250, imperial: feet_inches}
      - {id: weight_kg, type: number, label: Your weight, unit: kg, min: 20, max: 400, imperial: stones_pounds}
  - id: which
    title: Which symptoms
    section: symptoms
    questions:
      - id: symptoms
        type: multi
        label: Which symptoms do you have?
        choices:
          - {value: bloating, label: Bloating}
          - {value: heartburn, label: Heartburn}
          - {value: wind, label: Wind}
      - id: worst_symptom
        type: single
        label: Which bothers you most?
        choices_from: symptoms
        shown_when: {question: symptoms, at_least: 2}
      - id: bristol_type
        type: single
        label: Which type is your poo usually?
        choices:
          - {value: "1", label: "Type 1: separate hard lumps", picture: bristol-1.svg}
          - {value: "2", label: "Type 2: lumpy sausage"}
      - id: triggers
        type: multi
        label: What makes it worse?
        choices:
          - {value: coffee, label: Coffee}
          - {value: none, label: None of these, exclusive: true}
          - {value: not_sure, label: Not sure, exclusive: true}
      - id: current_medicines
        type: table
        label: Medicines you take now
        columns:
          - {id: name, label: Medicine}
          - {id: dose, label: Dose}
          - {id: how_often, label: How often}
        max_rows: 8
  - id: details
    title: Your symptoms in detail
    section: symptoms
    for_each:
      source: symptoms
      questions:
        - {id: "{value}_months", type: integer, label: "{label}: for how many months?", unit: months, compact: true}
        - {id: "{value}_frequency", type: text, label: "{label}: how often?", only_for: [heartburn]}
  - id: review
    title: Check your answers
    section: check_and_send
    review: true
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


def test_sections_group_the_steps_and_number_them_from_one() -> None:
    assert Q.sections == (
        Section("about_you", "About you"),
        Section("symptoms", "Your symptoms"),
        Section("check_and_send", "Check and send"),
    )
    assert [s.section for s in Q.steps] == ["about_you", "symptoms", "symptoms", "check_and_send"]
    assert Q.section_of("details") == (2, Section("symptoms", "Your symptoms"))
    assert Q.section_of(Q.step("review")) == (3, Section("check_and_send", "Check and send"))
    with pytest.raises(KeyError):
        Q.section_of("nowhere")


def test_a_file_without_sections_gets_one_section_per_step() -> None:
    plain = parse_questionnaire(
        {
            "version": "1",
            "steps": [
                {"id": "a", "title": "First", "questions": [{"id": "x", "type": "text", "label": "X"}]},
                {"id": "b", "title": "Second", "review": True},
            ],
        }
    )
    assert plain.sections == (Section("a", "First"), Section("b", "Second"))
    assert [s.section for s in plain.steps] == ["a", "b"]
    assert plain.section_of("b") == (2, Section("b", "Second"))
    assert plain.estimated_minutes is None


def test_estimated_minutes_are_read_as_two_whole_numbers() -> None:
    assert Q.estimated_minutes == (10, 15)
    assert Q.data_dictionary()["estimated_minutes"] == [10, 15]


def test_exclusive_choices_and_pictures_are_kept_on_the_choices() -> None:
    triggers = Q.by_id["triggers"]
    assert triggers.exclusive_values == ("none", "not_sure")
    assert [c.exclusive for c in triggers.choices] == [False, True, True]
    assert [c.picture for c in Q.by_id["bristol_type"].choices] == ["bristol-1.svg", ""]


def test_short_labels_name_questions_in_messages() -> None:
    assert Q.by_id["date_of_birth"].short_label == "Date of birth"
    assert Q.by_id["date_of_birth"].name == "Date of birth"
    assert Q.by_id["weight_kg"].short_label == "" and Q.by_id["weight_kg"].name == "Your weight"


def test_dates_imperial_and_tables_keep_their_fields() -> None:
    dob, height, table = Q.by_id["date_of_birth"], Q.by_id["height_cm"], Q.by_id["current_medicines"]
    assert (dob.min_age, dob.max_age) == (16, 110)
    assert (height.imperial, Q.by_id["weight_kg"].imperial) == ("feet_inches", "stones_pounds")
    assert [(c.id, c.label) for c in table.columns] == [("name", "Medicine"), ("dose", "Dose"), ("how_often", "How often")]
    assert table.max_rows == 8 and table.max_length == 200


def test_a_table_has_ten_rows_at_most_unless_told() -> None:
    text = GOOD.replace("        max_rows: 8\n", "")
    assert load(text).by_id["current_medicines"].max_rows == 10


def test_only_for_copies_a_template_for_the_named_choices_only() -> None:
    details = [q.id for q in Q.step("details").questions]
    assert details == ["bloating_months", "heartburn_months", "heartburn_frequency", "wind_months"]
    assert all(Q.by_id[f"{s}_months"].compact for s in ("bloating", "heartburn", "wind"))
    assert not Q.by_id["heartburn_frequency"].compact


def test_choices_from_borrows_the_choices_of_the_multi_question() -> None:
    worst = Q.by_id["worst_symptom"]
    assert worst.choices_from == "symptoms"
    assert worst.choice_values == ("bloating", "heartburn", "wind")


def test_at_least_shows_a_question_once_enough_choices_are_ticked() -> None:
    worst = Q.by_id["worst_symptom"]
    assert not worst.is_shown({})
    assert not worst.is_shown({"symptoms": ["wind"]})
    assert worst.is_shown({"symptoms": ["wind", "bloating"]})
    assert worst.shown_when is not None and worst.shown_when.describe() == {"question": "symptoms", "at_least": 2}


def test_the_data_dictionary_describes_the_new_fields() -> None:
    dictionary = Q.data_dictionary()
    assert dictionary["sections"][0] == {"id": "about_you", "title": "About you"}
    assert dictionary["steps"][1] == {"id": "which", "title": "Which symptoms", "section": "symptoms"}
    entries = {e["id"]: e for e in dictionary["questions"]}
    assert entries["date_of_birth"]["short"] == "Date of birth" and entries["date_of_birth"]["min_age"] == 16
    assert entries["height_cm"]["imperial"] == "feet_inches"
    assert entries["current_medicines"]["columns"][0] == {"id": "name", "label": "Medicine"}
    assert entries["triggers"]["choices"][1] == {"value": "none", "label": "None of these", "exclusive": True}
    assert entries["bristol_type"]["choices"][0]["picture"] == "bristol-1.svg"
    assert entries["worst_symptom"]["choices_from"] == "symptoms"
    assert entries["bloating_months"]["compact"] is True


# Each bad use: (a change to the good file, the line fragment the problem points at, the question or step, message).
BAD_USES: list[tuple[str, tuple[str, str], str, str, str]] = [
    (
        "only_for names a value not offered",
        ("only_for: [heartburn]", "only_for: [heartburn, hearburn]"),
        "only_for: [heartburn, hearburn]",
        "{value}_frequency",
        "only_for: 'hearburn' is not a choice of 'symptoms'. Did you mean 'heartburn'?",
    ),
    (
        "only_for on an ordinary question",
        ("max_rows: 8", "max_rows: 8\n        only_for: [x]"),
        "only_for: [x]",
        "current_medicines",
        "'only_for' is not allowed here",
    ),
    (
        "at_least on a single question",
        ("{question: symptoms, at_least: 2}", "{question: date_of_birth, at_least: 2}"),
        "question: date_of_birth, at_least: 2",
        "worst_symptom",
        "'at_least' needs a multi-choice question, but 'date_of_birth' is date",
    ),
    (
        "at_least more than the choices offered",
        ("{question: symptoms, at_least: 2}", "{question: symptoms, at_least: 4}"),
        "question: symptoms, at_least: 4",
        "worst_symptom",
        "at_least 4 can never hold: 'symptoms' offers only 3 choices",
    ),
    (
        "at_least below one",
        ("{question: symptoms, at_least: 2}", "{question: symptoms, at_least: 0}"),
        "question: symptoms, at_least: 0",
        "worst_symptom",
        "'at_least' must be a whole number from 1 up",
    ),
    (
        "choices_from names a single question",
        ("choices_from: symptoms", "choices_from: date_of_birth"),
        "choices_from: date_of_birth",
        "worst_symptom",
        "choices_from names 'date_of_birth', which is date: it must name a multi-choice question",
    ),
    (
        "choices_from names an unknown question",
        ("choices_from: symptoms", "choices_from: symtoms"),
        "choices_from: symtoms",
        "worst_symptom",
        "choices_from names 'symtoms', which is not an earlier question. Did you mean 'symptoms'?",
    ),
    (
        "choices_from on a multi question",
        ("type: single\n        label: Which bothers", "type: multi\n        label: Which bothers"),
        "choices_from: symptoms",
        "worst_symptom",
        "choices_from is only for single questions, not multi",
    ),
    (
        "choices_from together with choices",
        ("choices_from: symptoms", "choices_from: symptoms\n        choices: [{value: a, label: A}]"),
        "choices_from: symptoms",
        "worst_symptom",
        "write either choices or choices_from, not both",
    ),
    (
        "imperial on a question that is not a number",
        ("type: date, label: Your date of birth,", "type: date, imperial: feet_inches, label: Your date of birth,"),
        "id: date_of_birth",
        "date_of_birth",
        "imperial units are only for number questions, not date",
    ),
    (
        "imperial on the wrong metric unit",
        ("unit: kg, min: 20", "unit: g, min: 20"),
        "id: weight_kg",
        "weight_kg",
        "imperial: stones_pounds converts to kg, so the unit must be 'kg', not 'g'",
    ),
    (
        "an unknown imperial system",
        ("imperial: feet_inches", "imperial: yards"),
        "id: height_cm",
        "height_cm",
        "'imperial' must be 'feet_inches' or 'stones_pounds', not 'yards'",
    ),
    (
        "columns missing on a table",
        (
            "        columns:\n          - {id: name, label: Medicine}\n          - {id: dose, label: Dose}\n"
            "          - {id: how_often, label: How often}\n",
            "",
        ),
        "type: table",
        "current_medicines",
        "a table question needs columns",
    ),
    (
        "a column id used twice",
        ("{id: dose, label: Dose}", "{id: name, label: Dose}"),
        "columns:",
        "current_medicines",
        "the column id 'name' is used twice",
    ),
    (
        "columns on a question that is not a table",
        (
            "label: Which type is your poo usually?",
            "label: Which type is your poo usually?\n        columns: [{id: a, label: A}]",
        ),
        "columns: [{id: a, label: A}]",
        "bristol_type",
        "columns is only for table questions, not single",
    ),
    (
        "min_age on a question that is not a date",
        ("unit: kg, min: 20", "unit: kg, min_age: 16, min: 20"),
        "id: weight_kg",
        "weight_kg",
        "min_age is only for date questions, not number",
    ),
    (
        "min_age above max_age",
        ("min_age: 16, max_age: 110", "min_age: 60, max_age: 16"),
        "id: date_of_birth",
        "date_of_birth",
        "min_age (60) is above max_age (16)",
    ),
    (
        "a picture that is not a file name",
        ("picture: bristol-1.svg", "picture: ../secret.svg"),
        "picture: ../secret.svg",
        "bristol_type",
        "'../secret.svg' is not a picture file name",
    ),
    (
        "exclusive that is not true or false",
        ("exclusive: true}\n          - {value: not_sure", "exclusive: yes please}\n          - {value: not_sure"),
        "exclusive: yes please",
        "triggers",
        "'exclusive' must be true or false",
    ),
    (
        "compact that is not true or false",
        ("compact: true", "compact: small"),
        "compact: small",
        "{value}_months",
        "'compact' must be true or false",
    ),
]


@pytest.mark.parametrize(("name", "change", "at", "item", "message"), BAD_USES, ids=[b[0] for b in BAD_USES])
def test_each_bad_use_is_refused_with_a_located_plain_message(
    name: str, change: tuple[str, str], at: str, item: str, message: str
) -> None:
    assert change[0] in GOOD, name
    text = GOOD.replace(change[0], change[1], 1)
    problems = problems_in(text)
    assert [(p.file, p.item) for p in problems] == [(FILE, item)], problems
    assert message in problems[0].message
    assert problems[0].line == line_of(text, at), (problems[0], at)


def line_after(text: str, anchor: str, fragment: str) -> int:
    """The 1-based line of the first line holding `fragment`, at or after the first line holding `anchor`."""
    lines = text.splitlines()
    begin = next(n for n, line in enumerate(lines) if anchor in line)
    return next(n for n, line in enumerate(lines[begin:], start=begin + 1) if fragment in line)


# Each: (a change to the good file, (anchor, fragment) of the line the problem points at, the step or section, message).
SECTION_PROBLEMS: list[tuple[str, tuple[str, str], tuple[str, str], str | None, str]] = [
    (
        "a step naming no section",
        ("    section: symptoms\n    for_each", "    for_each"),
        ("", "- id: details"),
        "details",
        "the step needs a section: one of about_you, symptoms, check_and_send",
    ),
    (
        "a step naming an unknown section",
        ("    section: symptoms\n    for_each", "    section: symptom\n    for_each"),
        ("- id: details", "section: symptom"),
        "details",
        "section 'symptom' is not in the sections list. Did you mean 'symptoms'?",
    ),
    (
        "a section without steps",
        ("    section: about_you\n", "    section: symptoms\n"),
        ("sections:", "id: about_you"),
        "about_you",
        "no step is in this section",
    ),
    (
        "a section's steps not together",
        ("    section: symptoms\n    for_each", "    section: about_you\n    for_each"),
        ("- id: details", "section: about_you"),
        "details",
        "section 'about_you' comes before the section of an earlier step; keep each section's steps together",
    ),
    (
        "the review step not in the last section",
        (
            "    section: check_and_send\n    review: true\n",
            "    section: symptoms\n    review: true\n  - id: sent\n    title: Sent\n    section: check_and_send\n",
        ),
        ("- id: review", "section: symptoms"),
        "review",
        "the review step must be in the last section ('check_and_send')",
    ),
    (
        "a section id used twice",
        (
            "  - {id: symptoms, title: Your symptoms}\n",
            "  - {id: symptoms, title: Your symptoms}\n  - {id: symptoms, title: Again}\n",
        ),
        ("", "title: Again"),
        "symptoms",
        "section id 'symptoms' is used twice",
    ),
    (
        "estimated minutes the wrong way round",
        ("[10, 15]", "[15, 10]"),
        ("", "estimated_minutes"),
        None,
        "estimated_minutes runs from 15 to 10: put the lower number first",
    ),
    (
        "estimated minutes not a pair",
        ("[10, 15]", "[10]"),
        ("", "estimated_minutes"),
        None,
        "'estimated_minutes' must be two whole numbers of minutes, lowest first",
    ),
]


@pytest.mark.parametrize(("name", "change", "at", "item", "message"), SECTION_PROBLEMS, ids=[s[0] for s in SECTION_PROBLEMS])
def test_sections_and_the_estimate_are_checked(
    name: str, change: tuple[str, str], at: tuple[str, str], item: str | None, message: str
) -> None:
    assert change[0] in GOOD, name
    text = GOOD.replace(change[0], change[1], 1)
    problems = problems_in(text)
    assert len(problems) == 1, problems
    assert problems[0].message.startswith(message)
    assert problems[0].item == item
    assert problems[0].line == line_after(text, *at), (problems[0], at)


def test_steps_follow_the_order_of_the_sections_list() -> None:
    text = GOOD.replace("    section: about_you\n", "    section: symptoms\n", 1)
    text = text.replace(
        "    section: symptoms\n    questions:\n      - id: symptoms",
        "    section: about_you\n    questions:\n      - id: symptoms",
    )
    problems = problems_in(text)
    assert [(p.item, p.line) for p in problems] == [("which", line_after(text, "- id: which", "section: about_you"))]
    assert "keep each section's steps together, in the order of the sections list" in problems[0].message


def test_a_step_section_needs_a_sections_list() -> None:
    text = textwrap.dedent(
        """\
        version: "1"
        steps:
          - id: a
            title: A
            section: about_you
        """
    )
    (problem,) = problems_in(text)
    assert (problem.line, problem.item, problem.kind) == (5, "a", "step")
    assert problem.message == "section 'about_you' is named, but the file lists no sections at the top"
