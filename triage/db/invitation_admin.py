"""Staff management of one invitation: its panel (state, masked contact, messages) and resend, extend, revoke, unlock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.db import identity_check
from triage.db.clock import as_utc, minute_text, utcnow
from triage.db.intakes import link_state
from triage.db.invitation_links import replace_links
from triage.db.invitation_outbox import PATIENT_KINDS, queue_invitation_messages
from triage.db.models import Intake, Invitation, OutboxMessage, PatientSession
from triage.db.outbox import mask_addresses

BULLETS = "\u2022\u2022\u2022"


@dataclass(frozen=True)
class MessageRow:
    """One message sent (or to be sent) for an invitation: never its text."""

    id: int
    kind: str
    occasion: str
    channel: str
    recipient: str  # masked
    status: str  # queued, waiting, sending, sent, failed, cancelled
    when: str
    reason: str


@dataclass(frozen=True)
class InvitationPanel:
    """What staff see about one invitation's link."""

    intake_id: int
    ref: str
    state: str  # open, expired, revoked, submitted or locked
    expires: str
    locked_until: str
    name: str
    email: str  # masked
    mobile: str  # masked
    appointment: str
    messages: tuple[MessageRow, ...]


@dataclass(frozen=True)
class Outcome:
    """The result of an action: done or refused (with a reason code), and a new raw link when a resend made one."""

    done: bool
    reason: str = ""
    token: str | None = None
    queued: tuple[str, ...] = ()


def mask_email(address: str) -> str:
    """An email address shown in part: its first letter and the domain (j•••@example.com)."""
    if "@" not in address:
        return ""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}{BULLETS}@{domain}"


def mask_mobile(number: str) -> str:
    """A mobile number shown in part: the country code and the last four digits (+44 •••• ••0123)."""
    if not number:
        return ""
    head = number[:3] if number.startswith("+") else ""
    return f"{head} \u2022\u2022\u2022\u2022 \u2022\u2022{number[-4:]}".strip()


def _invitation(session: Session, intake_id: int) -> Invitation | None:
    return session.scalar(select(Invitation).join(Intake, Intake.id == Invitation.intake_id).where(Intake.id == intake_id))


def state_of(invitation: Invitation, now: dt.datetime | None = None) -> str:
    """The link's state for staff: 'locked' when open but locked after wrong dates of birth, else the link state."""
    state = link_state(invitation, now)
    return "locked" if state == "open" and identity_check.is_locked(invitation, now) else state


def _messages(session: Session, intake_id: int, now: dt.datetime) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.intake_id == intake_id, OutboxMessage.kind.in_(PATIENT_KINDS))
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def _message_row(message: OutboxMessage, now: dt.datetime) -> MessageRow:
    status = message.status
    if status == "queued" and message.locked_until is not None and as_utc(message.locked_until) > now:
        status = "sending"
    elif status == "queued" and (message.last_error or as_utc(message.due_at) > now):
        status = "waiting"
    when = {"sent": message.sent_at, "queued": message.created_at}.get(message.status, message.due_at)
    recipient = mask_email(message.recipient) if message.channel == "email" else mask_mobile(message.recipient)
    return MessageRow(
        id=message.id,
        kind=message.kind,
        occasion=str((message.details or {}).get("occasion", "")),
        channel=message.channel,
        recipient=recipient,
        status=status,
        when=minute_text(message.due_at if status == "waiting" else when),
        reason=mask_addresses(message.last_error) if message.status != "sent" else "",
    )


def panel(session: Session, intake_id: int) -> InvitationPanel | None:
    """The invitation panel of an intake; None when the intake has no invitation."""
    invitation = _invitation(session, intake_id)
    if invitation is None:
        return None
    now = utcnow()
    return InvitationPanel(
        intake_id=intake_id,
        ref=invitation.intake.ref,
        state=state_of(invitation, now),
        expires=minute_text(invitation.expires_at),
        locked_until=minute_text(invitation.locked_until) if identity_check.is_locked(invitation, now) else "",
        name=invitation.patient_name,
        email=mask_email(invitation.email),
        mobile=mask_mobile(invitation.mobile),
        appointment=minute_text(invitation.appointment_at)
        or (invitation.intake.appointment_date.isoformat() if invitation.intake.appointment_date else ""),
        messages=tuple(_message_row(m, now) for m in _messages(session, intake_id, now)),
    )


def _cancel_queued(session: Session, intake_id: int, kinds: tuple[str, ...], reason: str) -> int:
    # A message a worker is sending now (leased) is left to it: the worker's composer drops what should not go.
    free = OutboxMessage.locked_until.is_(None) | (OutboxMessage.locked_until <= utcnow())
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.intake_id == intake_id, OutboxMessage.kind.in_(kinds), OutboxMessage.status == "queued", free)
        .values(status="cancelled", last_error=reason, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def resend(session: Session, intake_id: int, expiry_days: int) -> Outcome | None:
    """A new link (every earlier one stops at once), a fresh expiry, reopened if revoked, and its messages queued."""
    invitation = _invitation(session, intake_id)
    if invitation is None:
        return None
    if link_state(invitation) == "submitted":
        return Outcome(False, "submitted")
    earlier = [m for m in _messages(session, intake_id, utcnow()) if m.kind == "invitation"]
    resends = {str((m.details or {}).get("occasion", "")) for m in earlier} - {"created", ""}
    _cancel_queued(session, intake_id, ("invitation",), "replaced by a resend")
    token = replace_links(session, invitation)
    invitation.revoked_at = None
    invitation.expires_at = utcnow() + dt.timedelta(days=expiry_days)
    queued = queue_invitation_messages(session, invitation, kind="invitation", occasion=f"resend-{len(resends) + 1}")
    session.flush()
    return Outcome(True, token=token, queued=tuple(m.channel for m in queued))


def extend(session: Session, intake_id: int, days: int) -> Outcome | None:
    """Let the link work until `days` from now (not for a submitted or revoked invitation)."""
    invitation = _invitation(session, intake_id)
    if invitation is None:
        return None
    state = link_state(invitation)
    if state in ("submitted", "revoked"):
        return Outcome(False, state)
    invitation.expires_at = utcnow() + dt.timedelta(days=days)
    session.flush()
    return Outcome(True)


def revoke(session: Session, intake_id: int) -> Outcome | None:
    """End the link now: its live patient sessions end and its queued messages are cancelled."""
    invitation = _invitation(session, intake_id)
    if invitation is None:
        return None
    state = link_state(invitation)
    if state in ("submitted", "revoked"):
        return Outcome(False, state)
    now = utcnow()
    invitation.revoked_at = now
    session.execute(
        update(PatientSession)
        .where(PatientSession.invitation_id == invitation.id, PatientSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    _cancel_queued(session, intake_id, PATIENT_KINDS, "the invitation was revoked")
    session.flush()
    return Outcome(True)


def unlock(session: Session, intake_id: int) -> Outcome | None:
    """Let the patient try their date of birth again after too many wrong ones."""
    invitation = _invitation(session, intake_id)
    if invitation is None:
        return None
    if not identity_check.is_locked(invitation) and not invitation.dob_failures:
        return Outcome(False, "not_locked")
    identity_check.unlock(session, invitation.id)
    session.expire(invitation)
    return Outcome(True)
