"""Reading submitted intakes as the plain data their FHIR resources are built from, and finding them by identifier."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc
from triage.db.intakes import load_answers
from triage.db.models import Evaluation, Intake
from triage.domain.questionnaire.questions import questionnaire_for
from triage.domain.report.fhir_common import INTAKE_REF_SYSTEM, MRN_SYSTEM, NHS_NUMBER_SYSTEM
from triage.domain.report.fhir_response import IntakeData

# Only what a patient has sent is health data another system may read: invited and half-filled intakes are not.
SHARED_STATUSES = ("submitted", "reviewed")
# The identifier columns by FHIR system ('' in nhs_number or mrn: not given, never matched).
IDENTIFIER_COLUMNS: dict[str, Any] = {INTAKE_REF_SYSTEM: Intake.ref, NHS_NUMBER_SYSTEM: Intake.nhs_number, MRN_SYSTEM: Intake.mrn}


def intake_data(session: Session, intake_id: int) -> IntakeData | None:
    """A submitted intake with its answers and newest result; None if there is none, or it is not submitted yet."""
    intake = session.get(Intake, intake_id)
    if intake is None or intake.status not in SHARED_STATUSES:
        return None
    try:
        questionnaire = questionnaire_for(intake.questionnaire_version)
    except KeyError:  # a version this installation no longer ships cannot be described
        return None
    result = session.scalar(
        select(Evaluation.result).where(Evaluation.intake_id == intake_id).order_by(Evaluation.id.desc()).limit(1)
    )
    return IntakeData(
        id=intake.id,
        ref=intake.ref,
        questionnaire=questionnaire,
        submitted_at=as_utc(intake.submitted_at or intake.updated_at),
        answers=load_answers(session, intake_id),
        result=result or {},
        nhs_number=intake.nhs_number or "",
        mrn=intake.mrn or "",
    )


def intake_ids_by_identifier(session: Session, system: str, value: str, limit: int) -> list[int]:
    """The submitted intakes whose identifier matches: `system` empty matches any identifier the tool knows."""
    systems = [system] if system else list(IDENTIFIER_COLUMNS)
    found: set[int] = set()
    for name in systems:
        column = IDENTIFIER_COLUMNS.get(name)
        if column is None or not value:
            continue
        rows = session.scalars(
            select(Intake.id).where(column == value, Intake.status.in_(SHARED_STATUSES)).order_by(Intake.id).limit(limit)
        )
        found.update(rows)
    return sorted(found)[:limit]
