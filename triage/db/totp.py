"""The second sign-in factor: TOTP codes (each time step used once) and one-time recovery codes, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from triage.db import users
from triage.db.models import RecoveryCode, User

TOTP_STEP = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _claim_step(session: Session, user: User, step: int) -> bool:
    """Record `step` as the account's last used one, if no request recorded it (or a later one) first."""
    # One conditional UPDATE, so the check and the write are one statement: of several sign-ins racing with the same
    # code, the database lets exactly one change the row (PostgreSQL re-checks the WHERE after the row lock; SQLite
    # runs one writer at a time). A read-then-write in Python let two of them through.
    claimed = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if not isinstance(claimed, CursorResult) or claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def verify_totp(session: Session, user: User, code: str) -> bool:
    """Accept a TOTP code within ±1 step, once: its time step must be newer than the last one used (atomically)."""
    code = code.strip().replace(" ", "")
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp, current = pyotp.TOTP(user.totp_secret), int(users.now().timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if step > (user.totp_last_step or -1) and hmac.compare_digest(totp.generate_otp(step), code):
            return _claim_step(session, user, step)
    return False


def _recovery_digest(code: str) -> str:
    # Codes carry 80 random bits, so a plain SHA-256 is enough (as for invitation tokens).
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the account's recovery codes; returns the new ones (shown once, stored hashed)."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(16))  # 80 bits
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(raw)))
    session.flush()
    return codes


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Accept an unused recovery code once (one conditional UPDATE, so two racing sign-ins cannot both use it)."""
    if not 16 <= len(code) <= 24:
        return False
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.code_hash == _recovery_digest(code))
        .values(used_at=users.now())
        .execution_options(synchronize_session=False)
    )
    return isinstance(used, CursorResult) and used.rowcount == 1


def unused_recovery_codes(session: Session, user_id: int) -> int:
    """How many recovery codes the account has left."""
    return len(
        list(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))))
    )
