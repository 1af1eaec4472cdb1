"""Turning what a patient typed into typed answers, with messages that name the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from triage.domain.errors import AnswerError
from triage.domain.questionnaire.dates import EARLIEST_BIRTH, parse_date_parts, parse_date_text
from triage.domain.questionnaire.measures import fmt, parse_measure, parse_number
from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.parsed import CONTROL_MESSAGE, Parsed, bad_characters, clean_text
from triage.domain.questionnaire.questions import Questionnaire
from triage.domain.questionnaire.tables import display_table, parse_table, table_cells
from triage.domain.questionnaire.values import Answer

__all__ = ["CONSENT_TRUE", "EARLIEST_BIRTH", "Parsed", "clean_text", "display_answer", "parse_field", "validate_answers"]

CONSENT_TRUE = {"y", "yes", "on", "true", "1"}


def _multi(question: Question, values: list[str]) -> Parsed:
    if any(v not in question.choice_values for v in values) or len(set(values)) != len(values):
        return Parsed(None, "Please choose only from the options shown.")
    exclusive = [v for v in values if v in question.exclusive_values]
    if exclusive and len(values) > 1:
        return Parsed(None, f"'{question.choice_label(exclusive[0])}' cannot be ticked together with other answers.")
    return Parsed(values or None)


def parse_field(question: Question, raw: Sequence[str], today: dt.date | None = None) -> Parsed:
    """Read the submitted strings for one question (empty means unanswered).

    Most questions take one string (a multi one per ticked choice). A date may come as three boxes [day, month,
    year], a number with imperial units as [metric, major, minor], and a table as its cells row by row.
    """
    today = today or dt.date.today()
    strings = [clean_text(v) if isinstance(v, str) else "" for v in raw]
    if any(bad_characters(v) for v in strings):
        return Parsed(None, CONTROL_MESSAGE)
    if question.type == "table":
        return parse_table(question, strings)
    if question.type == "date" and len(strings) == 3:
        return parse_date_parts(question, strings, today)
    if question.type == "number" and question.imperial and len(strings) == 3:
        return parse_measure(question, strings)
    values = [v for v in strings if v != ""]
    if question.type == "multi":
        return _multi(question, values)
    if not values:
        return Parsed(None)
    if len(values) > 1:
        return Parsed(None, "Please give one answer only.")
    text = values[0]
    if question.type in ("text", "longtext"):
        limit = question.max_length or 0
        if len(text) > limit:
            return Parsed(None, f"Please shorten this answer to at most {limit} characters (it has {len(text)}).")
        return Parsed(text)
    if question.type in ("integer", "scale"):
        return parse_number(question, text, integer=True)
    if question.type == "number":
        return parse_number(question, text, integer=False)
    if question.type == "single":
        return Parsed(text) if text in question.choice_values else Parsed(None, "Please choose one of the options shown.")
    if question.type == "date":
        return parse_date_text(question, text, today)
    return Parsed(True) if text.lower() in CONSENT_TRUE else Parsed(None, "Please tick the box to confirm.")


def _json_to_strings(question: Question, value: Any) -> list[str] | None:
    """Map one JSON answer to the strings a form would post, or None if its type is wrong."""
    if question.type == "multi":
        return [v for v in value] if isinstance(value, list) and all(isinstance(v, str) for v in value) else None
    if question.type == "table":
        return table_cells(question, value)
    if question.type == "consent":
        return ["yes"] if value is True else ([] if value is False else None)
    if isinstance(value, bool):
        return None
    if question.type in ("integer", "scale") and isinstance(value, int):
        return [str(value)]
    if question.type == "number" and isinstance(value, (int, float)):
        return [repr(float(value))]
    if question.type in ("text", "longtext", "single", "date") and isinstance(value, str):
        return [value]
    return None


def validate_answers(
    questionnaire: Questionnaire, document: Mapping[str, Any], today: dt.date | None = None
) -> dict[str, Answer]:
    """Check a whole answers document (question id → answer) and return typed answers.

    Raises AnswerError listing every problem, each naming the question.
    """
    problems: list[str] = []
    answers: dict[str, Answer] = {}
    for key, value in document.items():
        question = questionnaire.by_id.get(key)
        if question is None:
            problems.append(f"'{key}' is not a question in questionnaire {questionnaire.version}")
            continue
        if value is None:
            continue
        strings = _json_to_strings(question, value)
        if strings is None:
            problems.append(f"'{key}' must be {_expected(question)}, not {type(value).__name__}")
            continue
        parsed = parse_field(question, strings, today)
        if parsed.error:
            problems.append(f"'{key}': {parsed.error}")
        elif parsed.value is not None:
            answers[key] = parsed.value
    if problems:
        raise AnswerError(problems)
    return answers


def _expected(question: Question) -> str:
    if question.type == "table":
        return f"a list of rows, each a list of up to {len(question.columns)} strings"
    return {
        "multi": "a list of choice values",
        "consent": "true or false",
        "integer": "a whole number",
        "scale": "a whole number",
        "number": "a number",
        "date": "a date string such as YYYY-MM-DD",
    }.get(question.type, "a string")


def display_answer(question: Question, value: Answer | None) -> str:
    """The answer as the patient or clinician reads it."""
    if value is None or value == []:
        return "Not answered"
    if question.type == "single" and isinstance(value, str):
        return question.choice_label(value)
    if question.type == "multi" and isinstance(value, list):
        return "; ".join(question.choice_label(v) for v in value if isinstance(v, str))
    if question.type == "table" and isinstance(value, list):
        return display_table(value) or "Not answered"
    if question.type == "consent":
        return "Yes" if value else "No"
    if isinstance(value, float):
        value = fmt(value)
    return (
        with_unit(value, question.unit)
        if question.unit and question.type != "scale"
        else (f"{value} out of 10" if question.type == "scale" else str(value))
    )


def with_unit(value: object, unit: str) -> str:
    """A number with its unit, singular for one: '1 month', '1 cup a day', '1 time a day', '3 months ago'."""
    first, _space, rest = unit.strip().partition(" ")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if (value == 1 if number else value in ("1", "1.0")) and first.endswith("s") and len(first) > 2:
        first = first[:-1]  # the unit's first word is the counted noun: months, cups, times, days
    return f"{value} {' '.join(w for w in (first, rest) if w)}".strip()
