"""Sending to the EHR at the letter's signature: the delivery and its job queued in the signature's transaction."""

from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.jobs.ehr_send import enqueue_send, queue_send
from triage.web.job_queue import job_queue

log = logging.getLogger("triage.ehr")


def queue_on_signature(session: Session, intake_id: int, revision: int) -> bool:
    """In the signature's transaction: queue the intake's Bundle for the EHR (nothing when EHR_FHIR_URL is unset).

    True when the job is still to be enqueued once the transaction has committed (the RQ queue).
    """
    settings: Settings = current_app.extensions["triage_settings"]
    if not settings.EHR_FHIR_URL:
        return False
    return not queue_send(session, job_queue(), intake_id, revision)


def enqueue_after_commit(intake_id: int) -> None:
    """After the signature committed: put the send job on RQ (if Redis is down, the worker's sweep asks again)."""
    try:
        enqueue_send(job_queue(), intake_id)
    except RedisError as error:
        log.warning("the EHR send of intake %d was not queued now: %s; the worker's sweep will", intake_id, type(error).__name__)
