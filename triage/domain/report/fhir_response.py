"""One submitted intake as FHIR: the Patient it is about and its QuestionnaireResponse, from plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from triage.domain.questionnaire.model import Question
from triage.domain.questionnaire.questions import Answer, Questionnaire
from triage.domain.report.fhir_common import (
    INTAKE_REF_SYSTEM,
    MRN_SYSTEM,
    NHS_NUMBER_SYSTEM,
    canonical,
    choice_coding,
    fhir_id,
    validated,
)
from triage.domain.report.fhir_questionnaire import copy_group_link_id, step_link_id


@dataclass(frozen=True)
class IntakeData:
    """What the FHIR resources of one submitted intake are made from (read from the database by triage.db.fhir)."""

    id: int
    ref: str
    questionnaire: Questionnaire
    submitted_at: dt.datetime  # timezone-aware
    answers: Mapping[str, Answer]
    result: Mapping[str, Any] = field(default_factory=dict)  # the newest evaluation's stored result ({} when none)
    nhs_number: str = ""
    mrn: str = ""


def patient_id(intake: IntakeData) -> str:
    """The id of the Patient resource of an intake (one per intake: the tool keeps no patient index)."""
    return fhir_id(intake.id)


def patient_reference(intake: IntakeData) -> dict[str, str]:
    """A reference to the intake's Patient."""
    return {"reference": f"Patient/{patient_id(intake)}"}


def patient_resource(intake: IntakeData) -> dict[str, Any]:
    """The Patient: the name and date of birth the patient gave, and the identifiers the clinic holds."""
    identifiers: list[dict[str, Any]] = [{"use": "usual", "system": INTAKE_REF_SYSTEM, "value": intake.ref}]
    if intake.nhs_number:
        identifiers.append({"use": "official", "system": NHS_NUMBER_SYSTEM, "value": intake.nhs_number})
    if intake.mrn:
        mr = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
        identifiers.append({"use": "official", "type": mr, "system": MRN_SYSTEM, "value": intake.mrn})
    resource: dict[str, Any] = {"resourceType": "Patient", "id": patient_id(intake), "identifier": identifiers}
    name = intake.answers.get("full_name")
    if isinstance(name, str) and name:
        resource["name"] = [{"use": "usual", "text": name}]
    born = intake.answers.get("date_of_birth")
    if isinstance(born, str) and born:
        resource["birthDate"] = born
    return validated(resource)


def answer_values(question: Question, value: Answer) -> list[dict[str, Any]]:
    """One stored answer as QuestionnaireResponse answers, typed as its Questionnaire item says."""
    if question.type in ("single", "multi"):
        values = value if isinstance(value, list) else [value]
        system_id = question.choices_from or question.id
        return [{"valueCoding": choice_coding(system_id, str(v), question.choice_label(str(v)))} for v in values]
    if question.type == "consent":
        return [{"valueBoolean": bool(value)}]
    if question.type in ("integer", "scale", "number") and isinstance(value, (int, float)):
        return [{"valueInteger": int(value)}] if question.type != "number" else [{"valueDecimal": float(value)}]
    if question.type == "date":
        return [{"valueDate": str(value)}]
    return [{"valueString": str(value)}]


def _question_items(question: Question, value: Answer) -> list[dict[str, Any]]:
    """The response items of one answered question: one item, or for a table one repeated group item per row."""
    if question.type != "table":
        return [{"linkId": question.id, "text": question.label, "answer": answer_values(question, value)}]
    rows = [row for row in value if isinstance(row, list)] if isinstance(value, list) else []
    groups = []
    for row in rows:
        cells = [
            {"linkId": f"{question.id}.{column.id}", "answer": [{"valueString": cell}]}
            for column, cell in zip(question.columns, row, strict=False)
            if cell
        ]
        if cells:
            groups.append({"linkId": question.id, "text": question.label, "item": cells})
    return groups


def shown_answers(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> dict[str, Answer]:
    """The answers of the questions the patient was shown (a stale answer to a question hidden since is left out).

    A hidden question counts as unanswered for the questions after it, as on the patient's pages; shown_when always
    names an earlier question, so one pass in order settles every question.
    """
    shown: dict[str, Answer] = {}
    for question in questionnaire.questions:
        if question.id in answers and question.is_shown(shown):
            shown[question.id] = answers[question.id]
    return shown


def response_items(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> list[dict[str, Any]]:
    """The answers nested as the Questionnaire's items are: step groups, and the for_each groups inside them."""
    given = shown_answers(questionnaire, answers)
    steps = []
    for step in questionnaire.steps:
        children: list[dict[str, Any]] = []
        for choice, run in groupby(step.questions, key=lambda q: q.copied_for):
            items = [item for q in run if q.id in given for item in _question_items(q, given[q.id])]
            if items and choice:
                children.append({"linkId": copy_group_link_id(step, choice), "item": items})
            elif items:
                children.extend(items)
        if children:
            steps.append({"linkId": step_link_id(step), "text": step.title, "item": children})
    return steps


def response_id(intake: IntakeData) -> str:
    """The id of the intake's QuestionnaireResponse."""
    return fhir_id(intake.id)


def questionnaire_response_resource(intake: IntakeData) -> dict[str, Any]:
    """The QuestionnaireResponse: completed, authored at submission, answering the version the patient was asked."""
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(intake),
        "identifier": {"system": INTAKE_REF_SYSTEM, "value": intake.ref},
        "questionnaire": canonical(intake.questionnaire.version),
        "status": "completed",
        "subject": patient_reference(intake),
        "source": patient_reference(intake),
        "authored": intake.submitted_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "item": response_items(intake.questionnaire, intake.answers),
    }
    return validated(resource)
