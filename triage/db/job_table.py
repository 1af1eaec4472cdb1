"""The embedded job queue in the database: enqueue, lease, settle, and the failed jobs for the admins' page.

The claim works as the outbox's does (triage.db.outbox): on PostgreSQL the oldest due job is read with FOR UPDATE SKIP
LOCKED, and on both databases the lease is a conditional UPDATE whose row count says which worker won. A worker killed
mid-job leaves its lease to run out; the job is then due again and another worker runs it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, minute_text, utcnow
from triage.db.models import BackgroundJob


@dataclass(frozen=True)
class JobClaim:
    """A job this worker holds the lease on, until `locked_until`."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    locked_until: dt.datetime


@dataclass(frozen=True)
class FailedJob:
    """A job that failed for good, as an admin sees it: what kind, how often tried, the error's class, when."""

    id: str
    kind: str
    attempts: int
    error: str
    failed: str


def _waiting(key: str, now: dt.datetime) -> ColumnElement[bool]:
    # Queued and not leased: a job that is running (leased) has perhaps read the old state already.
    return and_(
        BackgroundJob.job_key == key,
        BackgroundJob.status == "queued",
        or_(BackgroundJob.locked_until.is_(None), BackgroundJob.locked_until < now),
    )


def enqueue(session: Session, kind: str, key: str, payload: dict[str, Any], now: dt.datetime | None = None) -> bool:
    """Add a job in the caller's transaction unless one with this key waits to start; True when one was added."""
    moment = now or utcnow()
    if session.scalar(select(BackgroundJob.id).where(_waiting(key, moment)).limit(1)) is not None:
        return False
    session.add(BackgroundJob(kind=kind, job_key=key, payload=payload, status="queued", attempts=0, due_at=moment))
    session.flush()
    return True


def state(session: Session, key: str, now: dt.datetime | None = None) -> str | None:
    """The newest job with this key: "queued" (waiting, or retrying later), "running", "failed", or None (none left)."""
    row = session.scalars(
        select(BackgroundJob).where(BackgroundJob.job_key == key).order_by(BackgroundJob.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    if row.status == "failed":
        return "failed"
    leased = row.locked_until is not None and as_utc(row.locked_until) > (now or utcnow())
    return "running" if leased else "queued"


def _take(session: Session, job_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    result = session.execute(
        update(BackgroundJob)
        .where(
            BackgroundJob.id == job_id,
            BackgroundJob.status == "queued",
            or_(BackgroundJob.locked_until.is_(None), BackgroundJob.locked_until < now),
        )
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def claim_next(session: Session, now: dt.datetime, lease: dt.timedelta) -> JobClaim | None:
    """Lease the oldest due job until now + lease; None when nothing is due. The caller commits."""
    due = and_(
        BackgroundJob.status == "queued",
        BackgroundJob.due_at <= now,
        or_(BackgroundJob.locked_until.is_(None), BackgroundJob.locked_until < now),
    )
    oldest = select(BackgroundJob.id).where(due).order_by(BackgroundJob.due_at, BackgroundJob.id)
    if session.get_bind().dialect.name == "postgresql":
        candidates = list(session.scalars(oldest.limit(1).with_for_update(skip_locked=True)))
    else:
        # SQLite has one writer at a time; a few candidates let a worker step past one a rival just took.
        candidates = list(session.scalars(oldest.limit(8)))
    until = now + lease
    for job_id in candidates:
        if _take(session, job_id, now, until):
            row = session.get(BackgroundJob, job_id, populate_existing=True)
            if row is None:
                return None
            return JobClaim(row.id, row.kind, dict(row.payload or {}), row.attempts, until)
    return None


def _held(claim: JobClaim) -> ColumnElement[bool]:
    # Only the lease holder settles the row: a worker whose lease ran out (and was re-claimed) changes nothing.
    return and_(BackgroundJob.id == claim.id, BackgroundJob.status == "queued", BackgroundJob.locked_until == claim.locked_until)


def mark_done(session: Session, claim: JobClaim) -> bool:
    """Remove the finished job (nothing about it is worth keeping); False when the lease was lost."""
    result = session.execute(delete(BackgroundJob).where(_held(claim)).execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def _settle(session: Session, claim: JobClaim, **values: Any) -> bool:
    result = session.execute(
        update(BackgroundJob)
        .where(_held(claim))
        .values(attempts=BackgroundJob.attempts + 1, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def mark_retry(session: Session, claim: JobClaim, error: str, due_at: dt.datetime) -> bool:
    """Record a failed try: the job stays queued, due again at due_at, with the error's class."""
    return _settle(session, claim, last_error=error[:200], due_at=due_at)


def mark_failed(session: Session, claim: JobClaim, error: str, now: dt.datetime) -> bool:
    """Record that the job will not be tried again, with the error's class."""
    return _settle(session, claim, status="failed", last_error=error[:200], finished_at=now)


def failed_jobs(session: Session, limit: int) -> list[FailedJob]:
    """The newest jobs that failed for good, newest first."""
    rows = session.scalars(
        select(BackgroundJob).where(BackgroundJob.status == "failed").order_by(BackgroundJob.id.desc()).limit(limit)
    )
    return [FailedJob(str(r.id), r.kind, r.attempts, r.last_error, minute_text(r.finished_at)) for r in rows]
