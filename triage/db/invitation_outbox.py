"""Queue an invitation's messages in the outbox, in the caller's transaction; their text is composed when sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from triage.db import outbox
from triage.db.models import Invitation, OutboxMessage

PATIENT_KINDS = ("invitation", "reminder")  # outbox kinds whose body the worker composes at send time


def queue_invitation_messages(
    session: Session, invitation: Invitation, *, kind: str, occasion: str, due_at: dt.datetime | None = None
) -> list[OutboxMessage]:
    """Queue one message per channel the invitation has an address for; returns the new ones.

    `occasion` makes the dedupe key (e.g. "created", "resend-3", "7d"): the same occasion is never queued twice.
    The row holds no body and no token: the worker composes the text, with a newly minted link, when it sends.
    """
    if kind not in PATIENT_KINDS:
        raise ValueError(f"not a patient message kind: {kind!r}")
    queued = []
    for channel, address in (("email", invitation.email), ("sms", invitation.mobile)):
        if not address:
            continue
        message = outbox.enqueue(
            session,
            kind=kind,
            channel=channel,
            recipient=address,
            dedupe_key=f"{kind}:{invitation.id}:{occasion}:{channel}",
            intake_id=invitation.intake_id,
            due_at=due_at,
            details={"invitation_id": invitation.id, "occasion": occasion},
        )
        if message is not None:
            queued.append(message)
    return queued
