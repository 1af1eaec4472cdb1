"""The transactional outbox: a message row is committed with the change that caused it, and a worker sends it later.

A worker claims one due message at a time by leasing it (`locked_until`); only the worker whose lease is on the row
may mark it sent or failed. On PostgreSQL the claim reads with FOR UPDATE SKIP LOCKED, so two workers never wait on
each other's row; on both databases the claim itself is a conditional UPDATE checked by its row count.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, minute_text, utcnow
from triage.db.models import OutboxMessage

STATUSES = ("queued", "sent", "failed", "cancelled")  # cancelled: no longer to be sent (e.g. its invitation was revoked)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    dedupe_key: str,
    subject: str = "",
    body: str = "",
    channel: str = "email",
    intake_id: int | None = None,
    due_at: dt.datetime | None = None,
    details: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Add a message to send in the caller's transaction; None when one with this dedupe key exists already."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    message = OutboxMessage(
        kind=kind,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        intake_id=intake_id,
        dedupe_key=dedupe_key,
        status="queued",
        attempts=0,
        due_at=due_at or utcnow(),
        last_error="",
        details=details or {},
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class Claim:
    """A message this worker holds the lease on, until `locked_until`."""

    id: int
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    dedupe_key: str
    attempts: int
    locked_until: dt.datetime


def due_messages(now: dt.datetime, channels: tuple[str, ...]) -> ColumnElement[bool]:
    """The condition of a message due for sending at `now` on these channels: queued, due, its lease free or run out."""
    return and_(
        OutboxMessage.status == "queued",
        OutboxMessage.channel.in_(channels),
        OutboxMessage.due_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )


def _take(session: Session, message_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    # The lease is taken only if no other worker holds it: the row count says who won.
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "queued",
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def claim_next(session: Session, now: dt.datetime, lease: dt.timedelta, channels: tuple[str, ...]) -> Claim | None:
    """Lease the oldest due message of these channels until now + lease; None when nothing is due. The caller commits."""
    if not channels:
        return None
    until = now + lease
    oldest = select(OutboxMessage.id).where(due_messages(now, channels)).order_by(OutboxMessage.due_at, OutboxMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        # Rows another worker is claiming right now are skipped instead of waited for.
        candidates = list(session.scalars(oldest.limit(1).with_for_update(skip_locked=True)))
    else:
        # SQLite has one writer at a time; a few candidates let a worker step past one a rival just took.
        candidates = list(session.scalars(oldest.limit(8)))
    for message_id in candidates:
        if _take(session, message_id, now, until):
            row = session.get(OutboxMessage, message_id, populate_existing=True)
            if row is None:  # deleted between the claim and the read: nothing to send
                return None
            return Claim(row.id, row.kind, row.channel, row.recipient, row.subject, row.body, row.dedupe_key, row.attempts, until)
    return None


def _settle(session: Session, claim: Claim, **values: Any) -> bool:
    # Only the lease holder settles the row: a worker whose lease ran out (and was re-claimed) changes nothing.
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claim.id, OutboxMessage.status == "queued", OutboxMessage.locked_until == claim.locked_until)
        .values(attempts=OutboxMessage.attempts + 1, locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def mark_sent(session: Session, claim: Claim, now: dt.datetime) -> bool:
    """Record that the claimed message was delivered."""
    return _settle(session, claim, status="sent", sent_at=now)


def mark_retry(session: Session, claim: Claim, reason: str, due_at: dt.datetime) -> bool:
    """Record a failed try: the message stays queued, due again at due_at, with the reason."""
    return _settle(session, claim, last_error=reason[:1000], due_at=due_at)


def mark_failed(session: Session, claim: Claim, reason: str) -> bool:
    """Record that the message will not be tried again, with the reason."""
    return _settle(session, claim, status="failed", last_error=reason[:1000])


def mark_cancelled(session: Session, claim: Claim, reason: str) -> bool:
    """Record that the claimed message will not be sent because it no longer should be, with the reason (no try counted)."""
    return _release(session, claim, status="cancelled", last_error=reason[:1000])


def postpone(session: Session, claim: Claim, due_at: dt.datetime, reason: str) -> bool:
    """Hand the claimed message back unsent, due again at due_at (quiet hours), without counting a try."""
    return _release(session, claim, due_at=due_at, last_error=reason[:1000])


def _release(session: Session, claim: Claim, **values: Any) -> bool:
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claim.id, OutboxMessage.status == "queued", OutboxMessage.locked_until == claim.locked_until)
        .values(locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount == 1


def record_text(session: Session, claim: Claim, subject: str, body: str) -> None:
    """Keep the text a claimed message is sent with (its links replaced by placeholders: never a raw token)."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == claim.id, OutboxMessage.locked_until == claim.locked_until)
        .values(subject=subject[:200], body=body)
        .execution_options(synchronize_session=False)
    )


def note_waiting(session: Session, channel: str, reason: str, now: dt.datetime) -> int:
    """Put the reason on due messages of a channel that cannot be sent at all now (no transport); they stay queued."""
    result = session.execute(
        update(OutboxMessage)
        .where(due_messages(now, (channel,)), OutboxMessage.last_error != reason)
        .values(last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount


def mask_recipient(recipient: str, channel: str = "email") -> str:
    """A recipient shown in part: the first letters of an address's local part and its domain, a number's last digits."""
    if channel == "email" and "@" in recipient:
        local, _, domain = recipient.rpartition("@")
        return f"{local[: 2 if len(local) > 3 else 1]}***@{domain}"
    return f"***{recipient[-3:]}" if len(recipient) > 6 else "***"


def mask_addresses(text: str) -> str:
    """Text (an SMTP reply) with every email address in it masked."""
    return _ADDRESS.sub(lambda found: mask_recipient(found.group(0)), text)


@dataclass(frozen=True)
class DeliveryRow:
    """One message on the admin delivery page: where and how it went, never its subject or body."""

    id: int
    kind: str
    channel: str
    recipient: str  # masked
    status: str  # queued, sending, sent, failed or cancelled
    reason: str
    attempts: int
    created: str
    due: str
    sent: str
    intake_id: int | None


def _row(message: OutboxMessage, now: dt.datetime) -> DeliveryRow:
    leased = message.status == "queued" and message.locked_until is not None and as_utc(message.locked_until) > now
    return DeliveryRow(
        id=message.id,
        kind=message.kind,
        channel=message.channel,
        recipient=mask_recipient(message.recipient, message.channel),
        status="sending" if leased else message.status,
        reason=mask_addresses(message.last_error) if message.status != "sent" else "",
        attempts=message.attempts,
        created=minute_text(message.created_at),
        due=minute_text(message.due_at) if message.status == "queued" else "",
        sent=minute_text(message.sent_at),
        intake_id=message.intake_id,
    )


def delivery_page(session: Session, before: int | None, limit: int) -> tuple[list[DeliveryRow], int | None]:
    """Messages newest first, older than id `before` when given; with the `before` of the next page (None at the end)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    messages = list(session.scalars(query))
    now = utcnow()
    rows = [_row(message, now) for message in messages[:limit]]
    return rows, (rows[-1].id if len(messages) > limit and rows else None)


def status_counts(session: Session) -> dict[str, int]:
    """How many messages there are in each status (every status listed, zero included)."""
    found = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: int(found.get(status, 0)) for status in STATUSES}
