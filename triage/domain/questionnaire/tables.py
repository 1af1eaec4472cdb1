"""Reading a table question (rows of boxes such as the current medicines) and showing its rows as one line."""

from __future__ import annotations

from collections.abc import Sequence

from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.parsed import Parsed


def _first_missing(question: Question, row: int) -> str:
    first = question.columns[0]
    if first.id == "name":
        return f"Row {row}: please give the {first.label.lower()}'s name."
    return f"Row {row}: please fill in '{first.label}'."


def parse_table(question: Question, cells: Sequence[str]) -> Parsed:
    """A flat, row-major list of cleaned cells (one per column per row); blank rows are dropped, None when all are."""
    width = len(question.columns)
    if width == 0 or len(cells) % width:
        return Parsed(None, "Please fill in the table as shown.")
    limit = question.max_length or 0
    rows: list[list[str]] = []
    problems: list[str] = []
    for index in range(len(cells) // width):
        row = list(cells[index * width : (index + 1) * width])
        if not any(row):
            continue
        number = index + 1
        if not row[0]:
            problems.append(_first_missing(question, number))
        for column, text in zip(question.columns, row, strict=True):
            if len(text) > limit:
                problems.append(f"Row {number}: please shorten '{column.label}' to at most {limit} characters.")
        rows.append(row)
    if len(rows) > question.max_rows:
        problems.append(f"Please give at most {question.max_rows} rows.")
    if problems:
        return Parsed(None, " ".join(problems))
    return Parsed(rows or None)


def table_cells(question: Question, value: object) -> list[str] | None:
    """A JSON table answer (a list of rows, each a list of strings) as the flat cells a form posts; None if mis-shaped."""
    width = len(question.columns)
    if not isinstance(value, list):
        return None
    cells: list[str] = []
    for row in value:
        if not isinstance(row, list) or len(row) > width or not all(isinstance(c, str) for c in row):
            return None
        cells.extend([*row, *[""] * (width - len(row))])
    return cells


def display_table(value: Sequence[object]) -> str:
    """Rows as one line: "Omeprazole, 20 mg, once a day; Levothyroxine, 50 micrograms"."""
    rows = (row for row in value if isinstance(row, list))
    return "; ".join(", ".join(str(cell) for cell in row if cell) for row in rows)
