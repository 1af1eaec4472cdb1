"""Staff accounts: passwords (argon2id), roles, lockout and the TOTP switch (no Flask; see totp.py and staff_sessions.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import pyotp
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.models import AppSetting, RecoveryCode, StaffSession, User
from triage.db.password_policy import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    common_passwords,
    email_problem,
    normalise_email,
    password_problem,
)

# The password and email rules are read through this module too (the staff forms and the CLI use them).
__all__ = ["PASSWORD_MAX", "PASSWORD_MIN", "common_passwords", "email_problem", "normalise_email", "password_problem"]

ROLES = ("clinician", "rules_editor", "admin")
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
TOTP_REQUIRED_KEY = "totp_required"


def make_hasher(time_cost: int = 3, memory_cost: int = 64 * 1024, parallelism: int = 1) -> PasswordHasher:
    """An argon2id hasher; the defaults are the production parameters (tests build a cheap one)."""
    # t=3, m=64 MiB, p=1: above ASVS Appendix C's floor (t=1, m=46 MiB, p=1).
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, hash_len=32, salt_len=16, type=Type.ID
    )


hasher = make_hasher()


def use_hasher(new: PasswordHasher) -> PasswordHasher:
    """Hash and verify every password with `new` from now on (the test suite installs a cheap one); returns the old one."""
    global hasher
    previous, hasher = hasher, new
    _dummy_hash.cache_clear()  # the dummy hash must cost what a real verification with `new` costs
    return previous


class Named(Protocol):
    """Anything that names a staff member: an account row or a view of one."""

    @property
    def email(self) -> str:
        """The sign-in address."""
        ...

    @property
    def display_name(self) -> str:
        """The name to show, or empty."""
        ...


def staff_display(user: Named) -> str:
    """How a page names a staff member: the display name, or the email address while none is set."""
    return user.display_name.strip() or user.email


def shown_name(user: Any) -> ColumnElement[str]:
    """staff_display in SQL, for a User entity or alias: the display name, or the email address while none is set."""
    return func.coalesce(func.nullif(func.trim(user.display_name), ""), user.email)


def now() -> dt.datetime:
    """The clock every account rule reads (tests move it forward by monkeypatching)."""
    return utcnow()


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


def create_user(
    session: Session,
    email: str,
    password: str,
    roles: tuple[str, ...] | list[str] | frozenset[str],
    *,
    totp_enrolled: bool = True,
) -> tuple[User, str]:
    """Create a staff account; returns it and its TOTP provisioning URI (shown once). Raises ValueError on bad input."""
    email = normalise_email(email)
    problem = email_problem(email) or password_problem(password, email) or _roles_problem(roles)
    if problem:
        raise ValueError(problem)
    if user_by_email(session, email) is not None:
        raise ValueError("An account with this email address already exists.")
    moment = now()
    user = User(
        email=email,
        password_hash=hash_password(password),
        roles=",".join(r for r in ROLES if r in roles),
        totp_secret=new_totp_secret(),
        totp_enrolled=totp_enrolled,
        active=True,
        failed_logins=0,
        password_changed_at=moment,
        created_at=moment,
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
    """Set a new password (policy-checked), revoke every session and any forgot-password link (they predate it)."""
    problem = password_problem(password, user.email)
    if problem:
        raise ValueError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at, user.must_change_password = now(), False
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
    # The counter is incremented in SQL, not read-modify-write, so parallel guesses cannot lose a count.
    session.flush()
    count = session.scalar(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_logins=func.coalesce(User.failed_logins, 0) + 1,
            failed_since_login=User.failed_since_login + 1,
            last_failed_login_at=now(),
        )
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    locked = (count or 0) >= MAX_FAILURES
    if locked:
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(locked_until=now() + LOCKOUT, failed_logins=0)
            .execution_options(synchronize_session=False)
        )
    session.refresh(user)
    return locked


def register_success(session: Session, user: User) -> None:
    """Reset the failure counters and record the time after a complete sign-in."""
    user.failed_logins, user.locked_until, user.failed_since_login, user.last_login_at = 0, None, 0, now()
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


def revoke_user_sessions(session: Session, user_id: int) -> None:
    """End every session of an account server-side."""
    session.execute(
        update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)).values(revoked_at=now())
    )
