"""The questionnaire: question definitions loaded once from `forms/` and the data dictionary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.domain.questionnaire.checks import CheckedQuestion, check_document
from triage.domain.questionnaire.derived import DERIVED_FACTS
from triage.domain.questionnaire.problems import Problems, QuestionnaireError
from triage.domain.questionnaire.values import DEFAULT_MAX_LENGTH
from triage.domain.questionnaire.values import Answer as Answer
from triage.domain.yaml_lines import read_yaml_file
from triage.paths import resource_dir

# Answer is defined in values.py (so derived facts need not import this module) and re-exported here,
# because forms, storage and reports import it alongside Question.


@dataclass(frozen=True)
class Choice:
    """One offered answer of a single- or multi-choice question."""

    value: str
    label: str


@dataclass(frozen=True)
class ShownWhen:
    """When a follow-up question is shown: a test on one earlier answer."""

    question: str
    operator: str
    value: Any = None

    def holds(self, answers: Mapping[str, Answer]) -> bool:
        """Whether the condition holds for these answers."""
        given = answers.get(self.question)
        if self.operator == "answered":
            return given not in (None, "", [])
        if self.operator == "equals":
            return bool(given == self.value)
        if self.operator == "one_of":
            return given in self.value
        if not isinstance(given, list):
            return False
        if self.operator == "includes":
            return self.value in given
        return any(v in given for v in self.value)

    def describe(self) -> dict[str, Any]:
        """The condition as plain data for the data dictionary."""
        return {"question": self.question, self.operator: self.value}


@dataclass(frozen=True)
class Question:
    """One question: defined once, used by forms, validation, review, rules and PDF."""

    id: str
    step: str
    type: str
    label: str
    help: str = ""
    choices: tuple[Choice, ...] = ()
    unit: str = ""
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    required: bool = False
    shown_when: ShownWhen | None = None

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The values a choice question accepts."""
        return tuple(c.value for c in self.choices)

    def choice_label(self, value: str) -> str:
        """The patient-facing label of one choice value."""
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value

    def is_shown(self, answers: Mapping[str, Answer]) -> bool:
        """Whether the patient is asked this question, given the other answers."""
        return self.shown_when is None or self.shown_when.holds(answers)

    def describe(self) -> dict[str, Any]:
        """The data-dictionary entry for this question."""
        entry: dict[str, Any] = {
            "id": self.id,
            "step": self.step,
            "type": self.type,
            "label": self.label,
            "required": self.required,
        }
        if self.help:
            entry["help"] = self.help
        if self.choices:
            entry["choices"] = [{"value": c.value, "label": c.label} for c in self.choices]
        if self.unit:
            entry["unit"] = self.unit
        if self.min is not None:
            entry["min"] = self.min
        if self.max is not None:
            entry["max"] = self.max
        if self.max_length is not None:
            entry["max_length"] = self.max_length
        entry["shown_when"] = self.shown_when.describe() if self.shown_when else None
        return entry


@dataclass(frozen=True)
class Step:
    """One page of the questionnaire."""

    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    is_review: bool = False


@dataclass(frozen=True)
class Questionnaire:
    """The whole versioned questionnaire."""

    version: str
    steps: tuple[Step, ...]
    by_id: dict[str, Question] = field(default_factory=dict)

    def step(self, step_id: str) -> Step:
        """The step with this id (KeyError when unknown)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def step_index(self, step_id: str) -> int:
        """Position of a step, 0-based."""
        return [s.id for s in self.steps].index(step_id)

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question in order."""
        return tuple(q for s in self.steps for q in s.questions)

    def visible_questions(self, step: Step, answers: Mapping[str, Answer]) -> list[Question]:
        """The questions of a step that this patient is asked."""
        return [q for q in step.questions if q.is_shown(answers)]

    def data_dictionary(self) -> dict[str, Any]:
        """Every question as plain data (the `triage questions --json` output)."""
        return {
            "version": self.version,
            "steps": [{"id": s.id, "title": s.title} for s in self.steps],
            "questions": [q.describe() for q in self.questions],
            "derived": [{"id": d.id, "type": d.type, "unit": d.unit, "label": d.label} for d in DERIVED_FACTS],
        }


def _question(checked: CheckedQuestion, step_id: str) -> Question:
    fields = checked.fields
    return Question(
        id=checked.id,
        step=step_id,
        type=fields.type,
        label=checked.label,
        help=fields.help,
        choices=tuple(Choice(value=value, label=label) for value, label in checked.choices),
        unit=fields.unit,
        min=fields.min,
        max=fields.max,
        max_length=fields.max_length if fields.max_length is not None else DEFAULT_MAX_LENGTH.get(fields.type),
        required=fields.required,
        shown_when=ShownWhen(*checked.shown_when) if checked.shown_when else None,
    )


def parse_questionnaire(document: Any, file: str = "questionnaire") -> Questionnaire:
    """Build a questionnaire from its YAML document; QuestionnaireError lists every problem, each located in `file`."""
    problems = Problems(file)
    checked = check_document(document, problems)
    problems.raise_if_any()
    if checked is None:  # only when a problem was recorded, which raise_if_any has just reported
        raise QuestionnaireError(problems.items)
    by_id: dict[str, Question] = {}
    steps = []
    for step in checked.steps:
        questions = tuple(_question(q, step.fields.id) for q in step.questions)
        by_id.update((q.id, q) for q in questions)
        steps.append(Step(step.fields.id, step.fields.title, step.fields.intro, questions, step.fields.review))
    return Questionnaire(version=checked.version, steps=tuple(steps), by_id=by_id)


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """Load the questionnaire definition (the bundled one by default); QuestionnaireError lists every problem."""
    path = path or bundled_questionnaire_path()
    problems = Problems(str(path))
    document = read_yaml_file(path, problems)
    problems.raise_if_any()
    return parse_questionnaire(document, str(path))


def bundled_questionnaire_path() -> Path:
    """Where the bundled questionnaire definition lives."""
    return resource_dir("forms") / "questionnaire.yaml"


_DEFAULT: Questionnaire | None = None


def default_questionnaire() -> Questionnaire:
    """The bundled questionnaire, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_questionnaire()
    return _DEFAULT
