"""The EHR delivery of each intake's Bundle: queued at the letter's signature, claimed by one worker, settled once.

A worker claims the row with a conditional UPDATE (its row count says who won) and holds it until a lease runs out, so
two runs of the send job never both send; a sent row is never claimed again until the letter is signed anew.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, minute_text
from triage.db.models import EhrDelivery

# A queued row whose job was lost (Redis down at the signature) is picked up by the worker's sweep after this.
SAFETY_NET = dt.timedelta(minutes=5)
REASON_MAX = 500
STATUS_TEXT = {
    "queued": "Queued to be sent",
    "sending": "Being sent",
    "sent": "Sent",
    "retrying": "Not accepted yet; will try again",
    "failed": "Failed; not sent",
}


@dataclass(frozen=True)
class DeliveryClaim:
    """A delivery this worker holds until `locked_until`: the intake and the signed revision to send."""

    intake_id: int
    revision: int
    attempts: int
    locked_until: dt.datetime


@dataclass(frozen=True)
class DeliveryView:
    """The delivery as the intake page shows it: status, its words, when, why, and how many tries."""

    status: str
    text: str
    revision: int
    attempts: int
    reason: str
    sent_at: str
    next_attempt_at: str
    attempted_at: str


def queue_delivery(session: Session, intake_id: int, revision: int, now: dt.datetime) -> None:
    """Record, in the caller's transaction, that the intake's Bundle with this signed revision is to be sent."""
    row = session.scalar(select(EhrDelivery).where(EhrDelivery.intake_id == intake_id))
    if row is None:
        row = EhrDelivery(intake_id=intake_id)
        session.add(row)
    row.letter_revision = revision
    row.status = "queued"
    row.attempts = 0
    row.reason = ""
    row.queued_at = now
    row.next_attempt_at = now + SAFETY_NET
    row.locked_until = None
    session.flush()


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        EhrDelivery.status.in_(("queued", "retrying")),
        and_(EhrDelivery.status == "sending", EhrDelivery.locked_until < now),
    )


def claim(session: Session, intake_id: int, now: dt.datetime, lease: dt.timedelta) -> DeliveryClaim | None:
    """Hold the intake's delivery until now + lease; None when it is sent, failed, held by another, or absent."""
    until = now + lease
    result = session.execute(
        update(EhrDelivery)
        .where(EhrDelivery.intake_id == intake_id, _claimable(now))
        .values(status="sending", locked_until=until, attempted_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        return None
    row = session.scalar(select(EhrDelivery).where(EhrDelivery.intake_id == intake_id).execution_options(populate_existing=True))
    if row is None:
        return None
    return DeliveryClaim(intake_id, row.letter_revision, row.attempts, until)


def _settle(session: Session, held: DeliveryClaim, **values: Any) -> bool:
    # Only the holder settles: a worker whose lease ran out, or a row queued again by a new signature, changes nothing.
    result = session.execute(
        update(EhrDelivery)
        .where(
            EhrDelivery.intake_id == held.intake_id,
            EhrDelivery.status == "sending",
            EhrDelivery.locked_until == held.locked_until,
            EhrDelivery.letter_revision == held.revision,
        )
        .values(attempts=EhrDelivery.attempts + 1, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def mark_sent(session: Session, held: DeliveryClaim, now: dt.datetime) -> bool:
    """The EHR accepted the Bundle (2xx)."""
    return _settle(session, held, status="sent", sent_at=now, sent_revision=held.revision, reason="")


def mark_retry(session: Session, held: DeliveryClaim, reason: str, due: dt.datetime) -> bool:
    """The EHR was unreachable or busy: try again at `due`, with why."""
    return _settle(session, held, status="retrying", reason=reason[:REASON_MAX], next_attempt_at=due)


def mark_failed(session: Session, held: DeliveryClaim, reason: str) -> bool:
    """The EHR refused the Bundle for good (a 4xx other than 408 and 429): not tried again, with its reason."""
    return _settle(session, held, status="failed", reason=reason[:REASON_MAX])


def due_deliveries(session: Session, now: dt.datetime, limit: int = 100) -> list[int]:
    """The intakes whose delivery is due a try (a retry's time came, a queued job was lost, a lease ran out).

    Each is pushed back by SAFETY_NET, so the sweep asks for its job once, not every round while it waits.
    """
    due = or_(
        and_(EhrDelivery.status.in_(("queued", "retrying")), EhrDelivery.next_attempt_at <= now),
        and_(EhrDelivery.status == "sending", EhrDelivery.locked_until < now),
    )
    rows = list(session.scalars(select(EhrDelivery).where(due).order_by(EhrDelivery.next_attempt_at).limit(limit)))
    for row in rows:
        row.next_attempt_at = now + SAFETY_NET
    session.flush()
    return [row.intake_id for row in rows]


def delivery_view(session: Session, intake_id: int) -> DeliveryView | None:
    """The intake's EHR delivery as plain data for its page; None when nothing was queued for it."""
    row = session.scalar(select(EhrDelivery).where(EhrDelivery.intake_id == intake_id))
    if row is None:
        return None
    status = row.status
    if status == "sending" and row.attempts:
        status = "retrying"  # a retry in progress still reads as one
    return DeliveryView(
        status=status,
        text=STATUS_TEXT.get(status, status),
        revision=row.letter_revision,
        attempts=row.attempts,
        reason=row.reason,
        sent_at=minute_text(row.sent_at),
        next_attempt_at=minute_text(as_utc(row.next_attempt_at)) if status == "retrying" else "",
        attempted_at=minute_text(row.attempted_at),
    )


# A delivery that can be sent again by hand: refused, sent (the EHR lost it), or waiting for its next try.
RESENDABLE = ("failed", "sent", "retrying")


def resend(session: Session, intake_id: int, now: dt.datetime) -> int | None:
    """Queue the intake's last signed revision again, in the caller's transaction; returns it, or None when there is
    no delivery or one is queued or being sent now (a second press changes nothing)."""
    row = session.scalar(select(EhrDelivery).where(EhrDelivery.intake_id == intake_id).with_for_update())
    if row is None or row.status not in RESENDABLE:
        return None
    queue_delivery(session, intake_id, row.letter_revision, now)
    return row.letter_revision
