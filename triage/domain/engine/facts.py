"""What rules may read: every question and derived fact, with its kind, choices, label and display form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.questionnaire.answers import display_answer
from triage.domain.questionnaire.derived import DERIVED_FACTS
from triage.domain.questionnaire.questions import Question, Questionnaire

# The kinds a comparison can read; "date" answers are only ever tested for being answered, "text" and "table" never.
NUMBER, CHOICE, MULTI, BOOLEAN, DATE, TEXT, TABLE = "number", "choice", "multi", "boolean", "date", "text", "table"
_QUESTION_KINDS = {
    "integer": NUMBER,
    "scale": NUMBER,
    "number": NUMBER,
    "single": CHOICE,
    "multi": MULTI,
    "consent": BOOLEAN,
    "date": DATE,
    "text": TEXT,
    "longtext": TEXT,
    "table": TABLE,
}
_DERIVED_KINDS = {"number": NUMBER, "boolean": BOOLEAN, "single": CHOICE}
KIND_WORDS = {
    NUMBER: "a number",
    CHOICE: "a single choice",
    MULTI: "a tick-all-that-apply list",
    BOOLEAN: "a yes/no fact",
    DATE: "a date",
    TEXT: "free text",
    TABLE: "a table of rows",
}


# How a derived fact's yes/no/not-sure value reads (the derived warning signs and bowel features of version 2).
_PLAIN_WORDS = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}


@dataclass(frozen=True)
class Fact:
    """One readable fact: a question of the data dictionary or a derived fact computed in code."""

    id: str
    kind: str
    label: str
    choices: tuple[str, ...] = ()
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    question: Question | None = None
    reads: tuple[str, ...] = ()

    def display(self, value: Any) -> str:
        """The value as a clinician reads it ("Not answered" when absent)."""
        if self.question is not None:
            return display_answer(self.question, value)
        if value is None:
            return "Not answered"
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, str) and value in _PLAIN_WORDS:
            return _PLAIN_WORDS[value]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value} {self.unit}".strip()


def value_fits(kind: str, value: Any) -> bool:
    """Whether a value has the Python type this kind of fact holds (anything else counts as unanswered)."""
    if kind == NUMBER:
        return value.__class__ is int or value.__class__ is float
    if kind == MULTI:
        return value.__class__ is list and len(value) > 0
    if kind == BOOLEAN:
        return value.__class__ is bool
    return value.__class__ is str and value != ""


def _label_in_context(question: Question, questionnaire: Questionnaire) -> str:
    """A short follow-up label ("How often do you take them?") read after the question that led to it."""
    # Only a follow-up of one question reads on from it; one shown for a combination of answers stands alone.
    asked_after = question.shown_when.questions if question.shown_when else ()
    parent = questionnaire.by_id.get(asked_after[0]) if len(asked_after) == 1 else None
    if parent is None or len(question.label.split()) > 6 or parent.type == "multi":
        return question.label
    return f"{parent.label} {question.label}"


def fact_catalog(questionnaire: Questionnaire) -> dict[str, Fact]:
    """Every fact a rule may name, keyed by id: the questions first, then the derived facts."""
    catalog: dict[str, Fact] = {}
    for q in questionnaire.questions:
        catalog[q.id] = Fact(
            id=q.id,
            kind=_QUESTION_KINDS[q.type],
            label=_label_in_context(q, questionnaire),
            choices=q.choice_values,
            unit=q.unit,
            minimum=q.min,
            maximum=q.max,
            question=q,
            reads=(q.id,),
        )
    for d in DERIVED_FACTS:
        if d.id in catalog:  # an earlier version's question (v1's blood_in_stool): its own entry reads better
            continue
        catalog[d.id] = Fact(id=d.id, kind=_DERIVED_KINDS[d.type], label=d.label, choices=d.choices, unit=d.unit, reads=d.reads)
    return catalog


def unanswered_questions(fact: Fact, questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """The questions behind a fact that the patient was shown but left blank."""
    result = []
    for question_id in fact.reads:
        question = questionnaire.by_id.get(question_id)
        if question is None or answers.get(question_id) not in (None, "", []):
            continue
        if question.is_shown(answers):
            result.append(question_id)
    return result
