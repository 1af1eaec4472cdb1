"""The second sign-in factor: TOTP codes (each time step used once) and one-time recovery codes, stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from triage.db import users
from triage.db.models import RecoveryCode, User

TOTP_STEP = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def verify_totp(session: Session, user: User, code: str) -> bool:
    """Accept a TOTP code within ±1 step, once: its time step must be newer than the last one used."""
    code = code.strip().replace(" ", "")
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp, current = pyotp.TOTP(user.totp_secret), int(users.now().timestamp()) // TOTP_STEP
    for step in (current - 1, current, current + 1):
        if step > (user.totp_last_step or -1) and hmac.compare_digest(totp.generate_otp(step), code):
            user.totp_last_step = step
            session.flush()
            return True
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
    """Accept an unused recovery code once."""
    if not 16 <= len(code) <= 24:
        return False
    row = session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.code_hash == _recovery_digest(code)
        )
    )
    if row is None:
        return False
    row.used_at = users.now()
    session.flush()
    return True


def unused_recovery_codes(session: Session, user_id: int) -> int:
    """How many recovery codes the account has left."""
    return len(
        list(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))))
    )
