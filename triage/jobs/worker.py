"""The outbox worker: each round runs the periodic jobs, sends each due message once, then runs the due background jobs.

Messages are retried with backoff; background jobs are those of the database queue (no REDIS_URL, triage.jobs.runner).

Log lines written while a job runs carry its name; those written while a message is sent carry the message's id and
the id of the web request that queued it (kept in the message's details), so one request can be followed to its mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
from triage.db.invitation_outbox import PATIENT_KINDS
from triage.db.models import OutboxMessage
from triage.db.session import Database
from triage.jobs import log_context, patient_messages
from triage.jobs.backoff import retry_delay
from triage.jobs.mail import NOT_CONFIGURED
from triage.jobs.queue import JobContext
from triage.jobs.runner import DbJobRunner
from triage.jobs.sms import NOT_CONFIGURED as SMS_NOT_CONFIGURED
from triage.jobs.transport import DeliveryError, Outgoing, Transport

log = logging.getLogger("triage.jobs.worker")

# A periodic job: given a session (committed after it returns), the round's time and the settings; returns a count.
Job = Callable[[Session, dt.datetime, Settings], int]
CHANNELS = ("email", "sms")
WAITING_REASONS = {"email": NOT_CONFIGURED, "sms": SMS_NOT_CONFIGURED}
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

    def summary(self) -> str:
        """One line for the command line."""
        jobs = "".join(f", {name} {count}" for name, count in self.jobs.items())
        patient = "".join(f", {name} {count}" for name, count in (("cancelled", self.cancelled), ("held", self.held)) if count)
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
    ) -> None:
        self.db = db
        self.settings = settings
        self.transports = dict(transports)
        self.jobs = list(jobs)
        self.rng = rng or random.Random()
        self.stopping = threading.Event()
        # The database job queue (no REDIS_URL): its due jobs run after the messages, so that no render delays an alert.
        context = JobContext(db, settings)
        self.background = DbJobRunner(context, rng=self.rng, stopping=self.stopping) if background_jobs else None
        # The lease must outlast a whole send (connect, TLS, login, data: each may take the timeout) or another
        # worker would take the message while it is still being sent.
        self.lease = dt.timedelta(seconds=max(60.0, 4 * settings.SMTP_TIMEOUT_SECONDS))

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
            for channel in CHANNELS:
                if channel not in self.transports:
                    reason = WAITING_REASONS.get(channel, f"no {channel} transport configured")
                    report.waiting += outbox.note_waiting(session, channel, reason, now or utcnow())
        channels = tuple(c for c in CHANNELS if c in self.transports)
        while not self.stopping.is_set() and (limit is None or report.sent + report.retried + report.failed < limit):
            moment = now or utcnow()
            with self.db.session() as session:
                claim = outbox.claim_next(session, moment, self.lease, channels)
                origin = _origin_request_id(session, claim.id) if claim is not None else None
            if claim is None:
                break
            with log_context.bound(outbox_message=claim.id, request_id=origin):
                self._deliver(claim, moment, report)
        return report

    def _deliver(self, claim: outbox.Claim, now: dt.datetime, report: RoundReport) -> None:
        error: DeliveryError | None = None
        headers: tuple[tuple[str, str], ...] = ()
        if claim.kind in PATIENT_KINDS:  # composed now with new links, or cancelled, or held for the quiet hours
            prepared = patient_messages.prepare(self.db, claim, self.settings, now)
            if prepared.claim is None:
                report.cancelled += prepared.outcome == "cancelled"
                report.held += prepared.outcome == "held"
                log.info("outbox message %d %s", claim.id, prepared.outcome)
                return
            claim, headers, error = prepared.claim, prepared.headers, prepared.error
        key = _message_key(claim.dedupe_key)
        message = Outgoing(claim.id, claim.kind, claim.channel, claim.recipient, claim.subject, claim.body, key, headers)
        try:
            if error is None:
                self.transports[claim.channel].send(message)
        except DeliveryError as refused:
            error = refused
        except Exception as unexpected:  # a transport bug: retried like a failure, so the lease is not left to run out
            error = DeliveryError(f"unexpected {type(unexpected).__name__} while sending")
        with self.db.session() as session:
            if error is None:
                settled = outbox.mark_sent(session, claim, now)
                report.sent += 1
                status = "sent"
            elif error.permanent or claim.attempts + 1 >= self.settings.OUTBOX_MAX_ATTEMPTS:
                settled = outbox.mark_failed(session, claim, error.reason)
                report.failed += 1
                status = "failed"
            else:
                due = now + retry_delay(claim.attempts + 1, rng=self.rng)
                settled = outbox.mark_retry(session, claim, error.reason, due)
                report.retried += 1
                status = "retry"
        # Message id and status only: the recipient, subject and body stay out of the log.
        if settled:
            log.info("outbox message %d %s (attempt %d)", claim.id, status, claim.attempts + 1)
        else:
            log.warning("outbox message %d: lease ran out before it was settled (%s)", claim.id, status)

    def run_round(self, now: dt.datetime | None = None, limit: int | None = None) -> RoundReport:
        """One round: the heartbeat (read by /readyz), the periodic jobs (they may enqueue messages), then the due messages."""
        with self.db.session() as session:
            ops.record_heartbeat(session, now or utcnow())
        jobs = self.run_jobs(now or utcnow())
        report = self.deliver_due(now, limit)
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


def _origin_request_id(session: Session, message_id: int) -> str | None:
    """The id of the web request that queued the message, for its log lines (the claim has just loaded the row)."""
    row = session.get(OutboxMessage, message_id)
    details = row.details if row is not None and isinstance(row.details, dict) else {}
    return log_context.safe_request_id(details.get("request_id"))


def _message_key(dedupe_key: str) -> str:
    # A digest, not the key itself: dedupe keys may name an intake, and the Message-ID travels in the email.
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:20]
