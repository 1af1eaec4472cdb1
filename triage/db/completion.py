"""Completion figures for admins, per questionnaire version: counts only, never a patient's data."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import case, exists, func, literal, select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.intakes import OPEN_STATUSES
from triage.db.models import Answer, Intake, Invitation, OutboxMessage
from triage.domain.questionnaire.questions import Questionnaire, questionnaire_for

RANGES = (30, 90, 365)  # days back from now the figures may cover


@dataclass(frozen=True)
class StepCount:
    """How many unfinished intakes stopped at one step (their furthest step with an answer)."""

    title: str
    count: int


@dataclass(frozen=True)
class VersionFigures:
    """One questionnaire version's funnel, where unfinished ones stopped, and the median time to complete."""

    version: str
    created: int
    sent: int
    opened: int
    started: int
    submitted: int
    not_started: int  # unfinished, with no answer at all
    stopped: tuple[StepCount, ...]
    median_minutes: float | None  # submitted_at - opened_at (created_at when never recorded as opened)


def _funnel(session: Session, since: dt.datetime) -> dict[str, tuple[int, int, int, int, int]]:
    sent = exists().where(
        OutboxMessage.intake_id == Intake.id, OutboxMessage.kind == "invitation", OutboxMessage.status == "sent"
    )
    answered = exists().where(Answer.intake_id == Intake.id)
    started = (Intake.status != "invited") | answered
    rows = session.execute(
        select(
            Intake.questionnaire_version,
            func.count(),
            func.sum(case((sent, 1), else_=0)),
            func.count(Invitation.opened_at),
            func.sum(case((started, 1), else_=0)),
            func.count(Intake.submitted_at),
        )
        .join(Invitation, Invitation.intake_id == Intake.id)
        .where(Intake.created_at >= since)
        .group_by(Intake.questionnaire_version)
    )
    return {str(v): (int(c), int(s or 0), int(o), int(st or 0), int(sub)) for v, c, s, o, st, sub in rows}


def _questionnaire(version: str) -> Questionnaire | None:
    try:
        return questionnaire_for(version)
    except KeyError:
        return None


def _stopped(session: Session, version: str, since: dt.datetime) -> tuple[int, tuple[StepCount, ...]]:
    """Unfinished intakes with answers, by their furthest step (one pass over answers grouped by intake)."""
    questionnaire = _questionnaire(version)
    steps_of = questionnaire.steps if questionnaire is not None else ()
    index = {q.id: i for i, step in enumerate(steps_of) for q in step.questions}
    if questionnaire is not None:
        index |= {qid: questionnaire.step_index(q.step) for qid, q in questionnaire.by_id.items() if qid not in index}
    step_of = case(index, value=Answer.question_id, else_=-1) if index else literal(-1)
    furthest = (
        select(func.max(step_of).label("step"))
        .select_from(Answer)
        .join(Intake, Intake.id == Answer.intake_id)
        .where(Intake.questionnaire_version == version, Intake.status.in_(OPEN_STATUSES), Intake.created_at >= since)
        .group_by(Answer.intake_id)
        .subquery()
    )
    rows = session.execute(select(furthest.c.step, func.count()).group_by(furthest.c.step)).all()
    counts: dict[int, int] = {int(step): int(n) for step, n in rows}
    unfinished = session.scalar(
        select(func.count())
        .select_from(Intake)
        .where(Intake.questionnaire_version == version, Intake.status.in_(OPEN_STATUSES), Intake.created_at >= since)
    )
    with_answers = sum(counts.values())
    steps = tuple(StepCount(step.title, int(counts.get(i, 0))) for i, step in enumerate(steps_of) if counts.get(i))
    return int(unfinished or 0) - with_answers, steps


def _median_minutes(session: Session, version: str, since: dt.datetime) -> float | None:
    rows = session.execute(
        select(Intake.submitted_at, func.coalesce(Invitation.opened_at, Intake.created_at))
        .join(Invitation, Invitation.intake_id == Intake.id)
        .where(Intake.questionnaire_version == version, Intake.submitted_at.is_not(None), Intake.created_at >= since)
    )
    minutes = [(as_utc(done) - as_utc(began)).total_seconds() / 60 for done, began in rows if done and began]
    return round(statistics.median(minutes), 1) if minutes else None


def completion_figures(session: Session, days: int, now: dt.datetime | None = None) -> list[VersionFigures]:
    """The figures of invitations created in the last `days` days, one entry per questionnaire version, newest first."""
    since = (now or utcnow()) - dt.timedelta(days=days)
    figures = []
    for version, (created, sent, opened, started, submitted) in sorted(_funnel(session, since).items(), reverse=True):
        not_started, stopped = _stopped(session, version, since)
        figures.append(
            VersionFigures(
                version=version,
                created=created,
                sent=sent,
                opened=opened,
                started=started,
                submitted=submitted,
                not_started=not_started,
                stopped=stopped,
                median_minutes=_median_minutes(session, version, since),
            )
        )
    return figures
