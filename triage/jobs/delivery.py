"""Sending one claimed outbox message and recording how it went: sent, retried after a backoff, failed, held or cancelled.

Both ways of draining the outbox use it: the worker's own loop (no REDIS_URL, triage.jobs.worker) and the RQ job of
one message (triage.jobs.outbox_jobs). Only the holder of the message's lease settles the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from triage.config import Settings
from triage.db import outbox
from triage.db.invitation_outbox import PATIENT_KINDS
from triage.db.models import OutboxMessage
from triage.db.session import Database
from triage.jobs import log_context, patient_messages
from triage.jobs.backoff import retry_delay
from triage.jobs.mail import NOT_CONFIGURED
from triage.jobs.sms import NOT_CONFIGURED as SMS_NOT_CONFIGURED
from triage.jobs.transport import DeliveryError, Outgoing, Transport

log = logging.getLogger("triage.jobs.worker")

CHANNELS = ("email", "sms")
WAITING_REASONS = {"email": NOT_CONFIGURED, "sms": SMS_NOT_CONFIGURED}
OUTCOMES = ("sent", "retry", "failed", "cancelled", "held")


def send_lease(settings: Settings) -> dt.timedelta:
    """How long a sender holds a message: a whole send (connect, TLS, login, data) may take the timeout four times."""
    # Shorter, and another worker would take the message while it is still being sent.
    return dt.timedelta(seconds=max(60.0, 4 * settings.SMTP_TIMEOUT_SECONDS))


@dataclass
class Sender:
    """Sends claimed messages of one database through the given transports (by channel)."""

    db: Database
    settings: Settings
    transports: Mapping[str, Transport]
    rng: random.Random

    def send(self, claim: outbox.Claim, now: dt.datetime, origin: str | None = None) -> str:
        """Send one claimed message and settle its row; the outcome, one of OUTCOMES.

        `origin` is the id of the web request that queued it (origin_request_id), carried on the log lines.
        """
        with log_context.bound(outbox_message=claim.id, request_id=origin):
            return self._send(claim, now)

    def _send(self, claim: outbox.Claim, now: dt.datetime) -> str:
        error: DeliveryError | None = None
        headers: tuple[tuple[str, str], ...] = ()
        if claim.kind in PATIENT_KINDS:  # composed now with new links, or cancelled, or held for the quiet hours
            prepared = patient_messages.prepare(self.db, claim, self.settings, now)
            if prepared.claim is None:
                log.info("outbox message %d %s", claim.id, prepared.outcome)
                return prepared.outcome
            claim, headers, error = prepared.claim, prepared.headers, prepared.error
        message = Outgoing(
            claim.id,
            claim.kind,
            claim.channel,
            claim.recipient,
            claim.subject,
            claim.body,
            _message_key(claim.dedupe_key),
            headers,
        )
        try:
            if error is None:
                self.transports[claim.channel].send(message)
        except DeliveryError as refused:
            error = refused
        except Exception as unexpected:  # a transport bug: retried like a failure, so the lease is not left to run out
            error = DeliveryError(f"unexpected {type(unexpected).__name__} while sending")
        with self.db.session() as session:
            if error is None:
                settled, status = outbox.mark_sent(session, claim, now), "sent"
            elif error.permanent or claim.attempts + 1 >= self.settings.OUTBOX_MAX_ATTEMPTS:
                settled, status = outbox.mark_failed(session, claim, error.reason), "failed"
            else:
                due = now + retry_delay(claim.attempts + 1, rng=self.rng)
                settled, status = outbox.mark_retry(session, claim, error.reason, due), "retry"
        # Message id and status only: the recipient, subject and body stay out of the log.
        if settled:
            log.info("outbox message %d %s (attempt %d)", claim.id, status, claim.attempts + 1)
        else:
            log.warning("outbox message %d: lease ran out before it was settled (%s)", claim.id, status)
        return status


def note_waiting(session: Session, transports: Mapping[str, Transport], now: dt.datetime) -> int:
    """Put the reason on due messages of each channel no transport is configured for; how many rows got it."""
    return sum(
        outbox.note_waiting(session, channel, WAITING_REASONS.get(channel, f"no {channel} transport configured"), now)
        for channel in CHANNELS
        if channel not in transports
    )


def origin_request_id(session: Session, message_id: int) -> str | None:
    """The id of the web request that queued the message, for its log lines (read in the claim's transaction)."""
    row = session.get(OutboxMessage, message_id)
    details = row.details if row is not None and isinstance(row.details, dict) else {}
    return log_context.safe_request_id(details.get("request_id"))


def _message_key(dedupe_key: str) -> str:
    # A digest, not the key itself: dedupe keys may name an intake, and the Message-ID travels in the email.
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:20]
