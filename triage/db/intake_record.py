"""One intake's stored record as plain data: answers (hash re-checked), evaluations, the chosen result, notes, feedback."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, minute_text
from triage.db.intakes import answers_sha256, load_answers
from triage.db.models import ClinicianNote, DifferentialFeedback, Evaluation, Intake, User
from triage.domain.questionnaire.questions import Answer


class AnswersChanged(RuntimeError):
    """The stored answers no longer match the SHA-256 recorded at submission."""


@dataclass(frozen=True)
class EvaluationInfo:
    """A stored evaluation without its result body."""

    id: int
    created: str
    reason: str
    ruleset_version: str
    ruleset_sha256: str


@dataclass(frozen=True)
class NoteInfo:
    """A clinician's note."""

    id: int
    author: str
    created: str
    text: str


@dataclass(frozen=True)
class FeedbackInfo:
    """A clinician's agree/disagree on one differential of one evaluation."""

    id: int
    evaluation_id: int
    differential_id: str
    agrees: bool
    reason: str
    author: str
    created: str


@dataclass(frozen=True)
class IntakeRecord:
    """Everything stored about one intake, as plain data."""

    id: int
    ref: str
    status: str
    questionnaire_version: str
    appointment: str
    created: str
    submitted: str
    submitted_on: dt.date
    reviewed_at: str
    reviewed_by: str
    stored_sha256: str
    computed_sha256: str
    answers: dict[str, Answer]
    evaluations: tuple[EvaluationInfo, ...]
    result: dict[str, Any]
    notes: tuple[NoteInfo, ...]
    feedback: tuple[FeedbackInfo, ...]

    @property
    def integrity_ok(self) -> bool:
        """Whether the stored answers still hash to the value recorded at submission."""
        return not self.stored_sha256 or self.stored_sha256 == self.computed_sha256

    @property
    def evaluation(self) -> EvaluationInfo | None:
        """The newest evaluation."""
        return self.evaluations[0] if self.evaluations else None


def intake_record(session: Session, intake_id: int, evaluation_id: int | None = None) -> IntakeRecord | None:
    """An intake with its answers (hash re-computed), evaluations, the chosen (default newest) result, notes and feedback."""
    row = session.execute(
        select(Intake, User.email).outerjoin(User, User.id == Intake.reviewed_by).where(Intake.id == intake_id)
    ).first()
    if row is None:
        return None
    intake, reviewer = row
    answers = load_answers(session, intake_id)
    evaluations = session.execute(
        select(Evaluation.id, Evaluation.created_at, Evaluation.reason, Evaluation.ruleset_version, Evaluation.ruleset_sha256)
        .where(Evaluation.intake_id == intake_id)
        .order_by(Evaluation.id.desc())
    ).all()
    infos = tuple(EvaluationInfo(e[0], minute_text(e[1]), e[2], e[3], e[4]) for e in evaluations)
    chosen = evaluation_id if evaluation_id is not None else (infos[0].id if infos else None)
    result = evaluation_result(session, intake_id, chosen) if chosen is not None else None
    notes = session.execute(
        select(ClinicianNote.id, User.email, ClinicianNote.created_at, ClinicianNote.text)
        .join(User, User.id == ClinicianNote.user_id)
        .where(ClinicianNote.intake_id == intake_id)
        .order_by(ClinicianNote.id)
    ).all()
    feedback = session.execute(
        select(DifferentialFeedback, User.email)
        .join(User, User.id == DifferentialFeedback.user_id)
        .where(DifferentialFeedback.intake_id == intake_id)
        .order_by(DifferentialFeedback.id)
    ).all()
    submitted = as_utc(intake.submitted_at or intake.created_at)
    return IntakeRecord(
        id=intake.id,
        ref=intake.ref,
        status=intake.status,
        questionnaire_version=intake.questionnaire_version,
        appointment=intake.appointment_date.isoformat() if intake.appointment_date else "",
        created=minute_text(intake.created_at),
        submitted=minute_text(intake.submitted_at),
        submitted_on=submitted.date(),
        reviewed_at=minute_text(intake.reviewed_at),
        reviewed_by=reviewer or "",
        stored_sha256=intake.answers_sha256 or "",
        computed_sha256=answers_sha256(answers),
        answers=answers,
        evaluations=infos,
        result=result or {},
        notes=tuple(NoteInfo(n[0], n[1], minute_text(n[2]), n[3]) for n in notes),
        feedback=tuple(
            FeedbackInfo(f.id, f.evaluation_id, f.differential_id, f.agrees, f.reason, email, minute_text(f.created_at))
            for f, email in feedback
        ),
    )


def evaluation_result(session: Session, intake_id: int, evaluation_id: int) -> dict[str, Any] | None:
    """The stored result of one of this intake's evaluations."""
    return session.scalar(select(Evaluation.result).where(Evaluation.id == evaluation_id, Evaluation.intake_id == intake_id))
