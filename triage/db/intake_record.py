"""One intake's stored record as plain data: answers (hash re-checked), evaluations, result, notes, feedback, decision, alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from triage.db.alert_queue import ACTIONS
from triage.db.clock import as_utc, minute_text
from triage.db.decisions import DecisionInfo, decision_history
from triage.db.intakes import answers_sha256, load_answers
from triage.db.letters import LetterState, Referral, Sender, letter_sender, letter_state, referral_of
from triage.db.models import Alert, ClinicianNote, DifferentialFeedback, Evaluation, Intake, User
from triage.db.users import shown_name
from triage.domain.languages import SOURCE_LANGUAGE, english_name
from triage.domain.questionnaire.questions import Answer
from triage.domain.scales import Urgency


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
    reason_code: str = ""  # the coded override reason of a disagreement (triage.domain.report.feedback_reasons)


@dataclass(frozen=True)
class AlertInfo:
    """A red-flag alert on the intake and its acknowledgement (who, when, the action taken), as plain data."""

    id: int
    urgency: str
    rule_ids: tuple[str, ...]
    raised: str
    raised_while: str
    acknowledged: str
    acknowledged_by: str
    action: str
    action_label: str
    note: str
    escalated: str


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
    # The standing decision and assignee come first in `decisions` (newest first); empty until a clinician decides.
    decisions: tuple[DecisionInfo, ...] = ()
    assignee: str = ""
    assignee_id: int | None = None
    alerts: tuple[AlertInfo, ...] = ()
    # The referral's details, the letter's stored edits and signature, and who the letter is from (triage.db.letters).
    referral: Referral = Referral()
    letter: LetterState | None = None
    sender: Sender | None = None
    language: str = SOURCE_LANGUAGE  # the language the patient answered in (the answers themselves are the same values)

    @property
    def language_name(self) -> str:
        """The patient's language named in English, or "" when it is English (nothing to point out)."""
        return "" if self.language == SOURCE_LANGUAGE else english_name(self.language)

    @property
    def decision(self) -> DecisionInfo | None:
        """The standing triage decision (the newest one recorded)."""
        return self.decisions[0] if self.decisions else None

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
    assignee = aliased(User, name="assignee")
    row = session.execute(
        select(Intake, shown_name(User), shown_name(assignee))
        .outerjoin(User, User.id == Intake.reviewed_by)
        .outerjoin(assignee, assignee.id == Intake.assigned_to)
        .where(Intake.id == intake_id)
    ).first()
    if row is None:
        return None
    intake, reviewer, assigned = row
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
        select(ClinicianNote.id, shown_name(User), ClinicianNote.created_at, ClinicianNote.text)
        .join(User, User.id == ClinicianNote.user_id)
        .where(ClinicianNote.intake_id == intake_id)
        .order_by(ClinicianNote.id)
    ).all()
    feedback = session.execute(
        select(DifferentialFeedback, shown_name(User))
        .join(User, User.id == DifferentialFeedback.user_id)
        .where(DifferentialFeedback.intake_id == intake_id)
        .order_by(DifferentialFeedback.id)
    ).all()
    submitted = as_utc(intake.submitted_at or intake.created_at)
    letter = letter_state(session, intake_id)
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
            FeedbackInfo(
                f.id,
                f.evaluation_id,
                f.differential_id,
                f.agrees,
                f.reason,
                email,
                minute_text(f.created_at),
                f.reason_code or "",
            )
            for f, email in feedback
        ),
        decisions=decision_history(session, intake_id),
        assignee=assigned or "",
        assignee_id=intake.assigned_to,
        alerts=intake_alerts(session, intake_id),
        referral=referral_of(intake),
        letter=letter,
        sender=letter_sender(session, intake_id, letter),
        language=intake.language or SOURCE_LANGUAGE,
    )


def intake_alerts(session: Session, intake_id: int) -> tuple[AlertInfo, ...]:
    """The intake's red-flag alerts, most urgent first, with who acknowledged each, when and the action taken."""
    rows = session.execute(
        select(Alert, shown_name(User)).outerjoin(User, User.id == Alert.acknowledged_by).where(Alert.intake_id == intake_id)
    ).all()
    ordered = sorted(rows, key=lambda r: (Urgency.rank_of(r[0].urgency), r[0].id))
    return tuple(
        AlertInfo(
            id=a.id,
            urgency=a.urgency,
            rule_ids=tuple(str(r) for r in a.rule_ids or ()),
            raised=minute_text(a.raised_at),
            raised_while=a.raised_while,
            acknowledged=minute_text(a.acknowledged_at),
            acknowledged_by=email or "",
            action=a.action or "",
            action_label=ACTIONS.get(a.action or "", (a.action or "").replace("_", " ").capitalize()),
            note=a.note or "",
            escalated=minute_text(a.escalated_at),
        )
        for a, email in ordered
    )


def evaluation_result(session: Session, intake_id: int, evaluation_id: int) -> dict[str, Any] | None:
    """The stored result of one of this intake's evaluations."""
    return session.scalar(select(Evaluation.result).where(Evaluation.id == evaluation_id, Evaluation.intake_id == intake_id))
