"""Handing due outbox messages to a job queue (REDIS_URL), and the job's claim of its one message.

The round that hands messages over leases each for `hold` (so the next rounds, on any worker, skip it) and puts the
lease's end in the job. The job takes the message over from that lease, or from none (it ran out or was let go):
one UPDATE whose row count says whether this job is the one that sends. A job that comes too late (the message was
sent, or handed over again after its lease ran out) finds nothing to take and ends.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from triage.db.models import OutboxMessage
from triage.db.outbox import Claim, due_messages


def hand_over(
    session: Session, now: dt.datetime, hold: dt.timedelta, channels: tuple[str, ...], limit: int
) -> tuple[list[int], dt.datetime]:
    """Lease the oldest due messages of these channels for a queue's jobs: their ids, and the lease's end (now + hold).

    The caller commits before it enqueues the jobs.
    """
    until = now + hold
    if not channels:
        return [], until
    oldest = (
        select(OutboxMessage.id).where(due_messages(now, channels)).order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)  # rows another worker is handing over are skipped
    taken = []
    for message_id in list(session.scalars(oldest)):
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, due_messages(now, channels))
            .values(locked_until=until)
            .execution_options(synchronize_session=False)
        )
        if cast("CursorResult[Any]", result).rowcount == 1:
            taken.append(message_id)
    return taken, until


def claim_handed(
    session: Session, message_id: int, handed: dt.datetime | None, now: dt.datetime, lease: dt.timedelta
) -> Claim | None:
    """Take one due message over for sending until now + lease; None when it is not this job's to send. The caller commits."""
    free = or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now)
    until = now + lease
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "queued",
            OutboxMessage.due_at <= now,
            or_(free, OutboxMessage.locked_until == handed) if handed is not None else free,
        )
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", result).rowcount != 1:
        return None
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    if row is None:
        return None
    return Claim(row.id, row.kind, row.channel, row.recipient, row.subject, row.body, row.dedupe_key, row.attempts, until)
