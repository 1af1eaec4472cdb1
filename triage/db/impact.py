"""Named queries the rules editor's impact and feedback views read, and the impact of a draft on past submitted intakes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.evaluations import ruleset_in_force
from triage.db.intakes import load_answers
from triage.db.models import Answer, DifferentialFeedback, Evaluation, Intake
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.impact import Compared, DraftReport, PastIntake, compare_answers, draft_impact
from triage.domain.report.feedback_reasons import reason_label

EVALUATED = ("submitted", "reviewed")


def submitted_date(value: Any) -> dt.date:
    """The UTC date of a stored time (a datetime, or ISO text as SQLite may hand it back); today when there is none."""
    if isinstance(value, dt.datetime):
        return as_utc(value).astimezone(dt.UTC).date()
    return dt.date.fromisoformat(str(value)[:10]) if value else utcnow().date()


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
    """Every clinician verdict on a differential with the rules that fired in the evaluation it was given on.

    A disagreement's reason reads as the rule editors see it: its coded reason (a CDS Hooks override reason), the
    ruleset version it was given on, and the clinician's note, e.g. "Not relevant for this patient (ruleset 2026.1):
    stool culture pending"; feedback stored before reason codes keeps its note alone.
    """
    query = (
        select(
            DifferentialFeedback.differential_id,
            DifferentialFeedback.agrees,
            DifferentialFeedback.reason,
            DifferentialFeedback.reason_code,
            Evaluation.ruleset_version,
            Evaluation.fired_rules,
        )
        .join(Evaluation, Evaluation.id == DifferentialFeedback.evaluation_id)
        .order_by(DifferentialFeedback.id.desc())
    )
    return [
        (d, bool(agrees), _coded_reason(code, version, reason or ""), list(fired or ()))
        for d, agrees, reason, code, version, fired in session.execute(query)
    ]


def _coded_reason(code: str | None, version: str, note: str) -> str:
    if not code:
        return note
    coded = f"{reason_label(code, agrees=False)} (ruleset {version})"
    return f"{coded}: {note}" if note else coded


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


def submitted_count(session: Session) -> int:
    """How many intakes have been submitted (and so evaluated)."""
    return int(session.scalar(select(func.count(Intake.id)).where(Intake.status.in_(EVALUATED))) or 0)


def past_intakes(session: Session, last: int | None = None) -> list[PastIntake]:
    """Every submitted intake (or the last N submitted), newest first, with its questionnaire and submission date.

    The date is the one re-evaluation uses: the submission time (or the creation time) as a UTC date.
    """
    query = (
        select(Intake.id, Intake.questionnaire_version, Intake.submitted_at, Intake.created_at)
        .where(Intake.status.in_(EVALUATED))
        .order_by(Intake.submitted_at.desc(), Intake.id.desc())
    )
    if last:
        query = query.limit(last)
    return [
        PastIntake(intake_id, version or "", submitted_date(submitted or created))
        for intake_id, version, submitted, created in session.execute(query)
    ]


@dataclass(frozen=True)
class _StoredAnswers:
    """The stored answers of one session, read on demand by the impact."""

    session: Session

    def answers(self, intake_ids: Sequence[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
        """Answers by intake (see answers_of)."""
        return answers_of(self.session, intake_ids, questions)


def compute_impact(session: Session, draft: Ruleset, last: int | None = None, published: Ruleset | None = None) -> DraftReport:
    """What the draft changes for every submitted intake (or the last N), against the version now published."""
    intakes = past_intakes(session, last)
    base = published if published is not None else ruleset_in_force(session)
    return draft_impact(base, draft, intakes, _StoredAnswers(session), every_submitted=not last)


@dataclass(frozen=True)
class CaseImpact:
    """One submitted intake evaluated with the published version and the draft, and the version of its stored result."""

    intake_id: int
    ref: str
    stored_version: str
    compared: Compared


def case_impact(session: Session, published: Ruleset, draft: Ruleset, intake_id: int) -> CaseImpact | None:
    """One submitted intake's answers evaluated with the published version and with the draft (None when not submitted)."""
    intake = session.get(Intake, intake_id)
    if intake is None or intake.status not in EVALUATED:
        return None
    stored = newest_evaluation(session, intake_id)
    past = PastIntake(intake_id, intake.questionnaire_version or "", submitted_date(intake.submitted_at or intake.created_at))
    compared = compare_answers(published, draft, load_answers(session, intake_id), past)
    return CaseImpact(intake_id, intake.ref, stored.ruleset_version if stored else "", compared)
