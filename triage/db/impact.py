"""Named queries the rules editor's impact and feedback views read, and the impact of a draft over every stored result."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Text, cast, func, select
from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.evaluations import version_ruleset
from triage.db.intakes import load_answers
from triage.db.models import Answer, DifferentialFeedback, Evaluation, Intake
from triage.db.rulesets import published_by_sha
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.impact import ImpactReport
from triage.domain.engine.what_if import StoredRow, what_if
from triage.domain.questionnaire.questions import Answer as AnswerValue

EVALUATED = ("submitted", "reviewed")


def submitted_date(value: Any) -> dt.date:
    """The UTC date of a submission time as newest_evaluations returns it (text on SQLite, a datetime on PostgreSQL)."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return dt.date.fromisoformat(str(value)[:10]) if value else utcnow().date()


def newest_evaluations(session: Session, last: int | None = None) -> list[StoredRow]:
    """The newest evaluation of every submitted intake (or of the last N submitted), newest intake first, as plain tuples.

    The fired rules come back as JSON text, so that rows a change cannot touch are never parsed. The
    intake's date is its submission time (UTC), as re-evaluation uses it; stored results are not read.
    """
    newest = select(func.max(Evaluation.id).label("id")).group_by(Evaluation.intake_id).subquery()
    sqlite = session.get_bind().dialect.name == "sqlite"
    submitted = cast(Intake.submitted_at, String) if sqlite else Intake.submitted_at
    query = (
        select(Evaluation.intake_id, Evaluation.id, Evaluation.ruleset_sha256, cast(Evaluation.fired_rules, Text), submitted)
        .join(newest, newest.c.id == Evaluation.id)
        .join(Intake, Intake.id == Evaluation.intake_id)
        .where(Intake.status.in_(EVALUATED))
        .order_by(Intake.submitted_at.desc(), Intake.id.desc())
    )
    if last:
        query = query.limit(last)
    return [tuple(row) for row in session.connection().execute(query)]  # type: ignore[misc]


IN_CHUNK = 900  # bound parameters per query: below SQLite's oldest limit (999)


def _chunks(ids: Iterable[int] | None) -> list[list[int] | None]:
    if ids is None:
        return [None]
    ordered = sorted(set(ids))
    return [ordered[i : i + IN_CHUNK] for i in range(0, len(ordered), IN_CHUNK)]


def answers_of(session: Session, intake_ids: Iterable[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
    """Stored answers by intake, reading only these questions (all when None) of these intakes (all submitted when None)."""
    found: dict[int, dict[str, Any]] = {}
    # Answers repeat (choices, small numbers): each distinct JSON text is decoded once. Values are only read.
    decoded: dict[str, Any] = {}
    for chunk in _chunks(intake_ids):
        query = select(Answer.intake_id, Answer.question_id, cast(Answer.value, Text))
        if questions is not None:
            query = query.where(Answer.question_id.in_(sorted(set(questions))))
        if chunk is not None:
            query = query.where(Answer.intake_id.in_(chunk))
        else:
            query = query.join(Intake, Intake.id == Answer.intake_id).where(Intake.status.in_(EVALUATED))
        for intake_id, question_id, text in session.connection().execute(query):
            value = decoded.get(text, decoded)
            if value is decoded:
                value = decoded[text] = json.loads(text)
            found.setdefault(intake_id, {})[question_id] = value
    return found


def stored_results(session: Session, evaluation_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Stored results by evaluation id."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(evaluation_ids):
        found.update(
            {
                eid: dict(result)
                for eid, result in session.execute(select(Evaluation.id, Evaluation.result).where(Evaluation.id.in_(chunk or [])))
            }
        )
    return found


def newest_evaluation(session: Session, intake_id: int) -> Evaluation | None:
    """The newest stored evaluation of a submitted intake."""
    return session.scalar(
        select(Evaluation)
        .join(Intake, Intake.id == Evaluation.intake_id)
        .where(Evaluation.intake_id == intake_id, Intake.status.in_(EVALUATED))
        .order_by(Evaluation.id.desc())
        .limit(1)
    )


def feedback_with_fired(session: Session) -> list[tuple[str, bool, str, list[str]]]:
    """Every clinician verdict on a differential with the rules that fired in the evaluation it was given on."""
    query = (
        select(
            DifferentialFeedback.differential_id, DifferentialFeedback.agrees, DifferentialFeedback.reason, Evaluation.fired_rules
        )
        .join(Evaluation, Evaluation.id == DifferentialFeedback.evaluation_id)
        .order_by(DifferentialFeedback.id.desc())
    )
    return [(d, bool(agrees), reason or "", list(fired or ())) for d, agrees, reason, fired in session.execute(query)]


def intake_refs(session: Session, intake_ids: Iterable[int]) -> dict[int, str]:
    """The reference of each of these intakes."""
    found: dict[int, str] = {}
    for chunk in _chunks(intake_ids):
        found.update(
            {
                intake_id: ref
                for intake_id, ref in session.execute(select(Intake.id, Intake.ref).where(Intake.id.in_(chunk or [])))
            }
        )
    return found


@dataclass(frozen=True)
class StoredCase:
    """One submitted intake as the impact case view reads it: its reference, answers and newest stored result."""

    intake_id: int
    ref: str
    ruleset_version: str
    result: dict[str, Any]
    answers: dict[str, AnswerValue]


def stored_case(session: Session, intake_id: int) -> StoredCase | None:
    """A submitted intake's newest stored result with its answers (None when it has none)."""
    evaluation = newest_evaluation(session, intake_id)
    if evaluation is None:
        return None
    intake = session.get(Intake, intake_id)
    return StoredCase(
        intake_id,
        intake.ref if intake else "",
        evaluation.ruleset_version,
        dict(evaluation.result),
        load_answers(session, intake_id),
    )


@dataclass(frozen=True)
class _StoredData:
    """The stored answers and results of one session, read on demand by the what-if."""

    session: Session

    def answers(self, intake_ids: Sequence[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
        """Answers by intake (see answers_of)."""
        return answers_of(self.session, intake_ids, questions)

    def results(self, evaluation_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Stored results by evaluation id."""
        return stored_results(self.session, evaluation_ids)

    def submitted_on(self, submitted: Any) -> dt.date:
        """The UTC date of a submission time as newest_evaluations returns it."""
        return submitted_date(submitted)


def compute_impact(session: Session, draft: Ruleset, last: int | None = None) -> ImpactReport:
    """Compare the draft with every submitted intake's newest stored result (or the last N submitted)."""
    started = time.perf_counter()
    rows = newest_evaluations(session, last)
    versions = published_by_sha(session, {row[2] for row in rows})
    bases = {sha: version_ruleset(version) for sha, version in versions.items()}
    changed = what_if(draft, rows, bases, _StoredData(session), every_submitted=not last, today=dt.date.today())
    return ImpactReport(len(rows), tuple(changed), time.perf_counter() - started)
