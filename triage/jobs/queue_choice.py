"""Which job queue an install uses: RQ on Redis when REDIS_URL is set, else the table in the app's database."""

from __future__ import annotations

from triage.config import Settings
from triage.db.session import Database
from triage.jobs.queue import DbJobQueue, JobQueue
from triage.jobs.rq_queue import RqJobQueue


def job_queue(settings: Settings, db: Database) -> JobQueue:
    """The queue the settings choose (the database queue needs nothing beyond the app's own database)."""
    if settings.REDIS_URL:
        return RqJobQueue.from_url(settings.REDIS_URL, settings, settings.REDIS_QUEUE)
    return DbJobQueue(db)
