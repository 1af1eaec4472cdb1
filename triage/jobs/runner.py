"""Running background jobs: the handler for each kind, and the database queue's runner that `triage worker` calls.

A job that raises is tried again after a backoff (triage.jobs.backoff, from 5 s doubling to 5 minutes), up to
MAX_ATTEMPTS tries, then marked failed with its error's class for the admins' page. A worker killed mid-job holds a
lease that runs out (triage.jobs.queue.job_lease); the job is then due again and the next round of any worker runs it.
Jobs are idempotent (the letter PDF job checks for a current stored PDF first), so a re-run changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triage.db import job_table
from triage.db.clock import utcnow
from triage.jobs import log_context
from triage.jobs.backoff import retry_delay
from triage.jobs.ehr_send import KIND as EHR_SEND
from triage.jobs.ehr_send import send_intake
from triage.jobs.impact_run import KIND as IMPACT_RUN
from triage.jobs.impact_run import count_impact
from triage.jobs.letter_pdf import KIND as LETTER_PDF
from triage.jobs.letter_pdf import render_letter_pdf
from triage.jobs.outbox_jobs import KIND as OUTBOX_SEND
from triage.jobs.outbox_jobs import send_message
from triage.jobs.queue import BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS, MAX_ATTEMPTS, Handler, JobContext, job_lease

log = logging.getLogger("triage.jobs.runner")

HANDLERS: dict[str, Handler] = {
    LETTER_PDF: render_letter_pdf,
    EHR_SEND: send_intake,
    IMPACT_RUN: count_impact,
    OUTBOX_SEND: send_message,  # on RQ only: without Redis the worker's loop sends the outbox itself
}


class UnknownJob(LookupError):
    """A job of a kind this version of the app does not know (queued by a newer one)."""


def run_job(context: JobContext, kind: str, payload: Mapping[str, Any]) -> object:
    """Run one job with its kind's handler (both queues call this)."""
    handler = HANDLERS.get(kind)
    if handler is None:
        raise UnknownJob(kind)
    with log_context.bound(job=kind):
        return handler(context, payload)


@dataclass
class JobsReport:
    """What one pass over the database queue did."""

    done: int = 0
    retried: int = 0
    failed: int = 0


class DbJobRunner:
    """Runs the database queue's due jobs, one at a time, each under a lease."""

    def __init__(self, context: JobContext, *, rng: random.Random | None = None, stopping: threading.Event | None = None):
        self.context = context
        self.rng = rng or random.Random()
        self.stopping = stopping or threading.Event()
        self.lease = job_lease(context.settings)

    def run_due(self, now: dt.datetime | None = None, limit: int | None = None) -> JobsReport:
        """Run the jobs due at `now` (default: the clock, read before each claim), up to `limit` of them."""
        report = JobsReport()
        while not self.stopping.is_set() and (limit is None or report.done + report.retried + report.failed < limit):
            moment = now or utcnow()
            with self.context.db.session() as session:
                claim = job_table.claim_next(session, moment, self.lease)
            if claim is None:
                break
            self._run(claim, moment, report)
        return report

    def _run(self, claim: job_table.JobClaim, now: dt.datetime, report: JobsReport) -> None:
        error: str | None = None
        try:
            run_job(self.context, claim.kind, claim.payload)
        except Exception as failure:  # any failure is retried with backoff; its class only is kept (no health data)
            error = type(failure).__name__
        with self.context.db.session() as session:
            if error is None:
                settled = job_table.mark_done(session, claim)
                report.done += 1
            elif error == UnknownJob.__name__ or claim.attempts + 1 >= MAX_ATTEMPTS:
                settled = job_table.mark_failed(session, claim, error, now)
                report.failed += 1
            else:
                delay = retry_delay(claim.attempts + 1, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS, rng=self.rng)
                settled = job_table.mark_retry(session, claim, error, now + delay)
                report.retried += 1
        outcome = "done" if error is None else f"failed ({error})"
        if settled:
            log.info("job %d %s %s (attempt %d)", claim.id, claim.kind, outcome, claim.attempts + 1)
        else:
            log.warning("job %d: lease ran out before it was settled (%s)", claim.id, outcome)
