"""The de-identified research export: one row per submitted intake, no identifier or free text, and its data dictionary.

What goes: every structured answer (choices as their codes, numbers, consents) under its question id, the age in
five-year bands, dates reduced to the month, and the triage result's top differential and urgency. What never goes:
the name, the date of birth, any text the patient typed (free text and table rows) and any identifier; each row has
instead an id derived from the intake with a key made for that one export, so ids are stable within an export and
unrelated across exports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.questions import Answer, Questionnaire, bundled_versions, questionnaire_for

# Answers that are text the patient typed (or rows of it) can name anyone: they never leave.
FREE_TEXT_TYPES = ("text", "longtext", "table")
BIRTH_DATE = "date_of_birth"
OLDEST_BAND = 90  # ages from 90 on are one band ("90+"): few people are that old, so a finer band could single one out
FIXED_COLUMNS = ("research_id", "questionnaire_version", "submitted_month", "age_band", "top_differential", "top_urgency")


@dataclass(frozen=True)
class ResearchIntake:
    """What one exported row is made from (read by triage.db.research)."""

    intake_id: int
    questionnaire_version: str
    submitted_at: dt.datetime
    answers: Mapping[str, Answer]
    top_differential: str = ""
    top_urgency: str = ""


@dataclass(frozen=True)
class DictionaryEntry:
    """One column of the export, as the data dictionary beside it describes it."""

    column: str
    label: str
    type: str
    values: str = ""  # code=label pairs of a choice question, ";"-separated
    unit: str = ""
    note: str = ""

    def as_row(self) -> list[str]:
        """The entry as a CSV row (in DICTIONARY_HEADER's order)."""
        return [self.column, self.label, self.type, self.values, self.unit, self.note]


DICTIONARY_HEADER = ("column", "label", "type", "values", "unit", "note")


def exported_questions(questionnaires: Sequence[Questionnaire]) -> list[Question]:
    """The questions whose answers are exported, once each by id (the first version named wins), in order."""
    chosen: dict[str, Question] = {}
    for questionnaire in questionnaires:
        for question in questionnaire.questions:
            if question.id not in chosen and question.type not in FREE_TEXT_TYPES and question.id != BIRTH_DATE:
                chosen[question.id] = question
    return list(chosen.values())


def bundled_research_questions() -> list[Question]:
    """The exported questions of every bundled version, the current version's first (its labels win)."""
    return exported_questions([questionnaire_for(v) for v in reversed(bundled_versions())])


def age_band(born: str, on: dt.date) -> str:
    """The age on a day as a five-year band ("40-44"), "90+" from 90, "" for a date that cannot be read."""
    try:
        birth = dt.date.fromisoformat(born)
    except ValueError:
        return ""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age < 0:
        return ""
    if age >= OLDEST_BAND:
        return f"{OLDEST_BAND}+"
    low = age - age % 5
    return f"{low}-{low + 4}"


def research_id(key: bytes, intake_id: int) -> str:
    """The row's pseudonymous id: an HMAC of the intake number under this export's own random key."""
    return hmac.new(key, str(intake_id).encode(), hashlib.sha256).hexdigest()[:16]


def _cell(question: Question, value: Answer | None) -> str:
    if value is None or value == []:
        return ""
    if question.type == "multi" and isinstance(value, list):
        return ";".join(str(v) for v in value)
    if question.type == "consent":
        return "yes" if value else "no"
    if question.type == "date" and isinstance(value, str):
        return value[:7]  # dates to the month
    return str(value)


def fixed_cells(intake: ResearchIntake, key: bytes) -> list[str]:
    """The row's first cells, in FIXED_COLUMNS' order: pseudonymous id, version, month, age band, result summary."""
    on = intake.submitted_at.date()
    born = intake.answers.get(BIRTH_DATE)
    return [
        research_id(key, intake.intake_id),
        intake.questionnaire_version,
        on.strftime("%Y-%m"),
        age_band(born, on) if isinstance(born, str) else "",
        intake.top_differential,
        intake.top_urgency,
    ]


def research_header(questions: Sequence[Question]) -> list[str]:
    """The export's column names: the fixed columns, then one per exported question id."""
    return [*FIXED_COLUMNS, *(q.id for q in questions)]


def research_rows(intakes: Iterable[ResearchIntake], questions: Sequence[Question], key: bytes) -> list[list[str]]:
    """The export's rows (header first), ordered by pseudonymous id so that the order tells nothing either."""
    rows = [fixed_cells(intake, key) + [_cell(q, intake.answers.get(q.id)) for q in questions] for intake in intakes]
    rows.sort(key=lambda row: row[0])
    return [research_header(questions), *rows]


def data_dictionary(questions: Sequence[Question]) -> list[DictionaryEntry]:
    """Every column of the export: what it holds, its type, its codes and unit."""
    fixed = [
        DictionaryEntry("research_id", "Pseudonymous id", "text", note="stable within this export only; not the intake"),
        DictionaryEntry("questionnaire_version", "Questionnaire version answered", "text"),
        DictionaryEntry("submitted_month", "Month of submission", "month", note="YYYY-MM; the day is left out"),
        DictionaryEntry(
            "age_band", "Age at submission", "band", note="five-year bands (40-44), 90+; the date of birth is left out"
        ),
        DictionaryEntry("top_differential", "First-ranked differential of the newest triage result", "code"),
        DictionaryEntry("top_urgency", "Most urgent red flag of the newest triage result", "code", "emergency;urgent;soon"),
    ]
    entries = []
    for question in questions:
        values = ";".join(f"{c.value}={c.label}" for c in question.choices)
        note = "several codes separated by ;" if question.type == "multi" else ""
        if question.type == "date":
            note = "YYYY-MM; the day is left out"
        entries.append(DictionaryEntry(question.id, question.label, question.type, values, question.unit, note))
    return fixed + entries


def dictionary_rows(entries: Sequence[DictionaryEntry]) -> list[list[str]]:
    """The data dictionary as CSV rows, header first."""
    return [list(DICTIONARY_HEADER), *(e.as_row() for e in entries)]


def column_of(value: Any) -> str:
    """A cell that a spreadsheet will not run as a formula (a leading = + - @ gets a quote)."""
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
