"""The append-only, hash-chained audit log of every access to health data and every security event."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.models import AuditEvent

GENESIS = "0" * 64


class AuditLogImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


def _row_digest(prev: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


def _utc_text(moment: dt.datetime) -> str:
    # Both databases store UTC, so the hash covers the time as UTC text (PostgreSQL may answer in another zone).
    return as_utc(moment).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _fields(row: AuditEvent) -> dict[str, Any]:
    return {
        "at": _utc_text(row.at),
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "intake_id": row.intake_id,
        "ruleset_version": row.ruleset_version,
        "ip": row.ip,
        "outcome": row.outcome,
        "detail": row.detail,
    }


def _lock_chain(session: Session) -> None:
    # Several app processes may write at once: serialise appends so the chain never forks.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7311)"))


def record(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    intake_id: int | None = None,
    ruleset_version: str | None = None,
    ip: str | None = None,
    outcome: str = "ok",
    detail: str = "",
) -> AuditEvent:
    """Append one audit row (never answer values or tokens) chained to the previous row."""
    _lock_chain(session)
    prev = session.scalar(select(AuditEvent.row_sha256).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    row = AuditEvent(
        at=utcnow(),
        actor=actor[:120],
        role=role,
        action=action,
        intake_id=intake_id,
        ruleset_version=ruleset_version,
        ip=ip,
        outcome=outcome,
        detail=detail[:2000],
        prev_sha256=prev,
        row_sha256="",
    )
    row.row_sha256 = _row_digest(prev, _fields(row))
    session.add(row)
    session.flush()
    return row


def verify_chain(session: Session) -> bool:
    """Whether every audit row's hash matches its content and the row before it."""
    prev = GENESIS
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if row.prev_sha256 != prev or row.row_sha256 != _row_digest(prev, _fields(row)):
            return False
        prev = row.row_sha256
    return True


def refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """A before_flush guard (registered by Database): audit rows are never changed or deleted through the ORM."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogImmutable("audit rows cannot be changed or deleted")
