"""The outbox worker: each round runs the periodic jobs, sends each due message once, then runs the due background jobs.

Messages are retried with backoff; background jobs are those of the database queue (no REDIS_URL, triage.jobs.runner).
With REDIS_URL set, a round hands the due messages to the RQ queue instead, one job each (triage.jobs.outbox_jobs).

Log lines written while a job runs carry its name; those written while a message is sent carry the message's id and
the id of the web request that queued it (kept in the message's details), so one request can be followed to its mail.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import ops, outbox
from triage.db.clock import utcnow
from triage.db.session import Database
from triage.jobs import log_context
from triage.jobs.delivery import CHANNELS, Sender, note_waiting, origin_request_id, send_lease
from triage.jobs.outbox_jobs import JobPusher, hand_over_due
from triage.jobs.queue import JobContext
from triage.jobs.runner import DbJobRunner
from triage.jobs.transport import Transport

log = logging.getLogger("triage.jobs.worker")

# A periodic job: given a session (committed after it returns), the round's time and the settings; returns a count.
Job = Callable[[Session, dt.datetime, Settings], int]
# In the loop a round ends after this many messages, so that escalations still run while a large backlog drains.
ROUND_LIMIT = 500
BACKGROUND_LIMIT = 20  # background jobs a round runs at most before it sends the messages due again


@dataclass
class RoundReport:
    """What one round did: messages sent, retried later, failed for good, left waiting; each job's count."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0
    jobs: dict[str, int] = field(default_factory=dict)
    cancelled: int = 0  # patient messages no longer to send (triage.jobs.patient_messages)
    held: int = 0  # patient messages handed back until the quiet hours end
    handed: int = 0  # on RQ: messages handed to the queue as jobs (triage.jobs.outbox_jobs)

    def count(self, outcome: str) -> None:
        """Count one message's outcome (triage.jobs.delivery.OUTCOMES)."""
        if outcome == "retry":
            self.retried += 1
        elif outcome in ("sent", "failed", "cancelled", "held"):
            setattr(self, outcome, getattr(self, outcome) + 1)

    def summary(self) -> str:
        """One line for the command line."""
        jobs = "".join(f", {name} {count}" for name, count in self.jobs.items())
        counted = (("cancelled", self.cancelled), ("held", self.held), ("handed to RQ", self.handed))
        patient = "".join(f", {name} {count}" for name, count in counted if count)
        return f"sent {self.sent}, retried {self.retried}, failed {self.failed}, waiting {self.waiting}{patient}{jobs}"


def job_name(job: Job) -> str:
    """A job's name for reports and logs (its function name)."""
    return getattr(job, "__name__", type(job).__name__)


class OutboxWorker:
    """Drains the outbox of one database through the given transports (by channel) and runs the periodic jobs."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        transports: Mapping[str, Transport],
        jobs: Sequence[Job] = (),
        rng: random.Random | None = None,
        background_jobs: bool = False,
        hand_to: JobPusher | None = None,
    ) -> None:
        self.db = db
        # On RQ (REDIS_URL): the due messages go to this queue as one job each (triage.jobs.outbox_jobs) instead.
        self.hand_to = hand_to
        self.settings = settings
        self.transports = dict(transports)
        self.jobs = list(jobs)
        self.rng = rng or random.Random()
        self.stopping = threading.Event()
        # The database job queue (no REDIS_URL): its due jobs run after the messages, so that no render delays an alert.
        context = JobContext(db, settings)
        self.background = DbJobRunner(context, rng=self.rng, stopping=self.stopping) if background_jobs else None
        self.lease = send_lease(settings)
        self.sender = Sender(db, settings, self.transports, self.rng)

    def stop(self) -> None:
        """Ask the worker to stop after the message it is sending (safe from a signal handler or another thread)."""
        self.stopping.set()

    def run_jobs(self, now: dt.datetime) -> dict[str, int]:
        """Run each periodic job in its own transaction; a failing job is logged and rolled back, the others still run."""
        counts: dict[str, int] = {}
        for job in self.jobs:
            name = job_name(job)
            with log_context.bound(job=name):
                try:
                    with self.db.session() as session:
                        counts[name] = job(session, now, self.settings)
                except Exception as error:  # a broken job must not stop the delivery of alerts
                    log.error("job %s failed: %s", name, type(error).__name__)
                    counts[name] = -1
        return counts

    def deliver_due(self, now: dt.datetime | None = None, limit: int | None = None) -> RoundReport:
        """Send the messages due at `now` (default: the clock, read before each claim), up to `limit` of them."""
        report = RoundReport()
        with self.db.session() as session:
            report.waiting += note_waiting(session, self.transports, now or utcnow())
        channels = tuple(c for c in CHANNELS if c in self.transports)
        while not self.stopping.is_set() and (limit is None or report.sent + report.retried + report.failed < limit):
            moment = now or utcnow()
            with self.db.session() as session:
                claim = outbox.claim_next(session, moment, self.lease, channels)
                origin = origin_request_id(session, claim.id) if claim is not None else None
            if claim is None:
                break
            report.count(self.sender.send(claim, moment, origin))
        return report

    def hand_over_due(self, now: dt.datetime | None = None) -> RoundReport:
        """Hand the messages due at `now` to the RQ queue, one job each (any worker's RQ side sends them)."""
        report = RoundReport()
        moment = now or utcnow()
        with self.db.session() as session:
            report.waiting += note_waiting(session, self.transports, moment)
        if self.hand_to is not None:
            report.handed = hand_over_due(self.db, self.hand_to, self.transports, self.lease, moment)
        return report

    def run_round(self, now: dt.datetime | None = None, limit: int | None = None) -> RoundReport:
        """One round: the heartbeat (read by /readyz), the periodic jobs (they may enqueue messages), then the due messages."""
        with self.db.session() as session:
            ops.record_heartbeat(session, now or utcnow())
        jobs = self.run_jobs(now or utcnow())
        report = self.hand_over_due(now) if self.hand_to is not None else self.deliver_due(now, limit)
        if self.background is not None:
            jobs["background_jobs"] = self.background.run_due(limit=BACKGROUND_LIMIT).done
        report.jobs = jobs
        return report

    def run_forever(self, poll_seconds: float = 1.0, on_round: Callable[[RoundReport], None] | None = None) -> None:
        """Run rounds until stop() is called; between rounds wait poll_seconds, waking early to stop."""
        while not self.stopping.is_set():
            try:
                report = self.run_round(limit=ROUND_LIMIT)
            except Exception as error:  # the database is down or restarting: wait and try again, keep running
                log.error("round failed: %s; trying again in %g s", type(error).__name__, poll_seconds)
            else:
                if on_round is not None:
                    on_round(report)
            deadline = time.monotonic() + poll_seconds
            # Short sleeps rather than Event.wait: a signal handler that calls stop() then never meets a held lock.
            while not self.stopping.is_set() and time.monotonic() < deadline:
                time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
