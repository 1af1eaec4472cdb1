"""Impact runs in the database: find or start one for a draft and the data as it stands, its progress, cancel, prune.

A run is keyed by the draft's content hash, the published version's, the sample size and a data watermark (the
newest intake and evaluation ids and the number of submitted intakes, each read in constant time), so asking again
for the same draft over the same data finds the stored run rather than counting again. The worker running a run
owns it (a token) and beats its heartbeat after every batch; only the owner's writes count, so a run taken over after
its worker died, or cancelled, ignores whatever the old worker still tries to store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.models import Evaluation, ImpactRun, ImpactRunChange, Intake, IntakeStatusCount

EVALUATED = ("submitted", "reviewed")
LIVE = ("queued", "running", "done")  # a run in one of these answers a second request for the same draft and data
ACTIVE = ("queued", "running")
KEEP_DAYS = 30  # runs are pruned this long after they were asked for (the worker's daily prune_impact_runs)


@dataclass(frozen=True)
class RunInfo:
    """A run as the impact page shows it (plain data, no ORM object)."""

    id: int
    status: str
    draft_id: int
    draft_sha256: str
    draft_version: str
    published_sha256: str
    published_version: str
    sample: int | None
    total: int
    done: int
    evaluated: int
    changed: int
    seconds: float
    summary: dict[str, Any] | None
    stale: bool  # active, but its worker has not been heard of for longer than a job lease

    @property
    def percent(self) -> int:
        """How far the run has got, in whole percent."""
        return 100 if self.status == "done" else (100 * self.done // self.total if self.total else 0)


def submitted_count(session: Session) -> int:
    """How many intakes are submitted or reviewed, from the counts the triggers keep (no count over the history)."""
    found = session.scalar(select(func.sum(IntakeStatusCount.total)).where(IntakeStatusCount.status.in_(EVALUATED)))
    return int(found or 0)


def watermark(session: Session) -> tuple[str, int]:
    """The data a run reads, as it stands: (text for the run key, the newest intake id); each part an index look-up."""
    newest_intake = int(session.scalar(select(func.max(Intake.id))) or 0)
    newest_evaluation = int(session.scalar(select(func.max(Evaluation.id))) or 0)
    return f"i{newest_intake}.e{newest_evaluation}.n{submitted_count(session)}", newest_intake


def run_key(draft_sha256: str, published_sha256: str, sample: int | None, mark: str) -> str:
    """The key two requests share when they ask about the same draft content over the same data."""
    text = f"{draft_sha256}|{published_sha256}|{sample or 'all'}|{mark}"
    return hashlib.sha256(text.encode()).hexdigest()


def _info(row: ImpactRun, now: dt.datetime, stale_after: dt.timedelta) -> RunInfo:
    beat = as_utc(row.heartbeat_at or row.created_at)
    return RunInfo(
        row.id,
        row.status,
        row.draft_id,
        row.draft_sha256,
        row.draft_version,
        row.published_sha256,
        row.published_version,
        row.sample,
        row.total,
        row.done,
        row.evaluated,
        row.changed,
        row.seconds,
        dict(row.summary) if isinstance(row.summary, dict) else None,
        row.status in ACTIVE and beat < now - stale_after,
    )


def find_run(session: Session, key: str, stale_after: dt.timedelta, now: dt.datetime | None = None) -> RunInfo | None:
    """The newest run with this key that is waiting, running or done (not one cancelled, failed or outdated)."""
    row = session.scalars(
        select(ImpactRun).where(ImpactRun.run_key == key, ImpactRun.status.in_(LIVE)).order_by(ImpactRun.id.desc()).limit(1)
    ).first()
    return _info(row, now or utcnow(), stale_after) if row is not None else None


def get_run(session: Session, run_id: int, stale_after: dt.timedelta, now: dt.datetime | None = None) -> RunInfo | None:
    """A run by its id."""
    row = session.get(ImpactRun, run_id)
    return _info(row, now or utcnow(), stale_after) if row is not None else None


@dataclass(frozen=True)
class NewRun:
    """What a run counts: which draft and published version, over which intakes (all, or the newest `sample`)."""

    draft_id: int
    draft_sha256: str
    draft_version: str
    published_sha256: str
    published_version: str
    sample: int | None
    requested_by: str


def add_run(session: Session, new: NewRun) -> int:
    """A new queued run over the data as it stands now (the caller enqueues its job after the commit); its id."""
    mark, newest = watermark(session)
    count = submitted_count(session)
    row = ImpactRun(
        run_key=run_key(new.draft_sha256, new.published_sha256, new.sample, mark),
        draft_id=new.draft_id,
        draft_sha256=new.draft_sha256,
        draft_version=new.draft_version[:64],
        published_sha256=new.published_sha256,
        published_version=new.published_version[:64],
        sample=new.sample,
        watermark=mark,
        max_intake_id=newest,
        status="queued",
        total=min(count, new.sample) if new.sample else count,
        requested_by=new.requested_by[:200],
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row.id


def _rows(result: Any) -> int:
    return cast("CursorResult[Any]", result).rowcount


def cancel(session: Session, run_id: int, now: dt.datetime | None = None) -> bool:
    """Stop a waiting or running run (its job stops after the batch it is counting); False when it had ended."""
    done = session.execute(
        update(ImpactRun)
        .where(ImpactRun.id == run_id, ImpactRun.status.in_(ACTIVE))
        .values(status="cancelled", finished_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return _rows(done) == 1


def prune_impact_runs(session: Session, now: dt.datetime, _settings: object = None) -> int:
    """Delete runs asked for more than KEEP_DAYS ago, with their changes (a periodic job of `triage worker`)."""
    old = [r for r in session.scalars(select(ImpactRun.id).where(ImpactRun.created_at < now - dt.timedelta(days=KEEP_DAYS)))]
    for start in range(0, len(old), 500):
        chunk = old[start : start + 500]
        session.execute(delete(ImpactRunChange).where(ImpactRunChange.run_id.in_(chunk)))
        session.execute(delete(ImpactRun).where(ImpactRun.id.in_(chunk)))
    return len(old)


def changed_page(session: Session, run_id: int, limit: int) -> list[tuple[int, list[Any]]]:
    """The first intakes of a run that would read differently, in the run's order: (intake id, stored changes)."""
    query = (
        select(ImpactRunChange.intake_id, ImpactRunChange.changes)
        .where(ImpactRunChange.run_id == run_id)
        .order_by(ImpactRunChange.position)
        .limit(limit)
    )
    return [(intake_id, list(changes or [])) for intake_id, changes in session.execute(query)]


def active_for_draft(session: Session, draft_id: int) -> list[int]:
    """Runs of this draft still waiting or running (the page offers to cancel them)."""
    query = select(ImpactRun.id).where(ImpactRun.draft_id == draft_id, or_(*(ImpactRun.status == s for s in ACTIVE)))
    return list(session.scalars(query.order_by(ImpactRun.id.desc())))
