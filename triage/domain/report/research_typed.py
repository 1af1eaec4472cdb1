"""The research export's cells as typed values (whole numbers, decimals, yes/no, lists of codes) for columnar files.

The CSV export writes every cell as text; a columnar file (Parquet) keeps each question's type, so that an analyst
reads numbers as numbers and a multiple-choice answer as a list of codes. The same rules decide what leaves: the
questions and fixed columns are those of the CSV export (triage.domain.report.research), and only the cell's form differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.questions import Answer
from triage.domain.report.research import FIXED_COLUMNS, ResearchIntake, fixed_cells, research_header

TypedCell = str | int | float | bool | list[str] | None

# The column kind of each question type; any type not named here is text (single choices, dates to the month).
KIND_OF_TYPE = {"integer": "integer", "scale": "integer", "number": "decimal", "consent": "yes_no", "multi": "codes"}


def column_kind(question: Question) -> str:
    """The kind of a question's column: integer, decimal, yes_no, codes (a list) or text."""
    return KIND_OF_TYPE.get(question.type, "text")


def _number(value: Answer) -> int | float | None:
    # bool is an int to Python, but a yes/no is never a count.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None  # validation stores numbers only; an unreadable one is left empty rather than guessed
        return int(number) if number.is_integer() else number
    return None


def typed_cell(question: Question, value: Answer | None) -> TypedCell:
    """One answer as its column's typed value; None where nothing was answered."""
    if value is None or value == []:
        return None
    kind = column_kind(question)
    if kind in ("integer", "decimal"):
        number = _number(value)
        return float(number) if kind == "decimal" and number is not None else number
    if kind == "yes_no":
        return bool(value)
    if kind == "codes":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if question.type == "date" and isinstance(value, str):
        return value[:7]  # dates to the month, as in the CSV
    return str(value)


def typed_rows(
    intakes: Iterable[ResearchIntake], questions: Sequence[Question], key: bytes
) -> tuple[list[str], list[list[TypedCell]]]:
    """The export's header and typed rows, ordered by pseudonymous id as the CSV's are."""
    rows: list[list[TypedCell]] = [
        [*fixed_cells(intake, key), *(typed_cell(q, intake.answers.get(q.id)) for q in questions)] for intake in intakes
    ]
    rows.sort(key=lambda row: str(row[0]))
    return research_header(questions), rows


def column_kinds(questions: Sequence[Question]) -> list[str]:
    """Every column's kind, in the header's order (the fixed columns are text)."""
    return ["text"] * len(FIXED_COLUMNS) + [column_kind(q) for q in questions]
