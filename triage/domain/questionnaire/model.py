"""The parts of a loaded questionnaire: sections, steps, questions, choices, table columns and follow-up conditions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.questionnaire.values import DEFAULT_MAX_ROWS, Answer


@dataclass(frozen=True)
class Choice:
    """One offered answer of a single- or multi-choice question."""

    value: str
    label: str
    exclusive: bool = False  # "None of these" or "Not sure": never ticked together with another choice
    picture: str = ""  # a file name under static/img/, shown beside the label ("" when none)


@dataclass(frozen=True)
class Column:
    """One column of a table question."""

    id: str
    label: str


@dataclass(frozen=True)
class Section:
    """One of the fixed groups of steps that the progress counts ("Section 3 of 8: Your symptoms")."""

    id: str
    title: str


@dataclass(frozen=True)
class ShownWhen:
    """When a follow-up question is shown: a test on one earlier answer."""

    question: str
    operator: str
    value: Any = None

    @property
    def behaviour(self) -> str:
        """How the tests combine ("all" or "any"); one test is "all" of itself."""
        return "all"

    @property
    def tests(self) -> tuple[ShownWhen, ...]:
        """The one-answer tests of the condition: this one."""
        return (self,)

    @property
    def questions(self) -> tuple[str, ...]:
        """The earlier questions whose answers decide the condition."""
        return (self.question,)

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
        if self.operator == "at_least":
            return len(given) >= int(self.value)
        if self.operator == "includes":
            return self.value in given
        return any(v in given for v in self.value)

    def settled(self, known: Mapping[str, Answer]) -> bool | None:
        """Whether the condition holds when only the answers in `known` are known (None: it depends on others)."""
        return self.holds(known) if self.question in known else None

    def describe(self) -> dict[str, Any]:
        """The condition as plain data for the data dictionary."""
        return {"question": self.question, self.operator: self.value}


@dataclass(frozen=True)
class CompoundShownWhen:
    """When a follow-up question is shown: all (or any) of several one-answer tests hold."""

    behaviour: str  # "all" or "any"
    tests: tuple[ShownWhen, ...]

    @property
    def questions(self) -> tuple[str, ...]:
        """The earlier questions whose answers decide the condition, each once, in the order written."""
        return tuple(dict.fromkeys(t.question for t in self.tests))

    def holds(self, answers: Mapping[str, Answer]) -> bool:
        """Whether the condition holds for these answers."""
        results = (t.holds(answers) for t in self.tests)
        return all(results) if self.behaviour == "all" else any(results)

    def settled(self, known: Mapping[str, Answer]) -> bool | None:
        """Whether the condition holds when only the answers in `known` are known (None: it depends on others)."""
        results = [t.settled(known) for t in self.tests]
        decisive = self.behaviour != "all"  # one False settles "all"; one True settles "any"
        if decisive in results:
            return decisive
        return None if None in results else not decisive

    def describe(self) -> dict[str, Any]:
        """The condition as plain data for the data dictionary."""
        return {self.behaviour: [t.describe() for t in self.tests]}


# What a question's shown_when can be: one test, or all/any of several.
Condition = ShownWhen | CompoundShownWhen


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
    shown_when: Condition | None = None
    short_label: str = ""  # YAML `short:`, the name used in messages and on the review page ("" when none)
    compact: bool = False  # one row of its step's grid (see Step.grid), or a compact row on a step without an intro
    choices_from: str = ""  # a single whose choices are those of this multi question ("" when its own)
    imperial: str = ""  # "feet_inches" (on cm) or "stones_pounds" (on kg): boxes offered beside the metric one
    min_age: int | None = None  # a date of birth: the youngest age it may give, in years on the day of answering
    max_age: int | None = None
    columns: tuple[Column, ...] = ()  # a table question's columns
    max_rows: int = DEFAULT_MAX_ROWS  # a table question's most rows
    copied_for: str = ""  # a for_each copy: the choice of its source it was copied for ("" when written out)
    from_invitation: str = ""  # the invitation detail that answers it when the invitation holds one ("" when none)

    @property
    def choice_values(self) -> tuple[str, ...]:
        """The values a choice question accepts."""
        return tuple(c.value for c in self.choices)

    @property
    def exclusive_values(self) -> tuple[str, ...]:
        """The choice values that cannot be ticked together with any other ("None of these")."""
        return tuple(c.value for c in self.choices if c.exclusive)

    @property
    def name(self) -> str:
        """What messages call this question: its short label, or else its label."""
        return self.short_label or self.label

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
        if self.short_label:
            entry["short"] = self.short_label
        if self.help:
            entry["help"] = self.help
        if self.choices:
            entry["choices"] = [_describe_choice(c) for c in self.choices]
        if self.choices_from:
            entry["choices_from"] = self.choices_from
        if self.unit:
            entry["unit"] = self.unit
        if self.imperial:
            entry["imperial"] = self.imperial
        for key in ("min", "max", "max_length", "min_age", "max_age"):
            if getattr(self, key) is not None:
                entry[key] = getattr(self, key)
        if self.type == "table":
            entry["columns"] = [{"id": c.id, "label": c.label} for c in self.columns]
            entry["max_rows"] = self.max_rows
        if self.compact:
            entry["compact"] = True
        if self.from_invitation:
            entry["from_invitation"] = self.from_invitation
        entry["shown_when"] = self.shown_when.describe() if self.shown_when else None
        return entry


def _describe_choice(choice: Choice) -> dict[str, Any]:
    entry: dict[str, Any] = {"value": choice.value, "label": choice.label}
    if choice.exclusive:
        entry["exclusive"] = True
    if choice.picture:
        entry["picture"] = choice.picture
    return entry


@dataclass(frozen=True)
class Step:
    """One page of the questionnaire, in one section (a file without sections has one section per step)."""

    id: str
    title: str
    intro: str
    questions: tuple[Question, ...]
    is_review: bool = False
    section: str = ""

    @property
    def grid(self) -> tuple[Question, ...]:
        """The rows of the step's grid: its compact questions, drawn as one question whose legend is the intro.

        Number rows are a label, a box and the unit; single-choice rows share one line of column headings (the
        choices), each row a line of radio buttons. A step without an intro has no grid: its compact questions
        are compact rows of their own.
        """
        return tuple(q for q in self.questions if q.compact) if self.intro else ()

    @property
    def grid_choices(self) -> tuple[Choice, ...]:
        """The column headings of a grid of single-choice rows (empty for a grid of numbers, or no grid)."""
        rows = self.grid
        return rows[0].choices if rows and rows[0].type == "single" else ()
