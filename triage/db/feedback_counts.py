"""Clinicians' verdicts on differentials counted in the database, by differential, ruleset version and reason."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.db.models import DifferentialFeedback, Evaluation
from triage.domain.governance.feedback_counts import FeedbackCount


def feedback_counts(session: Session) -> list[FeedbackCount]:
    """How many verdicts each differential got, per ruleset version the intake was evaluated with and per reason."""
    query = (
        select(
            DifferentialFeedback.differential_id,
            Evaluation.ruleset_version,
            DifferentialFeedback.agrees,
            DifferentialFeedback.reason_code,
            func.count(),
        )
        .join(Evaluation, Evaluation.id == DifferentialFeedback.evaluation_id)
        .group_by(
            DifferentialFeedback.differential_id,
            Evaluation.ruleset_version,
            DifferentialFeedback.agrees,
            DifferentialFeedback.reason_code,
        )
    )
    return [
        FeedbackCount(str(d), str(version or ""), bool(agrees), code, int(n))
        for d, version, agrees, code, n in session.execute(query)
    ]
