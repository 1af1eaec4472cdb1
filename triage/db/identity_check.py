"""The date-of-birth check on a patient link: wrong answers in a row, the hour-long lock after five, verify and unlock.

A link that matches no invitation gets the same check through a decoy: its wrong answers are counted (by the decoy
session's hashed id) in the rate-limit table, so its page locks after the same number of tries.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from triage.db import intakes as queries
from triage.db.clock import as_utc, utcnow
from triage.db.models import Invitation, PatientSession
from triage.db.patient_sessions import digest

MAX_FAILURES = 5  # the fifth wrong answer in a row locks the link
LOCK_SECONDS = 3600  # for an hour
DECOY_PREFIX = "patient-check-decoy:"


def is_locked(invitation: Invitation, now: dt.datetime | None = None) -> bool:
    """Whether the link is locked now (too many wrong dates of birth in a row)."""
    until = invitation.locked_until
    return until is not None and as_utc(until) > (now or utcnow())


def matches(invitation: Invitation, answer: dt.date | None) -> bool:
    """Whether an answer is the invitation's date of birth (an invitation without one has nothing to match)."""
    return invitation.date_of_birth is not None and answer == invitation.date_of_birth


def record_failure(db_session: Session, invitation: Invitation, now: dt.datetime | None = None) -> bool:
    """Count one wrong answer; the fifth in a row locks the link for an hour. Returns whether the link is now locked."""
    now = now or utcnow()
    if invitation.locked_until is not None and not is_locked(invitation, now):
        invitation.dob_failures = 0  # an expired lock starts a fresh run of tries
        invitation.locked_until = None
    invitation.dob_failures = (invitation.dob_failures or 0) + 1
    if invitation.dob_failures >= MAX_FAILURES:
        invitation.locked_until = now + dt.timedelta(seconds=LOCK_SECONDS)
    db_session.flush()
    return is_locked(invitation, now)


def verify(db_session: Session, invitation: Invitation, session_id_sha256: str, now: dt.datetime | None = None) -> None:
    """A right answer: the browser's session is verified, the run of wrong answers ends, the first pass is recorded."""
    now = now or utcnow()
    db_session.execute(
        update(PatientSession)
        .where(PatientSession.id_sha256 == session_id_sha256, PatientSession.verified_at.is_(None))
        .values(verified_at=now)
        .execution_options(synchronize_session=False)
    )
    invitation.dob_failures = 0
    invitation.locked_until = None
    if invitation.verified_at is None:
        invitation.verified_at = now
    db_session.flush()


def unlock(db_session: Session, invitation_id: int) -> bool:
    """Staff unlock a link at once (the patient may try again, five times); returns whether the invitation exists."""
    result = db_session.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id)
        .values(dob_failures=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def decoy_locked(db_session: Session, raw_session_id: str, now: dt.datetime | None = None) -> bool:
    """Whether a decoy (a link that matches no invitation) shows the locked page now."""
    key = DECOY_PREFIX + digest(raw_session_id)
    return queries.hits_in_window(db_session, key, LOCK_SECONDS, now or utcnow()) >= MAX_FAILURES


def decoy_failure(db_session: Session, raw_session_id: str, now: dt.datetime | None = None) -> bool:
    """Count a decoy's wrong answer (every answer is wrong); returns whether its page is now locked."""
    key = DECOY_PREFIX + digest(raw_session_id)
    return queries.count_hit(db_session, key, LOCK_SECONDS, now or utcnow()) >= MAX_FAILURES
