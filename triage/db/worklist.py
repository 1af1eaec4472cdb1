"""Named queries for the clinician workspace: the worklist (triage.db.worklist_page), notes, feedback, review, re-evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.intake_record import AnswersChanged, evaluation_result
from triage.db.intakes import StoredEvaluation, answers_sha256, load_answers
from triage.db.models import ClinicianNote, DifferentialFeedback, Evaluation, Intake
from triage.db.worklist_page import WorklistPage, WorklistRow, status_counts, worklist_page
from triage.db.worklist_plan import (
    COUNT_CAP,
    DECISION_FILTERS,
    DEFAULT_SORT,
    MAX_QUERY,
    PER_PAGE,
    RANK_TIERS,
    SEARCH_LIMIT,
    SORTS,
    UNASSIGNED,
    UNDECIDED,
    URGENCIES,
    WorklistQuery,
)
from triage.domain.questionnaire.questions import Answer
from triage.domain.questionnaire.rules_view import answers_for_rules

__all__ = [
    "COUNT_CAP",
    "DECISION_FILTERS",
    "DEFAULT_SORT",
    "MAX_QUERY",
    "PER_PAGE",
    "RANK_TIERS",
    "SEARCH_LIMIT",
    "SORTS",
    "UNASSIGNED",
    "UNDECIDED",
    "URGENCIES",
    "AnswersChanged",
    "WorklistPage",
    "WorklistQuery",
    "WorklistRow",
    "add_note",
    "evaluation_result",
    "mark_reviewed",
    "record_feedback",
    "reevaluate",
    "status_counts",
    "worklist_page",
]

REVIEWABLE = ("submitted",)
EVALUATED = ("submitted", "reviewed")


def add_note(session: Session, intake_id: int, user_id: int, text: str) -> int:
    """Store a clinician's note; returns its id."""
    note = ClinicianNote(intake_id=intake_id, user_id=user_id, text=text, created_at=utcnow())
    session.add(note)
    session.flush()
    return note.id


def record_feedback(
    session: Session,
    intake_id: int,
    evaluation_id: int,
    differential_id: str,
    user_id: int,
    agrees: bool,
    reason: str,
    reason_code: str | None = None,
) -> bool:
    """Store agree/disagree (a disagreement with its coded reason) on a differential of this intake's evaluation.

    False when the evaluation or the differential does not exist.
    """
    result = evaluation_result(session, intake_id, evaluation_id)
    if result is None or differential_id not in {
        str(d.get("id")) for d in result.get("differentials") or [] if isinstance(d, Mapping)
    }:
        return False
    session.add(
        DifferentialFeedback(
            intake_id=intake_id,
            evaluation_id=evaluation_id,
            differential_id=differential_id,
            user_id=user_id,
            agrees=agrees,
            reason=reason,
            reason_code=reason_code,
            created_at=utcnow(),
        )
    )
    session.flush()
    return True


def mark_reviewed(session: Session, intake_id: int, user_id: int) -> bool:
    """Mark a submitted intake reviewed by this user now; False when it is not awaiting review."""
    now = utcnow()
    outcome = session.execute(
        update(Intake)
        .where(Intake.id == intake_id, Intake.status.in_(REVIEWABLE))
        .values(status="reviewed", reviewed_by=user_id, reviewed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", outcome).rowcount == 1


def reevaluate(
    session: Session, intake_id: int, evaluate: Callable[[dict[str, Answer], dt.date], StoredEvaluation]
) -> tuple[int, int] | None:
    """Evaluate a submitted intake again and store the new result beside the old one: (old id, new id), or None.

    Raises AnswersChanged rather than evaluating answers that fail their integrity check.
    """
    intake = session.get(Intake, intake_id)
    if intake is None or intake.status not in EVALUATED:
        return None
    answers = load_answers(session, intake_id)
    if intake.answers_sha256 and answers_sha256(answers) != intake.answers_sha256:
        raise AnswersChanged(f"intake {intake_id}: stored answers do not match their SHA-256")
    old = session.scalar(select(func.max(Evaluation.id)).where(Evaluation.intake_id == intake_id))
    on = as_utc(intake.submitted_at or intake.created_at).date()
    stored = evaluate(answers_for_rules(answers, intake.questionnaire_version), on)
    evaluation = Evaluation(intake_id=intake_id, created_at=utcnow(), reason="reevaluate", **stored.__dict__)
    session.add(evaluation)
    session.flush()
    return (old or 0), evaluation.id
