"""The questionnaire: question definitions loaded once from `forms/` and the data dictionary."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from triage.domain.errors import DefinitionError
from triage.paths import resource_dir

QUESTION_TYPES = ("text", "longtext", "integer", "number", "scale", "single", "multi", "date", "consent")
SHOWN_WHEN_OPERATORS = ("equals", "one_of", "includes", "includes_any", "answered")
DEFAULT_MAX_LENGTH = {"text": 200, "longtext": 2000}

Answer = str | int | float | bool | list[str]


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
            return given == self.value
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
        from triage.domain.derived import DERIVED_FACTS

        return {
            "version": self.version,
            "steps": [{"id": s.id, "title": s.title} for s in self.steps],
            "questions": [q.describe() for q in self.questions],
            "derived": [{"id": d.id, "type": d.type, "unit": d.unit, "label": d.label} for d in DERIVED_FACTS],
        }


def _choices(raw: Any, choice_sets: Mapping[str, list[dict[str, str]]], where: str) -> tuple[Choice, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        if raw not in choice_sets:
            raise DefinitionError(f"{where}: unknown choice set '{raw}'")
        raw = choice_sets[raw]
    return tuple(Choice(value=str(c["value"]), label=str(c["label"])) for c in raw)


def _shown_when(raw: Mapping[str, Any] | None, where: str) -> ShownWhen | None:
    if raw is None:
        return None
    ops = [k for k in raw if k != "question"]
    if "question" not in raw or len(ops) != 1 or ops[0] not in SHOWN_WHEN_OPERATORS:
        raise DefinitionError(f"{where}: shown_when needs 'question' and one of {', '.join(SHOWN_WHEN_OPERATORS)}")
    return ShownWhen(question=str(raw["question"]), operator=ops[0], value=raw[ops[0]])


def _question(raw: Mapping[str, Any], step_id: str, choice_sets: Mapping[str, Any]) -> Question:
    where = f"question '{raw.get('id')}' in step '{step_id}'"
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        raise DefinitionError(f"{where}: type must be one of {', '.join(QUESTION_TYPES)}")
    choices = _choices(raw.get("choices"), choice_sets, where)
    if qtype in ("single", "multi") and not choices:
        raise DefinitionError(f"{where}: a {qtype} question needs choices")
    return Question(
        id=str(raw["id"]),
        step=step_id,
        type=qtype,
        label=str(raw["label"]),
        help=str(raw.get("help", "")),
        choices=choices,
        unit=str(raw.get("unit", "")),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length", DEFAULT_MAX_LENGTH.get(qtype)),
        required=bool(raw.get("required", False)),
        shown_when=_shown_when(raw.get("shown_when"), where),
    )


def _expand_for_each(raw: Mapping[str, Any], by_id: Mapping[str, Question]) -> list[dict[str, Any]]:
    """One set of follow-up questions for each choice of an earlier multi-choice question."""
    source = by_id.get(raw["source"])
    if source is None or source.type != "multi":
        raise DefinitionError(f"for_each source '{raw['source']}' must be an earlier multi-choice question")
    expanded = []
    for choice in source.choices:
        for template in raw["questions"]:
            item = dict(template)
            item["id"] = template["id"].format(value=choice.value)
            item["label"] = template["label"].format(label=choice.label)
            item["shown_when"] = {"question": source.id, "includes": choice.value}
            expanded.append(item)
    return expanded


def parse_questionnaire(document: Mapping[str, Any]) -> Questionnaire:
    """Build a questionnaire from its YAML document, checking it is well formed."""
    choice_sets = document.get("choice_sets", {})
    by_id: dict[str, Question] = {}
    steps = []
    for raw_step in document["steps"]:
        step_id = str(raw_step["id"])
        raw_questions = _expand_for_each(raw_step["for_each"], by_id) if "for_each" in raw_step else []
        raw_questions += list(raw_step.get("questions", []))
        questions = []
        for raw in raw_questions:
            question = _question(raw, step_id, choice_sets)
            if question.id in by_id:
                raise DefinitionError(f"question id '{question.id}' is defined twice")
            if question.shown_when and question.shown_when.question not in by_id:
                raise DefinitionError(f"question '{question.id}': shown_when names '{question.shown_when.question}', which is not an earlier question")
            by_id[question.id] = question
            questions.append(question)
        steps.append(Step(step_id, str(raw_step["title"]), str(raw_step.get("intro", "")), tuple(questions), bool(raw_step.get("review", False))))
    return Questionnaire(version=str(document["version"]), steps=tuple(steps), by_id=by_id)


def load_questionnaire(path: Path | None = None) -> Questionnaire:
    """Load the questionnaire definition (the bundled one by default)."""
    path = path or resource_dir("forms") / "questionnaire.yaml"
    with path.open(encoding="utf-8") as handle:
        return parse_questionnaire(yaml.safe_load(handle))


_DEFAULT: Questionnaire | None = None


def default_questionnaire() -> Questionnaire:
    """The bundled questionnaire, loaded once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_questionnaire()
    return _DEFAULT
