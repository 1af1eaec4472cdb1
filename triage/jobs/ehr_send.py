"""The EHR send job: POST the intake's Bundle, with its signed letter, to the EHR as one transaction, once.

The letter's signature queues the delivery (triage.db.ehr_deliveries) and, on the database queue, its job in the same
transaction. The job claims the delivery (so two runs never both send), renders the letter's PDF if no current one is
stored, POSTs, and settles: sent on a 2xx; failed for good on a refusal (a 4xx but 408 and 429), with the EHR's reason;
otherwise retrying with backoff (30 s doubling to an hour), which the worker's sweep (triage.jobs.ehr_sweep) picks
up, until the EHR accepts it. Each try is audited with its outcome and HTTP status only: no health data in a log or audit.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import audit, ehr_deliveries, job_table
from triage.db.clock import times_shown_in, utcnow
from triage.db.ehr_deliveries import DeliveryClaim
from triage.db.fhir import intake_data
from triage.db.fhir_letter import signed_letter
from triage.domain.report.fhir_bundle import intake_bundle
from triage.domain.report.fhir_transaction import transaction_bundle
from triage.jobs.backoff import retry_delay
from triage.jobs.ehr_http import SendOutcome, post_transaction
from triage.jobs.letter_pdf import pdf_settings
from triage.jobs.queue import DbJobQueue, JobContext, JobQueue
from triage.pdf.stored import letter_pdf_now

log = logging.getLogger("triage.jobs.ehr_send")

KIND = "ehr_send"
OFF = "sending to the EHR is switched off (EHR_FHIR_URL is not set)"


def send_key(intake_id: int) -> str:
    """The job key of an intake's EHR send: one waiting job per intake."""
    return f"{KIND}:{intake_id}"


def delivery_lease(settings: Settings) -> dt.timedelta:
    """How long one try holds the delivery: a PDF render (twice, at worst) and the EHR's answer, with room to spare."""
    return dt.timedelta(seconds=2 * settings.PDF_TIMEOUT_SECONDS + 2 * settings.EHR_FHIR_TIMEOUT_SECONDS + 30)


def queue_send(session: Session, queue: JobQueue, intake_id: int, revision: int) -> bool:
    """At the signature, in its transaction: record the delivery and, on the database queue, add its job too.

    Returns False when the job is left for `enqueue_send` after the commit (RQ cannot join the transaction; should
    that enqueue fail, the worker's sweep asks for the job a few minutes later). Nothing is queued with sending off.
    """
    ehr_deliveries.queue_delivery(session, intake_id, revision, utcnow())
    if isinstance(queue, DbJobQueue):
        job_table.enqueue(session, KIND, send_key(intake_id), {"intake_id": intake_id})
        return True
    return False


def queue_resend(session: Session, queue: JobQueue, intake_id: int) -> tuple[int | None, bool]:
    """ "Send again", in the caller's transaction: the last signed revision queued anew (with its job on the database
    queue). Returns the revision (None when nothing can be sent again now) and whether `enqueue_send` is still to be
    called after the commit (RQ)."""
    revision = ehr_deliveries.resend(session, intake_id, utcnow())
    if revision is None:
        return None, False
    if isinstance(queue, DbJobQueue):
        job_table.enqueue(session, KIND, send_key(intake_id), {"intake_id": intake_id})
        return revision, False
    return revision, True


def enqueue_send(queue: JobQueue, intake_id: int) -> bool:
    """Ask for the intake's send job (a no-op while one waits to start)."""
    return queue.enqueue(KIND, send_key(intake_id), {"intake_id": intake_id})


def build_transaction(context: JobContext, intake_id: int, revision: int) -> dict[str, Any] | None:
    """The intake's transaction Bundle with the signed letter's PDF (rendered now if none is stored); None when the
    intake is gone or its letter is no longer signed at this revision (amended since)."""
    settings, zone = pdf_settings(context.settings, context)
    with context.db.session() as session:
        data = intake_data(session, intake_id)
        letter = signed_letter(session, intake_id)
    if data is None or letter is None or letter.revision != revision:
        return None
    with times_shown_in(zone):
        outcome = letter_pdf_now(context.db, intake_id, settings)
    letter = replace(letter, pdf=outcome.pdf if outcome is not None else None)
    base = f"{str(context.settings.PUBLIC_BASE_URL).rstrip('/')}/fhir"
    return transaction_bundle(intake_bundle(data, base, utcnow(), letter))


def _settle(context: JobContext, held: DeliveryClaim, outcome: SendOutcome, now: dt.datetime) -> str:
    with context.db.session() as session:
        if outcome.result == "sent":
            settled = ehr_deliveries.mark_sent(session, held, now)
        elif outcome.result == "failed":
            settled = ehr_deliveries.mark_failed(session, held, outcome.reason)
        else:
            due = now + retry_delay(held.attempts + 1, rng=random.Random())
            settled = ehr_deliveries.mark_retry(session, held, outcome.reason, due)
        audit.record(
            session,
            actor="worker",
            role="system",
            action="ehr.send",
            intake_id=held.intake_id,
            outcome={"sent": "ok", "failed": "failed"}.get(outcome.result, "retry"),
            detail=f"revision={held.revision} attempt={held.attempts + 1} http={outcome.status or 'none'}"
            + ("" if settled else " (superseded: the letter was signed again meanwhile)"),
        )
    log.info("EHR send of intake %d: %s (http %s, attempt %d)", held.intake_id, outcome.result, outcome.status, held.attempts + 1)
    return outcome.result


def send_intake(context: JobContext, payload: Mapping[str, Any]) -> str:
    """The job: send the intake's Bundle unless it is sent already or another try holds it; returns what it did."""
    intake_id = int(payload["intake_id"])
    settings = context.settings
    now = utcnow()
    with context.db.session() as session:
        held = ehr_deliveries.claim(session, intake_id, now, delivery_lease(settings))
    if held is None:
        return "nothing to do"  # sent, refused for good, re-queued, or being sent by another worker
    if not settings.EHR_FHIR_URL:
        return _settle(context, held, SendOutcome("failed", 0, OFF), now)
    try:
        bundle = build_transaction(context, intake_id, held.revision)
    except Exception as error:  # a render that timed out, a result the builder cannot read: try again later
        reason = f"the Bundle could not be made ({type(error).__name__}); it will be tried again"
        return _settle(context, held, SendOutcome("retry", 0, reason), now)
    if bundle is None:
        reason = "the letter was amended or the intake removed before it was sent; sign the letter again to send it"
        return _settle(context, held, SendOutcome("failed", 0, reason), now)
    outcome = post_transaction(settings.EHR_FHIR_URL, settings.EHR_FHIR_TOKEN, bundle, settings.EHR_FHIR_TIMEOUT_SECONDS)
    return _settle(context, held, outcome, utcnow())
