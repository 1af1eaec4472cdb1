"""The impact job: count what a draft changes for past patients, batch by batch, storing progress and changes as it goes.

The job owns its run (triage.db.impact_job_rows) and after each batch stores the batch's changes, its progress and a
heartbeat in one transaction; between batches it sees a cancellation (its next write finds the run no longer its).
On the database queue a job counts for at most half a job lease, then hands the run back and queues its next slice,
so no lease runs out under a long count; on RQ the job's time limit slices it (RQ stops and retries it). A worker
killed mid-run leaves its heartbeat to grow old: the job's lease runs out, the job runs again and takes the run over
from the last stored batch (a run still beating is retried later).
The draft and the published version are checked by content hash: when either changed since the run was asked for,
the run ends as outdated (the page offers a new count).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.db import impact_job_rows as rows
from triage.db import rulesets
from triage.db.evaluations import ruleset_in_force, version_ruleset
from triage.db.models import RulesetVersion
from triage.db.session import Database
from triage.domain.engine.evaluate import Ruleset
from triage.domain.engine.impact import DraftReport
from triage.domain.engine.impact_batch import BatchCounter, summary
from triage.jobs.queue import DbJobQueue, JobContext, JobQueue, job_lease

log = logging.getLogger("triage.jobs.impact")

KIND = "impact_run"
BATCH = 5000  # intakes per batch: progress, heartbeat and cancellation are seen this often


class RunBusy(RuntimeError):
    """Another worker is counting the run and beating its heartbeat: this job is tried again later."""


def impact_key(run_id: int) -> str:
    """The job key of one impact run."""
    return f"{KIND}:{run_id}"


def enqueue_impact_run(queue: JobQueue, run_id: int) -> bool:
    """Ask for the run to be counted (a no-op while its job waits to start)."""
    return queue.enqueue(KIND, impact_key(run_id), {"run_id": run_id})


@dataclass(frozen=True)
class Pace:
    """How a job paces a run: intakes per batch, the time it may count, the heartbeat age that means a worker is gone."""

    stale_after: dt.timedelta
    budget_seconds: float = float("inf")
    batch: int = BATCH

    @classmethod
    def of_lease(cls, lease: dt.timedelta) -> Pace:
        """A slice of half the lease; a heartbeat a quarter of a lease old is a lost worker's (a batch takes far less)."""
        return cls(stale_after=lease / 4, budget_seconds=lease.total_seconds() / 2)


def _rulesets(db: Database, claim: rows.RunClaim) -> tuple[Ruleset, Ruleset] | None:
    """The run's published version and draft, or None when either is no longer the content the run was asked for."""
    with db.session() as session:
        published = ruleset_in_force(session)
        row = session.get(RulesetVersion, claim.draft_id)
        draft = version_ruleset(row) if row is not None and row.status == "draft" else None
        open_now = rulesets.open_draft(session)
    if draft is None or open_now is None or open_now.id != claim.draft_id:
        return None
    if draft.sha256 != claim.draft_sha256 or published.sha256 != claim.published_sha256:
        return None
    return published, draft


def run_impact(
    db: Database,
    run_id: int,
    pace: Pace,
    *,
    continue_later: Callable[[], object] | None = None,
    after_batch: Callable[[int], None] | None = None,
) -> str:
    """Count the run to its end, or for this job's slice; returns how it ended for this job (for logs and tests)."""
    with db.session() as session:
        claim = rows.claim_run(session, run_id, uuid.uuid4().hex, pace.stale_after)
        status = rows.run_status(session, run_id) if claim is None else "running"
    if claim is None:
        if status == "running":
            raise RunBusy(f"impact run {run_id}")
        return status  # done, cancelled, outdated or gone: nothing left to count
    pair = _rulesets(db, claim)
    if pair is None:
        with db.session() as session:
            rows.settle(session, claim, "outdated")
        return "outdated"
    counter, started = BatchCounter(*pair), time.monotonic()
    cursor, done = claim.cursor, claim.done
    while claim.sample is None or done < claim.sample:
        # At least one batch per slice, then hand over once the slice is used up.
        if continue_later is not None and done > claim.done and time.monotonic() - started > pace.budget_seconds:
            with db.session() as session:
                handed = rows.release(session, claim)
            if handed:
                continue_later()
            return "continued" if handed else _lost(db, run_id)
        begun = time.perf_counter()
        limit = pace.batch if claim.sample is None else min(pace.batch, claim.sample - done)
        with db.session() as session:
            intakes = rows.next_batch(session, claim, cursor, limit)
            if not intakes:
                break
            found = counter.count(intakes, rows.BatchAnswers(session))
            if not rows.store_batch(session, claim, done, intakes, found, time.perf_counter() - begun):
                session.rollback()
                return _lost(db, run_id)
        cursor, done = intakes[-1].intake_id, done + len(intakes)
        if after_batch is not None:
            after_batch(done)
    return _finish(db, claim, pair, done)


def _finish(db: Database, claim: rows.RunClaim, pair: tuple[Ruleset, Ruleset], done: int) -> str:
    with db.session() as session:
        changed = tuple(rows.every_change(session, claim.id))
        report = DraftReport(pair[0].version, pair[1].version, done, rows.evaluated_of(session, claim.id), changed)
        if not rows.settle(session, claim, "done", summary(report)):
            session.rollback()
            return _lost(db, claim.id)
    log.info("impact run %d done: %d intakes, %d would change", claim.id, done, len(changed))
    return "done"


def _lost(db: Database, run_id: int) -> str:
    with db.session() as session:
        status = rows.run_status(session, run_id)
    ended = "cancelled" if status == "cancelled" else "taken over"
    log.info("impact run %d stopped: %s", run_id, ended)
    return ended


def count_impact(context: JobContext, payload: Mapping[str, Any]) -> str:
    """The job: count one impact run, a slice of time at a time, the next slice queued when there is more to count."""
    run_id, lease = int(payload["run_id"]), job_lease(context.settings)
    if context.settings.REDIS_URL:
        # On RQ the job's time limit (a lease) slices the count: RQ stops it and retries, the retry goes on from the
        # last stored batch once the heartbeat is a quarter-lease old (a retry that finds it fresh waits for the next).
        return run_impact(context.db, run_id, Pace(stale_after=lease / 4))
    queue = DbJobQueue(context.db)
    return run_impact(context.db, run_id, Pace.of_lease(lease), continue_later=lambda: enqueue_impact_run(queue, run_id))
