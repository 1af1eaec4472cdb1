"""The background job queue: RQ on Redis when REDIS_URL is set, else a table in the app's database.

Both take the same jobs (a kind, a key saying what the job is about, a payload of ids) and answer the same questions
(is a job for this key waiting, running or failed; which jobs failed for good), so the web layer never knows which
one runs. The database queue needs nothing beyond the app's own database: `triage worker` polls it every round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from triage.config import Settings
from triage.db import job_table
from triage.db.clock import utcnow
from triage.db.job_table import FailedJob
from triage.db.session import Database

# Tries before a job is marked failed (about a minute and a quarter of backoff in all), and the backoff's steps.
MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 300.0
STATES = ("queued", "running", "failed")


@dataclass(frozen=True)
class JobContext:
    """What every job runs with: the app's database and settings (passed in, never read from a global)."""

    db: Database
    settings: Settings
    clock: Callable[[], dt.datetime] = utcnow  # the time jobs read (tests pass a fixed one)


Handler = Callable[[JobContext, Mapping[str, Any]], object]


def job_lease(settings: Settings) -> dt.timedelta:
    """How long a worker holds a job: a PDF render may take its time limit twice (one retry on a new pool)."""
    return dt.timedelta(seconds=2 * settings.PDF_TIMEOUT_SECONDS + 2)


class JobQueue(Protocol):
    """Where the web layer puts jobs and asks about them."""

    def enqueue(self, kind: str, key: str, payload: Mapping[str, Any]) -> bool:
        """Add a job unless one with this key waits to start; True when one was added."""
        ...

    def state(self, key: str) -> str | None:
        """The newest job with this key: "queued", "running", "failed", or None when none is left (done or never)."""
        ...

    def failed(self, limit: int) -> list[FailedJob]:
        """The newest jobs that failed for good (kind, tries, error class, when), newest first."""
        ...


class DbJobQueue:
    """The embedded queue: jobs are rows of background_jobs, run by `triage worker` (triage.jobs.runner)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(self, kind: str, key: str, payload: Mapping[str, Any]) -> bool:
        """Add a job row unless one with this key waits to start."""
        with self.db.session() as session:
            return job_table.enqueue(session, kind, key, dict(payload))

    def state(self, key: str) -> str | None:
        """The newest job row with this key, as a state."""
        with self.db.session() as session:
            return job_table.state(session, key)

    def failed(self, limit: int) -> list[FailedJob]:
        """The newest rows that failed for good."""
        with self.db.session() as session:
            return job_table.failed_jobs(session, limit)
