"""Fields that only one type of question may use (imperial units, ages, table columns, invitation details), checked."""

from __future__ import annotations

from triage.domain.questionnaire.schema import QuestionModel, TemplateModel
from triage.domain.questionnaire.values import IMPERIAL_UNITS

# The invitation details a question may be answered from, and the question type each fits.
INVITATION_DETAIL_TYPES = {"patient_name": "text", "date_of_birth": "date"}


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
    found += _invitation_problems(fields)
    return found


def _invitation_problems(fields: QuestionModel | TemplateModel) -> list[tuple[str, str]]:
    detail = fields.from_invitation
    if detail is None:
        return []
    if isinstance(fields, TemplateModel):
        return [("from_invitation", "from_invitation is only for a question written out once, not a for_each question")]
    if fields.shown_when is not None:
        return [("from_invitation", "from_invitation is only for a question every patient is asked: leave out its shown_when")]
    wanted = INVITATION_DETAIL_TYPES[detail]
    if fields.type != wanted:
        return [("from_invitation", f"from_invitation: {detail} answers a {wanted} question, not {fields.type}")]
    return []
