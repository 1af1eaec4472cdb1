"""Reading the submitted intakes for the research export, in batches: answers and the newest result's summary only."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc
from triage.db.fhir import SHARED_STATUSES
from triage.db.models import Answer, Evaluation, Intake
from triage.domain.questionnaire.questions import Answer as AnswerValue
from triage.domain.report.research import ResearchIntake

BATCH = 500


def research_intakes(session: Session, batch: int = BATCH) -> Iterator[ResearchIntake]:
    """Every submitted intake with its answers and its newest evaluation's top differential and urgency."""
    after = 0
    while True:
        intakes = session.execute(
            select(Intake.id, Intake.questionnaire_version, Intake.submitted_at, Intake.updated_at)
            .where(Intake.status.in_(SHARED_STATUSES), Intake.id > after)
            .order_by(Intake.id)
            .limit(batch)
        ).all()
        if not intakes:
            return
        ids = [row[0] for row in intakes]
        answers: dict[int, dict[str, AnswerValue]] = {i: {} for i in ids}
        for intake_id, question_id, value in session.execute(
            select(Answer.intake_id, Answer.question_id, Answer.value).where(Answer.intake_id.in_(ids))
        ):
            answers[intake_id][question_id] = value
        newest = (
            select(func.max(Evaluation.id)).where(Evaluation.intake_id.in_(ids)).group_by(Evaluation.intake_id).scalar_subquery()
        )
        results = {
            intake_id: (differential or "", urgency or "")
            for intake_id, differential, urgency in session.execute(
                select(Evaluation.intake_id, Evaluation.top_differential, Evaluation.top_urgency).where(Evaluation.id.in_(newest))
            )
        }
        for intake_id, version, submitted, updated in intakes:
            differential, urgency = results.get(intake_id, ("", ""))
            yield ResearchIntake(intake_id, version, as_utc(submitted or updated), answers[intake_id], differential, urgency)
        after = ids[-1]
