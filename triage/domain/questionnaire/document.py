"""Checking a questionnaire document as a whole: its header, its steps, their grids and the sections they are grouped in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.domain.errors import did_you_mean, line_of
from triage.domain.questionnaire.checks import CheckedQuestion, CheckedStep, Checker, ids_ahead
from triage.domain.questionnaire.for_each import check_for_each
from triage.domain.questionnaire.problems import Problems
from triage.domain.questionnaire.schema import QuestionnaireFile, SectionModel, StepModel, validate_part


@dataclass(frozen=True)
class CheckedFile:
    """The questionnaire's version, time estimate, sections and steps; only meaningful when no problem was recorded."""

    version: str
    steps: tuple[CheckedStep, ...]
    sections: tuple[SectionModel, ...] = ()
    estimated_minutes: tuple[int, ...] | None = None


def _check_sections(
    header: QuestionnaireFile, raw_document: Any, steps: list[tuple[StepModel, int | None]], problems: Problems
) -> None:
    """Every step in a listed section, each section's steps together and in the listed order, review in the last one."""
    raw_sections = raw_document.get("sections")
    if header.sections is None:
        for step, line in steps:
            if step.section is not None:
                message = f"section '{step.section}' is named, but the file lists no sections at the top"
                problems.add(message, line, item=step.id, kind="step")
        return
    order: dict[str, int] = {}
    for index, section in enumerate(header.sections):
        if section.id in order:
            problems.add(
                f"section id '{section.id}' is used twice", line_of(raw_sections, index), item=section.id, kind="section"
            )
        order.setdefault(section.id, index)
    reached = -1
    used: set[str] = set()
    for step, line in steps:
        if step.section is None:
            problems.add(f"the step needs a section: one of {', '.join(order)}", line, item=step.id, kind="step")
            continue
        if step.section not in order:
            hint = did_you_mean(step.section, order)
            problems.add(f"section '{step.section}' is not in the sections list.{hint}", line, item=step.id, kind="step")
            continue
        if order[step.section] < reached:
            message = (
                f"section '{step.section}' comes before the section of an earlier step; keep each section's steps together,"
                " in the order of the sections list"
            )
            problems.add(message, line, item=step.id, kind="step")
        reached = max(reached, order[step.section])
        used.add(step.section)
        if step.review and order[step.section] != len(header.sections) - 1:
            last = header.sections[-1].id
            problems.add(f"the review step must be in the last section ('{last}')", line, item=step.id, kind="step")
    for index, section in enumerate(header.sections):
        if section.id not in used and order.get(section.id) == index:
            problems.add("no step is in this section", line_of(raw_sections, index), item=section.id, kind="section")


GRID_NUMBERS = ("integer", "number")


def _grid_kind(row: CheckedQuestion) -> str:
    return "numbers" if row.fields.type in GRID_NUMBERS else row.fields.type


def _grid_row_problem(row: CheckedQuestion, first: CheckedQuestion, own: set[str]) -> str | None:
    """Why a compact question cannot be a row of its step's grid (None when it can)."""
    same_page = [q for q in row.shown_when.questions if q in own] if row.shown_when is not None else []
    if same_page:
        return f"a row of the step's grid cannot follow '{same_page[0]}' on the same page: ask it on a later step"
    if row.fields.type not in (*GRID_NUMBERS, "single") or row.fields.choices_from is not None:
        kind = row.fields.type + (" with choices_from" if row.fields.choices_from else "")
        return (
            "a compact question on a step with an intro is a row of the step's grid: it must be an integer, a number"
            f" or a single choice with its own choices, not {kind}"
        )
    if _grid_kind(row) != _grid_kind(first):
        return f"the rows of a grid are all numbers or all single choices, but '{first.id}' is {first.fields.type}"
    if [(c.value, c.label) for c in row.choices] != [(c.value, c.label) for c in first.choices]:
        return f"the single-choice rows of a grid share one line of column headings: give the choices of '{first.id}'"
    return None


def _check_grid(step: CheckedStep, problems: Problems) -> None:
    """A step's grid (its compact questions, under its intro): all numbers, or all single choices with the same choices."""
    rows = [q for q in step.questions if q.fields.compact] if step.fields.intro else []
    own = {q.id for q in step.questions}
    for row in rows:
        problem = _grid_row_problem(row, rows[0], own)
        if problem is not None:
            problems.add(problem, row.line, item=row.id)


def check_document(document: Any, problems: Problems) -> CheckedFile | None:
    """Check a whole questionnaire document, recording every problem; the checked file when there were none."""
    if not isinstance(document, dict):
        problems.add("the file must be a mapping with version, choice_sets and steps", line_of(document))
        return None
    header = validate_part(QuestionnaireFile, document, problems, None)
    raw_steps = document.get("steps")
    raw_steps = raw_steps if isinstance(raw_steps, list) else []
    checker = Checker(problems, ids_ahead(raw_steps))
    raw_sets = document.get("choice_sets")
    for name, raw in (raw_sets if isinstance(raw_sets, dict) else {}).items():
        checker.choice_set(str(name), raw, raw_sets)
    steps: list[CheckedStep] = []
    placed: list[tuple[StepModel, int | None]] = []
    step_lines: dict[str, int | None] = {}
    for index, raw_step in enumerate(raw_steps):
        step_id = raw_step.get("id") if isinstance(raw_step, dict) else None
        line = line_of(raw_steps, index)
        fields = validate_part(StepModel, raw_step, problems, step_id if isinstance(step_id, str) else None, "step")
        if fields is None:
            continue
        if fields.id in step_lines:
            problems.add(
                f"step id '{fields.id}' is used twice (first at line {step_lines[fields.id]})", line, item=fields.id, kind="step"
            )
        step_lines.setdefault(fields.id, line)
        placed.append((fields, line_of(raw_step, "section") or line))
        questions: list[CheckedQuestion] = []
        if fields.for_each is not None:
            check_for_each(checker, fields.for_each, questions, fields.id)
        for q_index, raw in enumerate(fields.questions):
            checker.question(raw, line_of(raw_step.get("questions"), q_index), questions)
        steps.append(CheckedStep(fields, tuple(questions)))
        _check_grid(steps[-1], problems)
    if header is not None:
        _check_sections(header, document, placed, problems)
    if header is None or problems.items:
        return None
    minutes = tuple(header.estimated_minutes) if header.estimated_minutes is not None else None
    return CheckedFile(header.version, tuple(steps), tuple(header.sections or ()), minutes)
