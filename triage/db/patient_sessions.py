"""Server-side patient sessions: a random id in the browser's cookie, only its SHA-256 here, bound to one invitation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.models import PatientSession

ID_BYTES = 32  # 256 random bits: the id is the only thing that binds a browser to an intake
MAX_ID_CHARS = 64
# last_seen (and the sliding expiry) is written at most this often: a page view should not always be a write.
TOUCH_SECONDS = 60


def digest(raw_id: str) -> str:
    """The stored form of a session id (the id itself is never stored)."""
    return hashlib.sha256(raw_id.encode()).hexdigest()


def start(db_session: Session, intake_id: int, invitation_id: int, lifetime: dt.timedelta, *, verified: bool = False) -> str:
    """Open a session for an invitation's intake; returns the random id for the cookie (shown once, never stored).

    The session opens nothing until the patient has passed the date-of-birth check (`verified_at`), unless `verified`
    (an invitation that records no date of birth has nothing to check).
    """
    now = utcnow()
    # This invitation's dead sessions go: nothing reads them again, and the open count only looks at the last window.
    db_session.execute(
        delete(PatientSession).where(PatientSession.invitation_id == invitation_id, PatientSession.expires_at < now)
    )
    raw_id = new_id()
    db_session.add(
        PatientSession(
            id_sha256=digest(raw_id),
            intake_id=intake_id,
            invitation_id=invitation_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            verified_at=now if verified else None,
        )
    )
    db_session.flush()
    return raw_id


def new_id() -> str:
    """A fresh random session id (also the shape of the decoy id given for a link that matches no invitation)."""
    return secrets.token_urlsafe(ID_BYTES)


@dataclass(frozen=True)
class LiveSession:
    """A live patient session as plain data: which intake and invitation it is bound to, and whether it was verified."""

    id_sha256: str
    intake_id: int
    invitation_id: int
    verified_at: dt.datetime | None


SESSIONS = cast(Table, PatientSession.__table__)
# Built once and read as plain columns: this runs on every patient request (a quarter of the ORM get's time).
LIVE = select(
    SESSIONS.c.id_sha256,
    SESSIONS.c.intake_id,
    SESSIONS.c.invitation_id,
    SESSIONS.c.verified_at,
    SESSIONS.c.last_seen_at,
    SESSIONS.c.expires_at,
    SESSIONS.c.revoked_at,
).where(SESSIONS.c.id_sha256 == bindparam("id_sha256"))


def current(db_session: Session, raw_id: str, lifetime: dt.timedelta) -> LiveSession | None:
    """The live session for a cookie's id (not revoked, not expired), its expiry slid forward; None otherwise."""
    if not raw_id or len(raw_id) > MAX_ID_CHARS:
        return None
    row = db_session.execute(LIVE, {"id_sha256": digest(raw_id)}).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
        return None
    if (now - as_utc(row.last_seen_at)).total_seconds() >= TOUCH_SECONDS:
        # A conditional UPDATE: a revocation committed meanwhile wins (the row then stays revoked and expires).
        db_session.execute(
            update(PatientSession)
            .where(PatientSession.id_sha256 == row.id_sha256, PatientSession.revoked_at.is_(None))
            .values(last_seen_at=now, expires_at=now + lifetime)
            .execution_options(synchronize_session=False)
        )
    return LiveSession(row.id_sha256, row.intake_id, row.invitation_id, row.verified_at)


def row_of(db_session: Session, raw_id: str) -> PatientSession | None:
    """The session row of a cookie's id whatever its state (live, expired or revoked); None when there is none."""
    if not raw_id or len(raw_id) > MAX_ID_CHARS:
        return None
    return db_session.get(PatientSession, digest(raw_id))


def revoke(db_session: Session, raw_id: str) -> None:
    """End one session at once (the browser's cookie no longer opens anything)."""
    if raw_id and len(raw_id) <= MAX_ID_CHARS:
        _revoke_where(db_session, PatientSession.id_sha256 == digest(raw_id))


def _revoke_where(db_session: Session, condition: object) -> int:
    result = db_session.execute(
        update(PatientSession)
        .where(condition, PatientSession.revoked_at.is_(None))  # type: ignore[arg-type]
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def opened_in_window(db_session: Session, invitation_id: int, window_seconds: int) -> int:
    """How many sessions an invitation's link opened in the last window (the per-invitation limit on valid links)."""
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    statement = select(func.count()).where(PatientSession.invitation_id == invitation_id, PatientSession.created_at > since)
    return int(db_session.scalar(statement) or 0)
