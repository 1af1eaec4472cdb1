"""Staff accounts: passwords (argon2id), TOTP, recovery codes, lockout and server-side sessions (no Flask)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from triage.db.models import AppSetting, RecoveryCode, StaffSession, User, utcnow
from triage.db.password_policy import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    common_passwords,
    email_problem,
    normalise_email,
    password_problem,
)

__all__ = ["PASSWORD_MAX", "PASSWORD_MIN", "common_passwords", "email_problem", "normalise_email", "password_problem"]  # re-exported

ROLES = ("clinician", "rules_editor", "admin")
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
TOTP_STEP = 30
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
TOTP_REQUIRED_KEY = "totp_required"

# argon2id, t=3, m=64 MiB, p=1: above ASVS Appendix C's floor (t=1, m=46 MiB, p=1).
hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)


def now() -> dt.datetime:
    """The clock every account rule reads (tests move it forward by monkeypatching)."""
    return utcnow()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time as aware UTC (SQLite hands back naive datetimes)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def parse_roles(roles: str) -> frozenset[str]:
    """The role set stored as comma-separated text."""
    return frozenset(r for r in roles.split(",") if r in ROLES)


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher.hash(secrets.token_hex(16))


def dummy_verify() -> None:
    """Spend the time of a real verification so unknown accounts answer like wrong passwords."""
    try:
        hasher.verify(_dummy_hash(), "not-the-password")
    except VerificationError:
        pass


def verify_password(user: User, password: str) -> bool:
    """Check a password; upgrades the stored hash when the hashing parameters have changed."""
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def new_totp_secret() -> str:
    """A random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, issuer: str = "gut-triage") -> str:
    """The otpauth:// URI for an authenticator app."""
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=issuer)


def create_user(session: Session, email: str, password: str, roles: tuple[str, ...] | list[str] | frozenset[str], *, totp_enrolled: bool = True) -> tuple[User, str]:
    """Create a staff account; returns it and its TOTP provisioning URI (shown once). Raises ValueError on bad input."""
    email = normalise_email(email)
    problem = email_problem(email) or password_problem(password, email) or _roles_problem(roles)
    if problem:
        raise ValueError(problem)
    if user_by_email(session, email) is not None:
        raise ValueError("An account with this email address already exists.")
    moment = now()
    user = User(
        email=email, password_hash=hash_password(password), roles=",".join(r for r in ROLES if r in roles), totp_secret=new_totp_secret(),
        totp_enrolled=totp_enrolled, active=True, failed_logins=0, password_changed_at=moment, created_at=moment,
    )
    session.add(user)
    session.flush()
    return user, provisioning_uri(user)


def _roles_problem(roles: tuple[str, ...] | list[str] | frozenset[str]) -> str | None:
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        return f"Choose one or more roles from: {', '.join(ROLES)}."
    return None


def user_by_email(session: Session, email: str) -> User | None:
    """The account with this email address, if any."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session) -> list[User]:
    """Every staff account, by email."""
    return list(session.scalars(select(User).order_by(User.email)))


def set_roles(session: Session, user: User, roles: tuple[str, ...] | list[str] | frozenset[str]) -> None:
    """Replace an account's roles."""
    problem = _roles_problem(roles)
    if problem:
        raise ValueError(problem)
    user.roles = ",".join(r for r in ROLES if r in roles)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Enable or disable an account; disabling revokes every session."""
    user.active = active
    if not active:
        revoke_user_sessions(session, user.id)
    session.flush()


def change_password(session: Session, user: User, password: str) -> None:
    """Set a new password (policy-checked) and revoke every session of the account."""
    problem = password_problem(password, user.email)
    if problem:
        raise ValueError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = now()
    revoke_user_sessions(session, user.id)
    session.flush()


def reset_totp(session: Session, user: User) -> None:
    """Forget the authenticator: a new secret to enrol at next sign-in; recovery codes and sessions go."""
    user.totp_secret, user.totp_enrolled, user.totp_last_step = new_totp_secret(), False, None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    revoke_user_sessions(session, user.id)
    session.flush()


def is_locked(user: User) -> bool:
    """Whether the account is in a temporary lockout."""
    return user.locked_until is not None and as_utc(user.locked_until) > now()


def register_failure(session: Session, user: User) -> bool:
    """Count a failed password or code; returns True when this failure starts a lockout."""
    user.failed_logins = (user.failed_logins or 0) + 1
    locked = user.failed_logins >= MAX_FAILURES
    if locked:
        user.locked_until, user.failed_logins = now() + LOCKOUT, 0
    session.flush()
    return locked


def register_success(session: Session, user: User) -> None:
    """Reset the failure counter after a complete sign-in."""
    user.failed_logins, user.locked_until = 0, None
    session.flush()


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of the password step: 'ok', 'invalid', 'disabled' or 'locked' (all failures look the same to the user)."""

    outcome: str
    user: User | None
    lockout_started: bool = False


def check_password(session: Session, email: str, password: str) -> PasswordCheck:
    """The password step: same work and answer whether the account is unknown, disabled, locked or the password wrong."""
    user = user_by_email(session, email) if len(email) <= 254 else None
    if user is None or not user.active:
        dummy_verify()
        return PasswordCheck("invalid" if user is None else "disabled", user)
    if is_locked(user):
        dummy_verify()
        return PasswordCheck("locked", user)
    if not verify_password(user, password):
        return PasswordCheck("invalid", user, register_failure(session, user))
    return PasswordCheck("ok", user)


def verify_totp(session: Session, user: User, code: str) -> bool:
    """Accept a TOTP code within ±1 step, once: its time step must be newer than the last one used."""
    code = code.strip().replace(" ", "")
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    totp, current = pyotp.TOTP(user.totp_secret), int(now().timestamp()) // TOTP_STEP
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
    row = session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.code_hash == _recovery_digest(code)))
    if row is None:
        return False
    row.used_at = now()
    session.flush()
    return True


def unused_recovery_codes(session: Session, user_id: int) -> int:
    """How many recovery codes the account has left."""
    return len(list(session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))))


def totp_required(session: Session) -> bool:
    """Whether staff must pass TOTP (default yes; an admin may switch it off on a development install)."""
    return session.scalar(select(AppSetting.value).where(AppSetting.key == TOTP_REQUIRED_KEY)) != "0"


def set_totp_required(session: Session, required: bool) -> None:
    """Record the TOTP switch."""
    row = session.get(AppSetting, TOTP_REQUIRED_KEY)
    value = "1" if required else "0"
    if row is None:
        session.add(AppSetting(key=TOTP_REQUIRED_KEY, value=value, changed_at=now()))
    else:
        row.value, row.changed_at = value, now()
    session.flush()


def session_digest(raw_id: str) -> str:
    """The SHA-256 of a session id: the only form stored."""
    return hashlib.sha256(raw_id.encode()).hexdigest()


def start_session(session: Session, user: User, ip: str | None) -> str:
    """Open a server-side session; returns the random id for the cookie (never stored raw)."""
    raw = secrets.token_urlsafe(32)
    moment = now()
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
    row = session.get(StaffSession, session_digest(raw_id))
    if row is None:
        return SessionCheck(None, "missing")
    user = session.get(User, row.user_id)
    if row.revoked_at is not None or user is None or not user.active or as_utc(user.password_changed_at) > as_utc(row.created_at):
        return SessionCheck(None, "revoked")
    moment = now()
    reason = "expired" if moment - as_utc(row.created_at) > absolute else "idle" if moment - as_utc(row.last_seen_at) > idle else "ok"
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
    session.execute(update(StaffSession).where(StaffSession.id_sha256 == session_digest(raw_id), StaffSession.revoked_at.is_(None)).values(revoked_at=now()))


def revoke_user_sessions(session: Session, user_id: int) -> None:
    """End every session of an account server-side."""
    session.execute(update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)).values(revoked_at=now()))
