"""What the impact job reads and writes: the run it owns, the next batch of intakes, their answers, each batch's changes.

Every write names the owner token and a running status: a worker that lost the run (cancelled, or taken over after
its heartbeat ran out) stores nothing more, and learns so from the row count.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Text, and_, insert, or_, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.impact import answers_of, submitted_date
from triage.db.models import Answer, ImpactRun, ImpactRunChange, Intake
from triage.domain.engine.impact import PastIntake, PatientImpact
from triage.domain.engine.impact_batch import BatchResult, change_rows, changes_of

EVALUATED = ("submitted", "reviewed")


@dataclass(frozen=True)
class RunClaim:
    """A run this worker owns: what it counts and how far it had got."""

    id: int
    owner: str
    draft_id: int
    draft_sha256: str
    published_sha256: str
    sample: int | None
    max_intake_id: int
    cursor: int | None
    done: int
    total: int


def _count(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount


def claim_run(
    session: Session, run_id: int, owner: str, stale_after: dt.timedelta, now: dt.datetime | None = None
) -> RunClaim | None:
    """Own a waiting run, or a running one whose worker has not beaten its heartbeat for stale_after; None otherwise."""
    moment = now or utcnow()
    free = or_(
        ImpactRun.status == "queued",
        and_(ImpactRun.status == "running", or_(ImpactRun.heartbeat_at.is_(None), ImpactRun.heartbeat_at < moment - stale_after)),
    )
    taken = session.execute(
        update(ImpactRun)
        .where(ImpactRun.id == run_id, free)
        .values(owner=owner, status="running", heartbeat_at=moment)
        .execution_options(synchronize_session=False)
    )
    if _count(taken) != 1:
        return None
    row = session.get(ImpactRun, run_id, populate_existing=True)
    if row is None:
        return None
    if row.started_at is None:
        row.started_at = moment
    return RunClaim(
        row.id,
        owner,
        row.draft_id,
        row.draft_sha256,
        row.published_sha256,
        row.sample,
        row.max_intake_id,
        row.cursor,
        row.done,
        row.total,
    )


def run_status(session: Session, run_id: int) -> str:
    """The run's status now ("gone" when it was pruned)."""
    return session.scalar(select(ImpactRun.status).where(ImpactRun.id == run_id)) or "gone"


def next_batch(session: Session, claim: RunClaim, cursor: int | None, limit: int) -> list[PastIntake]:
    """The next submitted intakes of the run, newest (highest number) first, after `cursor`, none newer than the run."""
    query = select(Intake.id, Intake.questionnaire_version, Intake.submitted_at, Intake.created_at).where(
        Intake.status.in_(EVALUATED), Intake.id <= claim.max_intake_id
    )
    if cursor is not None:
        query = query.where(Intake.id < cursor)
    # Core rows, not ORM ones: a batch is thousands of plain tuples (the ORM's row handling cost more than the read).
    rows = session.connection().execute(query.order_by(Intake.id.desc()).limit(limit))
    return [PastIntake(i, version or "", submitted_date(submitted or created)) for i, version, submitted, created in rows]


def answers_in_range(session: Session, low: int, high: int, questions: Iterable[str]) -> dict[int, dict[str, Any]]:
    """These questions' answers of every intake numbered low..high (one range read on the question's index)."""
    query = select(Answer.intake_id, Answer.question_id, sql_cast(Answer.value, Text)).where(
        Answer.question_id.in_(sorted(set(questions))), Answer.intake_id.between(low, high)
    )
    found: dict[int, dict[str, Any]] = {}
    decoded: dict[str, Any] = {}  # answers repeat: each distinct JSON text is decoded once (values are only read)
    for intake_id, question_id, text in session.connection().execute(query):
        value = decoded.get(text, decoded)
        if value is decoded:
            value = decoded[text] = json.loads(text)
        found.setdefault(intake_id, {})[question_id] = value
    return found


@dataclass(frozen=True)
class BatchAnswers:
    """The answers of one batch: a range read for the screen's few questions, the full answers by id for candidates."""

    session: Session

    def answers(self, intake_ids: Sequence[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
        """Answers by intake (see triage.domain.engine.impact_run.AnswerSource)."""
        if intake_ids is None or questions is None or not intake_ids:
            return answers_of(self.session, intake_ids, questions)
        wanted = set(intake_ids)
        found = answers_in_range(self.session, min(wanted), max(wanted), questions)
        return {i: a for i, a in found.items() if i in wanted}


def store_batch(
    session: Session, claim: RunClaim, position: int, batch: Sequence[PastIntake], found: BatchResult, seconds: float
) -> bool:
    """Add a counted batch to the run (progress, heartbeat, its changes) if this worker still owns it; False if not."""
    moment = utcnow()
    moved = session.execute(
        update(ImpactRun)
        .where(ImpactRun.id == claim.id, ImpactRun.owner == claim.owner, ImpactRun.status == "running")
        .values(
            done=ImpactRun.done + len(batch),
            evaluated=ImpactRun.evaluated + found.evaluated,
            changed=ImpactRun.changed + len(found.changed),
            cursor=batch[-1].intake_id,
            heartbeat_at=moment,
            seconds=ImpactRun.seconds + seconds,
        )
        .execution_options(synchronize_session=False)
    )
    if _count(moved) != 1:
        return False
    places = {intake.intake_id: position + i for i, intake in enumerate(batch)}
    rows = [
        {"run_id": claim.id, "position": places[p.intake_id], "intake_id": p.intake_id, "changes": change_rows(p.changes)}
        for p in found.changed
    ]
    if rows:
        session.execute(insert(ImpactRunChange), rows)
    return True


def every_change(session: Session, run_id: int) -> list[PatientImpact]:
    """Every intake of the run that would read differently, in the run's order."""
    query = select(ImpactRunChange.intake_id, ImpactRunChange.changes).where(ImpactRunChange.run_id == run_id)
    return [PatientImpact(i, changes_of(c or [])) for i, c in session.execute(query.order_by(ImpactRunChange.position))]


def settle(session: Session, claim: RunClaim, status: str, summary: dict[str, Any] | None = None) -> bool:
    """End the run this worker owns as done (with its summary), outdated or failed; False when it was not its to end."""
    values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "heartbeat_at": utcnow()}
    if summary is not None:
        values |= {"summary": summary, "total": ImpactRun.done}
    ended = session.execute(
        update(ImpactRun)
        .where(ImpactRun.id == claim.id, ImpactRun.owner == claim.owner, ImpactRun.status == "running")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _count(ended) == 1


def release(session: Session, claim: RunClaim) -> bool:
    """Hand the run back to the queue where it stopped (a job that used its time slice); False when it was not ours."""
    handed = session.execute(
        update(ImpactRun)
        .where(ImpactRun.id == claim.id, ImpactRun.owner == claim.owner, ImpactRun.status == "running")
        .values(status="queued", owner="", heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return _count(handed) == 1


def evaluated_of(session: Session, run_id: int) -> int:
    """How many intakes of the run were evaluated with both versions, over every batch stored."""
    return int(session.scalar(select(ImpactRun.evaluated).where(ImpactRun.id == run_id)) or 0)
