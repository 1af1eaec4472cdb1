"""The job queue on RQ and Redis (REDIS_URL): every `triage worker`, on any machine, takes jobs from one queue.

RQ gives the rest: a failed job is retried after the backoff's intervals (its scheduler requeues it), a job whose
worker died mid-way is found by another worker's registry maintenance once its heartbeat runs out (RQ's abandoned
jobs) and retried, and a job that failed for good stays in the queue's failed registry, which the admins' page lists.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from redis import Redis
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.defaults import RQ_KEY_PREFIX
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from triage.config import Settings
from triage.db.clock import minute_text
from triage.db.job_table import FailedJob
from triage.jobs.backoff import retry_delay
from triage.jobs.queue import BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS, MAX_ATTEMPTS, JobContext, job_lease
from triage.jobs.runner import run_job

QUEUE_NAME = "triage"
KEEP_SECONDS = 7 * 24 * 3600  # failed jobs (and which job is a key's newest) are kept a week
MAINTENANCE_SECONDS = 30  # how often a worker looks for abandoned jobs (RQ's default is 10 minutes)
_STATES = {
    JobStatus.QUEUED: "queued",
    JobStatus.SCHEDULED: "queued",  # waiting for its retry
    JobStatus.DEFERRED: "queued",
    JobStatus.CREATED: "queued",
    JobStatus.STARTED: "running",
    JobStatus.FAILED: "failed",
    JobStatus.STOPPED: "failed",
    JobStatus.CANCELED: "failed",
}
_ERROR_CLASS = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)")
_context: ContextVar[JobContext | None] = ContextVar("triage_rq_context", default=None)


def retry_intervals() -> list[int]:
    """The waits before each retry, in seconds: the backoff's, jitter included, as RQ wants them (whole seconds)."""
    return [
        max(1, round(retry_delay(n, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_CAP_SECONDS).total_seconds()))
        for n in range(1, MAX_ATTEMPTS)
    ]


def perform(kind: str, payload: dict[str, Any]) -> None:
    """What RQ runs: the job's handler, with the context of the worker running it; a failure's class goes in its meta."""
    context = _context.get()
    if context is None:
        raise RuntimeError("a triage job runs only in `triage worker` (triage.jobs.rq_queue.serve)")
    job = get_current_job()
    try:
        run_job(context, kind, payload)
    except Exception as error:
        if job is not None:  # the class only: an exception's message may quote health data
            job.meta["error"] = type(error).__name__
            job.meta["attempts"] = int(job.meta.get("attempts", 0)) + 1
            job.save_meta()
        raise


class RqJobQueue:
    """Jobs on one RQ queue; a Redis string per key names the key's newest job (for `state`)."""

    def __init__(
        self, connection: Redis, name: str = QUEUE_NAME, *, timeout_seconds: int = 60, intervals: list[int] | None = None
    ) -> None:
        self.connection = connection
        self.name = name
        self.queue = Queue(name, connection=connection)
        self.timeout_seconds = timeout_seconds  # RQ's time limit for a job, the database queue's lease
        self.intervals = intervals

    @classmethod
    def from_url(cls, url: str, settings: Settings, name: str = QUEUE_NAME) -> RqJobQueue:
        """The queue on the Redis at this URL, with the settings' time limit for a job."""
        return cls(Redis.from_url(url), name, timeout_seconds=round(job_lease(settings).total_seconds()))

    def _newest(self, key: str) -> str:
        return f"triage:{self.name}:newest:{key}"

    def enqueue(self, kind: str, key: str, payload: Mapping[str, Any]) -> bool:
        """Add a job unless the key's newest job waits to start (queued, or waiting for its retry)."""
        if self.state(key) == "queued":
            return False
        job = self._put(kind, payload)
        self.connection.set(self._newest(key), job.id, ex=KEEP_SECONDS)
        return True

    def push(self, kind: str, payload: Mapping[str, Any]) -> None:
        """Add a job with no key to find it by (an outbox message's: its row is the record), retried like the others."""
        self._put(kind, payload)

    def _put(self, kind: str, payload: Mapping[str, Any]) -> Job:
        return self.queue.enqueue(
            perform,
            kind,
            dict(payload),
            retry=Retry(max=MAX_ATTEMPTS - 1, interval=self.intervals or retry_intervals()),
            job_timeout=self.timeout_seconds,
            result_ttl=0,  # a finished job leaves nothing behind: its effect is in the database
            failure_ttl=KEEP_SECONDS,
            description=kind,
            meta={"kind": kind},
        )

    def state(self, key: str) -> str | None:
        """The state of the key's newest job; None when it finished (RQ deleted it) or there is none."""
        job_id = self.connection.get(self._newest(key))
        if job_id is None:
            return None
        try:
            job = Job.fetch(job_id.decode() if isinstance(job_id, bytes) else str(job_id), connection=self.connection)
        except NoSuchJobError:
            return None
        return _STATES.get(job.get_status(refresh=False))

    def failed(self, limit: int) -> list[FailedJob]:
        """The jobs in the failed registry, newest first."""
        registry = self.queue.failed_job_registry
        found: list[FailedJob] = []
        for job_id in registry.get_job_ids(0, limit - 1, desc=True):
            try:
                job = Job.fetch(job_id, connection=self.connection)
            except NoSuchJobError:
                continue
            found.append(_failed(job))
        return found

    def purge(self) -> None:
        """Remove this queue, its registries, jobs and keys (for tests and benchmarks that made their own queue)."""
        for registry in (self.queue.failed_job_registry, self.queue.scheduled_job_registry, self.queue.started_job_registry):
            for job_id in registry.get_job_ids(cleanup=False):
                self.connection.delete(Job.key_for(job_id))
            self.connection.delete(registry.key)
        self.queue.delete(delete_jobs=True)
        # What is left names the queue: its other registries, its workers' set, its scheduler's lock, our keys.
        for pattern in (f"triage:{self.name}:*", f"{RQ_KEY_PREFIX}:*:{self.name}"):
            for key in self.connection.scan_iter(pattern):
                self.connection.delete(key)


def _failed(job: Job) -> FailedJob:
    error = str(job.meta.get("error") or "")
    if not error:  # RQ's own failures (an abandoned job, a time limit): the class is on the last line of its text
        last = (job.exc_info or "").strip().splitlines()[-1:] or [""]
        found = _ERROR_CLASS.match(last[0].strip())
        error = found.group(1).rpartition(".")[2] if found else "unknown"
    ended = job.ended_at or job.enqueued_at
    return FailedJob(
        job.id, str(job.meta.get("kind", "")), int(job.meta.get("attempts", 0)) or MAX_ATTEMPTS, error, minute_text(ended)
    )


class StoppingWorker(SimpleWorker):
    """RQ's SimpleWorker, stopping within about a second of SIGTERM whichever redis-py is installed.

    RQ stops its command-listening thread and then waits; since redis-py 8.2 that stop itself waits for the thread,
    which sleeps up to the 60 s RQ gives it between messages (rq/rq#1613), so a stopped worker lingered up to a minute.
    The thread is a daemon that only listens for RQ's stop commands, so a bounded wait loses nothing.
    """

    def unsubscribe(self) -> None:
        """Leave the command channel, then stop its thread with a bounded wait."""
        thread = self.pubsub_thread
        if not thread:
            return
        self.pubsub.unsubscribe()
        if "timeout" in inspect.signature(thread.stop).parameters:
            thread.stop(timeout=1)
        else:
            thread.stop()
            thread.join(timeout=1)
        self.pubsub.close()


def serve(context: JobContext, queue: RqJobQueue, *, burst: bool = False) -> bool:
    """Run an RQ worker in this thread (the main one: RQ's time limits use signals) until SIGTERM, or once with burst."""
    token = _context.set(context)
    try:
        worker = StoppingWorker([queue.queue], connection=queue.connection, maintenance_interval=MAINTENANCE_SECONDS)
        return worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
    finally:
        _context.reset(token)
