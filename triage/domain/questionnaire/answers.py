"""Turning what a patient typed into typed answers, with messages that name the field."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.errors import AnswerError
from triage.domain.questionnaire.questions import Question, Questionnaire
from triage.domain.questionnaire.values import Answer

# C0 controls other than tab, newline and carriage return are never meaningful in an answer;
# NUL in particular is refused by PostgreSQL, so it is refused here on every database.
_FORBIDDEN = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}
CONSENT_TRUE = {"y", "yes", "on", "true", "1"}
EARLIEST_BIRTH = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading one field: a value (None means unanswered) or an error."""

    value: Answer | None
    error: str | None = None


def clean_text(raw: str) -> str:
    """Normalise text to NFC and trim surrounding white space."""
    return unicodedata.normalize("NFC", raw).strip()


def _bad_characters(text: str) -> bool:
    return any(ch in _FORBIDDEN for ch in text)


def _number(question: Question, text: str, integer: bool) -> Parsed:
    kind = "a whole number" if integer else "a number"
    bounds = (
        f" from {_fmt(question.min)} to {_fmt(question.max)}" if question.min is not None and question.max is not None else ""
    )
    message = f"Please enter {kind}{bounds}" + (f" ({question.unit})" if question.unit else "") + "."
    try:
        value: float = int(text) if integer else float(text.replace(",", "."))
    except ValueError:
        return Parsed(None, message)
    if not math.isfinite(value):
        return Parsed(None, message)
    if (question.min is not None and value < question.min) or (question.max is not None and value > question.max):
        return Parsed(None, message)
    return Parsed(value)


def _fmt(value: float | None) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def _date(text: str, today: dt.date) -> Parsed:
    message = "Please enter a real date as year-month-day, for example 1974-03-21."
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        return Parsed(None, message)
    if not EARLIEST_BIRTH <= value <= today:
        return Parsed(None, "Please enter a date between 1900 and today.")
    return Parsed(value.isoformat())


def parse_field(question: Question, raw: Sequence[str], today: dt.date | None = None) -> Parsed:
    """Read the submitted strings for one question (empty means unanswered)."""
    today = today or dt.date.today()
    values = [clean_text(v) for v in raw if isinstance(v, str)]
    values = [v for v in values if v != ""]
    if any(_bad_characters(v) for v in values):
        return Parsed(None, "This answer contains a character that cannot be saved (a control character). Please retype it.")
    if question.type == "multi":
        if any(v not in question.choice_values for v in values) or len(set(values)) != len(values):
            return Parsed(None, "Please choose only from the options shown.")
        return Parsed(values or None)
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
        return _number(question, text, integer=True)
    if question.type == "number":
        return _number(question, text, integer=False)
    if question.type == "single":
        return Parsed(text) if text in question.choice_values else Parsed(None, "Please choose one of the options shown.")
    if question.type == "date":
        return _date(text, today)
    return Parsed(True) if text.lower() in CONSENT_TRUE else Parsed(None, "Please tick the box to confirm.")


def _json_to_strings(question: Question, value: Any) -> list[str] | None:
    """Map one JSON answer to the strings a form would post, or None if its type is wrong."""
    if question.type == "multi":
        return [v for v in value] if isinstance(value, list) and all(isinstance(v, str) for v in value) else None
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
    return {
        "multi": "a list of choice values",
        "consent": "true or false",
        "integer": "a whole number",
        "scale": "a whole number",
        "number": "a number",
        "date": "a date string YYYY-MM-DD",
    }.get(question.type, "a string")


def display_answer(question: Question, value: Answer | None) -> str:
    """The answer as the patient or clinician reads it."""
    if value is None or value == []:
        return "Not answered"
    if question.type == "single" and isinstance(value, str):
        return question.choice_label(value)
    if question.type == "multi" and isinstance(value, list):
        return "; ".join(question.choice_label(v) for v in value)
    if question.type == "consent":
        return "Yes" if value else "No"
    if isinstance(value, float):
        value = _fmt(value)
    return (
        f"{value} {question.unit}".strip()
        if question.unit and question.type != "scale"
        else (f"{value} out of 10" if question.type == "scale" else str(value))
    )
