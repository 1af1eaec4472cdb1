"""The app's background job queue (RQ on Redis, or the database), and the hook views call when a letter changed."""

from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from triage.config import Settings
from triage.jobs.letter_pdf import enqueue_letter_pdf
from triage.jobs.queue import JobQueue
from triage.jobs.queue_choice import job_queue as queue_for
from triage.web.access import database

log = logging.getLogger("triage.jobs")


def job_queue() -> JobQueue:
    """This app's queue, made on first use (one Redis connection pool per process)."""
    found: JobQueue | None = current_app.extensions.get("triage_job_queue")
    if found is None:
        settings: Settings = current_app.extensions["triage_settings"]
        found = current_app.extensions["triage_job_queue"] = queue_for(settings, database())
    return found


def letter_changed(intake_id: int) -> None:
    """After a change to what the letter shows has committed: ask for its PDF to be rendered in the background."""
    try:
        enqueue_letter_pdf(job_queue(), intake_id)
    except (RedisError, SQLAlchemyError) as error:
        # The change itself stands; the first download finds no current PDF and asks for it again.
        log.warning("the letter PDF of intake %d was not queued: %s", intake_id, type(error).__name__)
