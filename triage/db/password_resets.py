"""Forgot-password links: a random token that works once, until it expires, stored only as its SHA-256.

A link stops working when it is used, when a newer link is sent, when it expires (PASSWORD_RESET_MINUTES), when the
password changes by any route after it was sent, or when the account is disabled. The emailed copy of the link lives in
the outbox row until that row is sent; once the link can no longer work, the sent row's body is blanked too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from triage.db import users
from triage.db.clock import as_utc
from triage.db.models import OutboxMessage, User
from triage.db.models.staff import PasswordReset

MAIL_KIND = "password_reset"
TOKEN_MAX = 128
LINK_REMOVED = "(This message held a password-reset link that has been used or has expired; the link was removed.)"


def token_digest(raw: str) -> str:
    """The SHA-256 of a token: the only form stored (256 random bits need no slow hash)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def dedupe_key(reset_id: int) -> str:
    """The outbox key of the email that carries one link."""
    return f"password-reset:{reset_id}"


def issue(session: Session, user: User, minutes: int) -> tuple[PasswordReset, str]:
    """A new link for the account (earlier unused ones stop working); returns its row and the raw token, shown once."""
    moment = users.now()
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    )
    raw = secrets.token_urlsafe(32)
    row = PasswordReset(
        user_id=user.id, token_sha256=token_digest(raw), created_at=moment, expires_at=moment + dt.timedelta(minutes=minutes)
    )
    session.add(row)
    session.flush()
    forget_links(session, user.id)
    return row, raw


def find(session: Session, raw: str) -> tuple[PasswordReset, User] | None:
    """The link's row and account while the link still works, else None."""
    if not raw or len(raw) > TOKEN_MAX:
        return None
    row = session.scalar(select(PasswordReset).where(PasswordReset.token_sha256 == token_digest(raw)))
    if row is None or row.used_at is not None or as_utc(row.expires_at) <= users.now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or as_utc(user.password_changed_at) > as_utc(row.created_at):
        return None
    return row, user


def redeem(session: Session, raw: str, new_password: str) -> User | None:
    """Set the new password through a working link, once; None when the link does not work (ValueError: policy)."""
    found = find(session, raw)
    if found is None:
        return None
    row, user = found
    problem = users.password_problem(new_password, user.email)
    if problem:
        raise ValueError(problem)  # before the link is spent: the member may try another password
    # One conditional UPDATE: of two requests racing with the same link, exactly one changes the row.
    claimed = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=users.now())
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:
        return None
    users.change_password(session, user, new_password)  # ends every session of the account
    # Whoever holds the mailbox has shown it: a lockout from guesses at the old password ends with it.
    user.failed_logins, user.locked_until = 0, None
    session.flush()
    forget_links(session, user.id)
    return user


def forget_links(session: Session, user_id: int) -> int:
    """Blank the body of the account's sent reset emails whose link no longer works; how many were blanked."""
    dead = select(PasswordReset.id).where(
        PasswordReset.user_id == user_id,
        or_(PasswordReset.used_at.is_not(None), PasswordReset.expires_at <= users.now()),
    )
    keys = [dedupe_key(reset_id) for reset_id in session.scalars(dead)]
    if not keys:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.kind == MAIL_KIND,
            OutboxMessage.status.in_(("sent", "failed")),
            OutboxMessage.dedupe_key.in_(keys),
            OutboxMessage.body != LINK_REMOVED,
        )
        .values(body=LINK_REMOVED)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", result).rowcount
