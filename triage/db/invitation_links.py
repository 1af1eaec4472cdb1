"""The tokens of an invitation's links: minted per sent message, looked up by SHA-256, all replaced on a resend."""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.intakes import TOKEN_BYTES, token_digest
from triage.db.models import Invitation, InvitationToken
from triage.domain.invitations.contact import PURPOSES


def mint_token(session: Session, invitation_id: int, purpose: str, outbox_message_id: int | None = None) -> str:
    """A new raw token for a message about to be sent; only its hash is stored, with the message it went in."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        InvitationToken(
            invitation_id=invitation_id,
            purpose=purpose,
            token_sha256=token_digest(token),
            created_at=utcnow(),
            outbox_message_id=outbox_message_id,
        )
    )
    session.flush()
    return token


def invitation_for_purpose(session: Session, token: str, purpose: str) -> Invitation | None:
    """The invitation a minted token of this purpose belongs to (an opt-out token opens no questionnaire)."""
    return session.scalar(
        select(Invitation)
        .join(InvitationToken, InvitationToken.invitation_id == Invitation.id)
        .where(InvitationToken.token_sha256 == token_digest(token), InvitationToken.purpose == purpose)
    )


def replace_links(session: Session, invitation: Invitation) -> str:
    """Give the invitation a new link and end every earlier one (the first and each message's) at once.

    Returns the new raw token, to show once. Opt-out tokens stay valid: a patient can still stop the reminders
    from an older message.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation.token_sha256 = token_digest(token)
    session.execute(
        delete(InvitationToken).where(InvitationToken.invitation_id == invitation.id, InvitationToken.purpose == "link")
    )
    session.flush()
    return token
