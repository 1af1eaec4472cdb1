"""Fields that only one type of question may use (imperial units, ages, table columns), checked against its type."""

from __future__ import annotations

from triage.domain.questionnaire.schema import QuestionModel, TemplateModel
from triage.domain.questionnaire.values import IMPERIAL_UNITS


def misplaced_fields(fields: QuestionModel | TemplateModel) -> list[tuple[str, str]]:
    """Each field that does not fit the question's type, as (field name, plain message)."""
    kind = fields.type
    found: list[tuple[str, str]] = []
    if fields.imperial is not None:
        metric = IMPERIAL_UNITS[fields.imperial]
        if kind != "number":
            found.append(("imperial", f"imperial units are only for number questions, not {kind}"))
        elif fields.unit != metric:
            given = f"'{fields.unit}'" if fields.unit else "none"
            found.append(
                ("imperial", f"imperial: {fields.imperial} converts to {metric}, so the unit must be '{metric}', not {given}")
            )
    for key in ("min_age", "max_age"):
        if getattr(fields, key) is not None and kind != "date":
            found.append((key, f"{key} is only for date questions, not {kind}"))
    if kind == "table":
        if fields.columns is None:
            found.append(("type", "a table question needs columns: a list of {id, label}, one per column"))
        else:
            ids = [c.id for c in fields.columns]
            for column in sorted({c for c in ids if ids.count(c) > 1}):
                found.append(("columns", f"the column id '{column}' is used twice"))
    else:
        for key in ("columns", "max_rows"):
            if getattr(fields, key) is not None:
                found.append((key, f"{key} is only for table questions, not {kind}"))
    return found
