"""Named queries for the administration pages: staff accounts without their secrets, and the filtered audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from triage.db import users
from triage.db.clock import second_text
from triage.db.models import AuditEvent, User

# The chain hashes go last: an exported file can be checked against the chain (`triage audit verify` on the database).
AUDIT_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "action",
    "intake_id",
    "ruleset_version",
    "ip",
    "outcome",
    "detail",
    "prev_sha256",
    "row_sha256",
)


@dataclass(frozen=True)
class Account:
    """A staff account as the admin pages show it: never its password hash or TOTP secret."""

    id: int
    email: str
    roles: frozenset[str]
    roles_text: str
    active: bool
    locked: bool
    totp_enrolled: bool


def _account(user: User) -> Account:
    return Account(
        user.id, user.email, users.parse_roles(user.roles), user.roles, user.active, users.is_locked(user), user.totp_enrolled
    )


def list_accounts(session: Session) -> list[Account]:
    """Every staff account, by email."""
    return [_account(user) for user in users.list_users(session)]


def account(session: Session, user_id: int) -> Account | None:
    """One staff account, if it exists."""
    user = session.get(User, user_id)
    return _account(user) if user is not None else None


def create_account(session: Session, email: str, password: str, roles: Collection[str]) -> Account:
    """Create an account whose member enrols TOTP at first sign-in; raises ValueError on bad input."""
    user, _uri = users.create_user(session, email, password, frozenset(roles), totp_enrolled=False)
    return _account(user)


def set_roles(session: Session, user_id: int, roles: Collection[str]) -> Account | None:
    """Replace an account's roles; the account as it is now (None when it does not exist)."""
    user = session.get(User, user_id)
    if user is None:
        return None
    users.set_roles(session, user, frozenset(roles))
    return _account(user)


def set_active(session: Session, user_id: int, active: bool) -> bool:
    """Enable or disable an account (disabling revokes every session); False when it does not exist."""
    user = session.get(User, user_id)
    if user is None:
        return False
    users.set_active(session, user, active)
    return True


def reset_totp(session: Session, user_id: int) -> bool:
    """Forget an account's authenticator (see users.reset_totp); False when it does not exist."""
    user = session.get(User, user_id)
    if user is None:
        return False
    users.reset_totp(session, user)
    return True


@dataclass(frozen=True)
class AuditRow:
    """One audit event as plain data, with its chain hashes (the previous row's and its own keyed hash)."""

    id: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    intake_id: int | None
    ruleset_version: str | None
    ip: str | None
    outcome: str
    detail: str
    prev_sha256: str = ""
    row_sha256: str = ""

    @property
    def shown_at(self) -> str:
        """The time to the second in the clinic's time zone, with the zone's abbreviation (the CSV export keeps UTC)."""
        return second_text(self.at)

    def cells(self) -> list[Any]:
        """The values in AUDIT_COLUMNS order (for the CSV export)."""
        return [getattr(self, column) for column in AUDIT_COLUMNS]


@dataclass(frozen=True)
class AuditFilter:
    """Which audit events to show: by actor (email) and/or intake; both None for all."""

    actor: str | None = None
    intake_id: int | None = None

    @property
    def described(self) -> str:
        """The filter in words for the audit log's own audit row ('all' when there is none)."""
        parts = ([f"actor={self.actor}"] if self.actor else []) + ([f"intake={self.intake_id}"] if self.intake_id else [])
        return " ".join(parts) or "all"


def _audit_select(wanted: AuditFilter) -> Select[AuditEvent]:
    statement = select(AuditEvent)
    if wanted.actor:
        statement = statement.where(AuditEvent.actor == wanted.actor)
    if wanted.intake_id:
        statement = statement.where(AuditEvent.intake_id == wanted.intake_id)
    return statement


def _row(event: AuditEvent) -> AuditRow:
    return AuditRow(
        event.id,
        event.at,
        event.actor,
        event.role,
        event.action,
        event.intake_id,
        event.ruleset_version,
        event.ip,
        event.outcome,
        event.detail,
        event.prev_sha256,
        event.row_sha256,
    )


def audit_page(session: Session, wanted: AuditFilter, page: int, size: int) -> tuple[list[AuditRow], int]:
    """One page of matching audit events, newest first, and how many match in all."""
    statement = _audit_select(wanted)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    events = session.scalars(statement.order_by(AuditEvent.id.desc()).limit(size).offset((page - 1) * size))
    return [_row(event) for event in events], total


def last_audit_id(session: Session) -> int:
    """The id of the newest audit event (0 when there is none)."""
    return session.scalar(select(func.max(AuditEvent.id))) or 0


def audit_rows(session: Session, wanted: AuditFilter, up_to: int) -> Iterator[AuditRow]:
    """Every matching audit event up to this id, oldest first, read in batches."""
    statement = _audit_select(wanted).where(AuditEvent.id <= up_to).order_by(AuditEvent.id).execution_options(yield_per=500)
    for event in session.scalars(statement):
        yield _row(event)
