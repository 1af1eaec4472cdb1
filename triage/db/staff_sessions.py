"""Server-side staff sessions: opened at sign-in, checked on every request (revocation, idle and absolute limits), ended."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.db import users
from triage.db.clock import as_utc
from triage.db.models import StaffSession, User


def session_digest(raw_id: str) -> str:
    """The SHA-256 of a session id: the only form stored."""
    return hashlib.sha256(raw_id.encode()).hexdigest()


def start_session(session: Session, user: User, ip: str | None) -> str:
    """Open a server-side session; returns the random id for the cookie (never stored raw)."""
    raw = secrets.token_urlsafe(32)
    moment = users.now()
    session.add(StaffSession(id_sha256=session_digest(raw), user_id=user.id, created_at=moment, last_seen_at=moment, ip=ip))
    session.flush()
    return raw


@dataclass(frozen=True)
class SessionCheck:
    """A looked-up session: the user when valid, else why not ('missing', 'revoked', 'idle', 'expired')."""

    user: User | None
    reason: str = "ok"


def check_session(session: Session, raw_id: str, idle: dt.timedelta, absolute: dt.timedelta) -> SessionCheck:
    """Validate a session id against revocation, idle and absolute limits; refreshes last-seen time."""
    # The session row and its member in one statement (one round trip per request instead of two); an outer join, so
    # a session whose account row is gone is still found, and refused below.
    found = session.execute(
        select(StaffSession, User)
        .outerjoin(User, User.id == StaffSession.user_id)
        .where(StaffSession.id_sha256 == session_digest(raw_id))
    ).first()
    if found is None:
        return SessionCheck(None, "missing")
    row, user = found
    if row.revoked_at is not None or user is None or not user.active or as_utc(user.password_changed_at) > as_utc(row.created_at):
        return SessionCheck(None, "revoked")
    moment = users.now()
    reason = (
        "expired" if moment - as_utc(row.created_at) > absolute else "idle" if moment - as_utc(row.last_seen_at) > idle else "ok"
    )
    if reason != "ok":
        row.revoked_at = moment
        session.flush()
        return SessionCheck(None, reason)
    if moment - as_utc(row.last_seen_at) > dt.timedelta(seconds=30):
        row.last_seen_at = moment
        session.flush()
    return SessionCheck(user)


def revoke_session(session: Session, raw_id: str) -> None:
    """End one session server-side."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.id_sha256 == session_digest(raw_id), StaffSession.revoked_at.is_(None))
        .values(revoked_at=users.now())
    )
