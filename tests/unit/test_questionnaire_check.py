"""A bad questionnaire file is refused with every problem named by file, line and question; `triage questions check`."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.cli.questions import questions_group
from triage.domain.errors import DefinitionError
from triage.domain.questionnaire.problems import Problems, QuestionnaireError, QuestionProblem
from triage.domain.questionnaire.questions import (
    bundled_questionnaire_path,
    default_questionnaire,
    load_questionnaire,
    parse_questionnaire,
)
from triage.domain.yaml_lines import parse_yaml

PACKAGE = Path(__file__).resolve().parents[2] / "triage" / "domain" / "questionnaire"

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
"""


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    """A questionnaire file made of the shared header and the questions under test (lines counted from the header).

    The bodies below are written 8 spaces further right than in the file, so that they read inside the list.
    """
    path = tmp_path / "questionnaire.yaml"
    lines = (line[8:] if line.startswith(" " * 8) else line for line in body.splitlines(keepends=True))
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[QuestionProblem]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    return caught.value.problems


BAD_FILES: list[tuple[str, str, int, str | None, str]] = [
    (
        "missing label",
        """\
              - id: cigarettes
                type: integer
        """,
        14,
        "cigarettes",
        "the field 'label' is missing",
    ),
    (
        "duplicate id",
        """\
              - id: smoker
                type: text
                label: Again
        """,
        14,
        "smoker",
        "question id 'smoker' is defined twice (first at line 10)",
    ),
    (
        "shown_when names an unknown question",
        """\
              - id: cigarettes
                type: integer
                label: How many a day?
                shown_when: {question: smokr, equals: "yes"}
        """,
        17,
        "cigarettes",
        "shown_when names 'smokr', which is not an earlier question. Did you mean 'smoker'?",
    ),
    (
        "shown_when names an unknown choice",
        """\
              - id: cigarettes
                type: integer
                label: How many a day?
                shown_when: {question: smoker, one_of: ["yes", "noo"]}
        """,
        17,
        "cigarettes",
        "shown_when: 'noo' is not a choice of 'smoker'. Did you mean 'no'?",
    ),
    (
        "unknown key",
        """\
              - id: cigarettes
                type: integer
                lable: How many a day?
        """,
        16,
        "cigarettes",
        "'lable' is not a known field here. Did you mean 'label'?",
    ),
    (
        "wrong type of value",
        """\
              - id: cigarettes
                type: integer
                label: How many a day?
                min: lots
        """,
        17,
        "cigarettes",
        "'min' must be a number",
    ),
    (
        "unknown question type",
        """\
              - id: cigarettes
                type: integr
                label: How many a day?
        """,
        15,
        "cigarettes",
        "Did you mean 'integer'?",
    ),
    (
        "unknown choice set",
        """\
              - id: vapes
                type: single
                label: Do you vape?
                choices: yes_noo
        """,
        17,
        "vapes",
        "unknown choice set 'yes_noo'. Did you mean 'yes_no'?",
    ),
    (
        "for_each template without {value}",
        """\
          - id: details
            title: Details
            for_each:
              source: habits
              questions:
                - {id: how_long, type: integer, label: "{label}: for how long?"}
        """,
        25,
        "how_long",
        "a for_each question id must contain {value}",
    ),
    (
        "for_each source that is no multi-choice question",
        """\
          - id: details
            title: Details
            for_each:
              source: habit
              questions:
                - {id: "{value}_years", type: integer, label: "{label}: for how long?"}
        """,
        23,
        None,
        "for_each source 'habit' must be an earlier multi-choice question. Did you mean 'habits'?",
    ),
]

HABITS = """\
      - id: habits
        type: multi
        label: Which do you do?
        choices:
          - {value: coffee, label: Coffee}
          - {value: tea, label: Tea}
"""


@pytest.mark.parametrize(("name", "body", "line", "question", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_problem_names_the_file_line_and_question(
    tmp_path: Path, name: str, body: str, line: int, question: str | None, message: str
) -> None:
    header = HEADER + HABITS if "for_each" in body else HEADER
    path = write(tmp_path, body, header)
    problems = problems_of(path)
    assert [(p.file, p.line, p.item) for p in problems] == [(str(path), line, question or "details")]
    assert message in problems[0].message
    subject = f"question '{question}'" if question else "step 'details'"
    assert str(problems[0]).startswith(f"{path}:{line}: {subject}: ")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    bodies = [b[1].rstrip(" ").replace("cigarettes", f"q{i}") for i, b in enumerate(BAD_FILES[:6]) if b[0] != "duplicate id"]
    body = "".join(bodies)
    problems = problems_of(write(tmp_path, body))
    assert [p.item for p in problems] == ["q0", "q2", "q3", "q4", "q5"]
    assert all(p.line is not None for p in problems)


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "      - id: [unclosed\n")
    (problem,) = problems_of(path)
    assert problem.line == 15 and "not valid YAML" in problem.message
    assert str(problem).startswith(f"{path}:15: ")


def test_the_error_is_a_definition_error_listing_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_FILES[0][1])
    with pytest.raises(DefinitionError, match=r"1 problem in the questionnaire:\n  - .*:14: question 'cigarettes'"):
        load_questionnaire(path)


def test_check_passes_on_the_bundled_file() -> None:
    q = default_questionnaire()
    assert load_questionnaire(bundled_questionnaire_path()) == q
    result = CliRunner().invoke(questions_group, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output == f"OK: {len(q.questions)} questions in {len(q.steps)} steps\n"


def test_check_lists_each_problem_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_FILES[0][1].rstrip(" ") + BAD_FILES[2][1].replace("cigarettes", "cigars"))
    result = CliRunner().invoke(questions_group, ["check", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}:14: question 'cigarettes': the field 'label' is missing",
        f"{path}:19: question 'cigars': shown_when names 'smokr', which is not an earlier question. Did you mean 'smoker'?",
    ]
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)  # a clean exit


def test_check_reports_a_missing_file_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(questions_group, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert result.output.startswith(f"{tmp_path / 'nope.yaml'}: the file cannot be read")


def test_the_data_dictionary_command_is_unchanged() -> None:
    result = CliRunner().invoke(questions_group, ["--json"])
    assert result.exit_code == 0
    assert result.output == json.dumps(default_questionnaire().data_dictionary(), indent=2, ensure_ascii=False) + "\n"
    plain = CliRunner().invoke(questions_group, [])
    assert plain.exit_code == 0
    first = default_questionnaire().questions[0]
    assert plain.output.splitlines()[0].split() == [first.step, first.id, first.type, *first.label.split()]


def test_questions_and_derived_facts_do_not_import_each_other() -> None:
    def imports(name: str) -> set[str]:
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}

    assert "triage.domain.questionnaire.questions" not in imports("derived.py")
    # The engine reads the questionnaire, so the questionnaire never reads the engine.
    for path in PACKAGE.glob("*.py"):
        assert not any(m.startswith("triage.domain.engine") for m in imports(path.name)), path.name


# Plain dicts and lists (no line numbers), so that each example can change its own copy: the current file and version 1.
BUNDLED = [
    json.loads(json.dumps(parse_yaml(path.read_text(encoding="utf-8"), Problems("bundled"))))
    for path in (bundled_questionnaire_path(), bundled_questionnaire_path().parent / "versions" / "2026.11-1.yaml")
]
QUESTION_PLACES = [
    (d, s, q)
    for d, document in enumerate(BUNDLED)
    for s, step in enumerate(document["steps"])
    for q in range(len(step.get("questions", [])))
]
FIELDS = [
    "id",
    "type",
    "label",
    "help",
    "choices",
    "unit",
    "min",
    "max",
    "max_length",
    "required",
    "shown_when",
    "short",
    "compact",
    "choices_from",
    "imperial",
    "min_age",
    "max_age",
    "columns",
    "max_rows",
    "bogus",
]
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8), st.lists(st.text(max_size=4), max_size=2))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(QUESTION_PLACES), st.sampled_from(FIELDS), st.one_of(st.just("<delete>"), VALUES))
def test_any_damaged_question_is_refused_with_located_problems_never_a_crash(
    place: tuple[int, int, int], key: str, value: Any
) -> None:
    document = json.loads(json.dumps(BUNDLED[place[0]]))
    question = document["steps"][place[1]]["questions"][place[2]]
    if value == "<delete>":
        question.pop(key, None)
    else:
        question[key] = value
    try:
        parse_questionnaire(document, "forms/questionnaire.yaml")
    except QuestionnaireError as error:
        assert error.problems
        assert all(p.file == "forms/questionnaire.yaml" and p.message for p in error.problems)
