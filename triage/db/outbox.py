"""The transactional outbox: a message row is committed with the change that caused it, and a worker sends it later."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.models import OutboxMessage


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
