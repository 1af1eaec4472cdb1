"""Answers as a clinician reads them: stored values and the patient's matched answers as text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from triage.domain.engine.result_items import MatchedAnswer
from triage.domain.questionnaire.answers import display_answer
from triage.domain.questionnaire.derived import DERIVED_BY_ID
from triage.domain.questionnaire.questions import Questionnaire


def text_of(value: Any) -> str:
    """A stored value as text ('' for None)."""
    return "" if value is None else str(value)


def question_label(questionnaire: Questionnaire, key: str) -> str:
    """The label of a question or derived fact (the key itself when neither is known)."""
    question = questionnaire.by_id.get(key)
    if question is not None:
        return question.label
    derived = DERIVED_BY_ID.get(key)
    return derived.label if derived is not None else key


def shown_value(questionnaire: Questionnaire, key: str, value: Any) -> str:
    """An answer as a clinician reads it (choice labels and units for known questions)."""
    question = questionnaire.by_id.get(key)
    if question is not None and isinstance(value, (str, int, float, bool, list)):
        return display_answer(question, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(text_of(v) for v in value)
    return text_of(value)


def answer_line(label: str, answer: str) -> str:
    """One answer as 'question: answer' ('question? answer' when the label is a question)."""
    return f"{label} {answer}" if label.endswith("?") else f"{label}: {answer}"


def answer_texts(questionnaire: Questionnaire | None, matched: Iterable[MatchedAnswer]) -> tuple[str, ...]:
    """The patient's matched answers as 'question: answer' lines (a question's own label when none was stored)."""
    lines = []
    for entry in matched:
        label = entry.label or (question_label(questionnaire, entry.question) if questionnaire else entry.question)
        lines.append(answer_line(label, entry.answer))
    return tuple(lines)
