"""Sending to the EHR at the letter's signature, and "send again": the delivery and its job queued in one transaction."""

from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from triage.config import Settings
from triage.jobs.ehr_send import enqueue_send, queue_resend, queue_send
from triage.web.job_queue import job_queue

log = logging.getLogger("triage.ehr")

SENDING_OFF = "Sending to the EHR is switched off (EHR_FHIR_URL is not set), so nothing was sent."


def sending_on() -> bool:
    """Whether an EHR is configured to receive letters."""
    settings: Settings = current_app.extensions["triage_settings"]
    return bool(settings.EHR_FHIR_URL)


def queue_on_signature(session: Session, intake_id: int, revision: int) -> bool:
    """In the signature's transaction: queue the intake's Bundle for the EHR (nothing when EHR_FHIR_URL is unset).

    True when the job is still to be enqueued once the transaction has committed (the RQ queue).
    """
    if not sending_on():
        return False
    return not queue_send(session, job_queue(), intake_id, revision)


def queue_again(session: Session, intake_id: int) -> tuple[int | None, bool]:
    """In the caller's transaction: the last signed revision queued to be sent again (see queue_resend)."""
    return queue_resend(session, job_queue(), intake_id)


def enqueue_after_commit(intake_id: int) -> None:
    """After the signature committed: put the send job on RQ (if Redis is down, the worker's sweep asks again)."""
    try:
        enqueue_send(job_queue(), intake_id)
    except RedisError as error:
        log.warning("the EHR send of intake %d was not queued now: %s; the worker's sweep will", intake_id, type(error).__name__)
