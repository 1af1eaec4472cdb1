"""The worker's periodic sweep of EHR deliveries: a send job for each whose retry is due, or whose job was lost."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import ehr_deliveries, job_table
from triage.jobs.ehr_send import KIND, enqueue_send, send_key
from triage.jobs.rq_queue import RqJobQueue


def resend_due(session: Session, now: dt.datetime, settings: Settings) -> int:
    """Ask for the send job of each due delivery (on the database queue in this transaction); returns how many."""
    if not settings.EHR_FHIR_URL:
        return 0
    due = ehr_deliveries.due_deliveries(session, now)
    if not due:
        return 0
    if settings.REDIS_URL:
        queue = RqJobQueue.from_url(settings.REDIS_URL, settings, settings.REDIS_QUEUE)
        return sum(enqueue_send(queue, intake_id) for intake_id in due)
    return sum(job_table.enqueue(session, KIND, send_key(i), {"intake_id": i}, now) for i in due)
