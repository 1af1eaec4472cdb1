"""The EHR deliveries an admin looks after: counts by status, and those not sent (refused, or waiting to try again)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, minute_text
from triage.db.ehr_deliveries import STATUS_TEXT
from triage.db.models import EhrDelivery

# Read through the (status, next_attempt_at) index: the page costs the same at any number of sent letters.
NEEDING_ATTENTION = ("failed", "retrying")


@dataclass(frozen=True)
class EhrDeliveryRow:
    """One delivery as the admin page lists it (no health data: the intake number, revision, status and reason)."""

    intake_id: int
    revision: int
    status: str
    text: str
    attempts: int
    reason: str
    attempted_at: str
    next_attempt_at: str


def ehr_status_counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each status (every status named, 0 when none)."""
    counts = dict.fromkeys(STATUS_TEXT, 0)
    for status, count in session.execute(select(EhrDelivery.status, func.count()).group_by(EhrDelivery.status)):
        counts[status] = int(count)
    return counts


def deliveries_needing_attention(session: Session, limit: int = 50) -> list[EhrDeliveryRow]:
    """Refused deliveries first, then those waiting to try again, soonest first; at most `limit`."""
    rows = session.scalars(
        select(EhrDelivery)
        .where(EhrDelivery.status.in_(NEEDING_ATTENTION))
        .order_by(EhrDelivery.status, EhrDelivery.next_attempt_at)
        .limit(limit)
    )
    return [
        EhrDeliveryRow(
            intake_id=row.intake_id,
            revision=row.letter_revision,
            status=row.status,
            text=STATUS_TEXT.get(row.status, row.status),
            attempts=row.attempts,
            reason=row.reason,
            attempted_at=minute_text(row.attempted_at),
            next_attempt_at=minute_text(as_utc(row.next_attempt_at)) if row.status == "retrying" else "",
        )
        for row in rows
    ]
