"""The append-only audit log of every access to health data and every security event, sealed by a keyed hash chain.

Each row carries HMAC-SHA256(AUDIT_KEY, previous row's hash + the row's fields): the key lives in the settings, never in
the database, so whoever can write the table (even its owner) cannot re-chain it after a change. Rows written before the
chain was keyed (plain SHA-256) are accepted only as the chain's first rows, ended by one keyed `audit.seal` row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.models import AuditEvent

GENESIS = "0" * 64
AUDIT_KEY_INFO = "triage_audit_key"  # the Session.info entry the Database puts the key in
SEAL_ACTION = "audit.seal"
# Any fixed number: every process that appends to the chain takes this PostgreSQL advisory lock first.
PG_CHAIN_LOCK = 7311


class AuditLogImmutable(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


class AuditKeyMissing(RuntimeError):
    """Raised when a session that would write or check the audit chain has no key."""


def _canonical(prev: str, fields: dict[str, Any]) -> bytes:
    return (prev + json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)).encode()


def _row_digest(prev: str, fields: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, _canonical(prev, fields), hashlib.sha256).hexdigest()


def _unkeyed_digest(prev: str, fields: dict[str, Any]) -> str:
    # The chain before AUDIT_KEY: kept only to verify such rows at the start of an existing log.
    return hashlib.sha256(_canonical(prev, fields)).hexdigest()


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


def chain_key(session: Session) -> bytes:
    """The audit chain key of a session (put there by Database from Settings.AUDIT_KEY)."""
    key = session.info.get(AUDIT_KEY_INFO)
    if not key:
        raise AuditKeyMissing("this database session has no audit key (Database(..., audit_key=Settings.AUDIT_KEY))")
    return str(key).encode()


def _lock_chain(session: Session) -> None:
    """Hold the chain's write lock before the previous hash is read, until this transaction ends, on both databases."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Released at commit or rollback; the SELECT of the previous hash runs after it, so it sees every committed row.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_CHAIN_LOCK})
    elif connection.dialect.name == "sqlite":
        # pysqlite begins a transaction only at the first write, so the previous hash would be read outside the lock
        # and two writers could chain to the same row. BEGIN IMMEDIATE takes SQLite's write lock now (waiting
        # busy_timeout for it); inside a transaction already begun (e.g. a SAVEPOINT with no write yet), a write that
        # touches no row takes it.
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("UPDATE audit_events SET id = id WHERE 0")


def _append(session: Session, key: bytes, **values: Any) -> AuditEvent:
    _lock_chain(session)
    prev = session.scalar(select(AuditEvent.row_sha256).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    # Every hashed field set here: a column default applied by the INSERT would not be in the hash.
    fields = {"intake_id": None, "ruleset_version": None, "ip": None, "outcome": "ok", "detail": "", **values}
    row = AuditEvent(at=utcnow(), prev_sha256=prev, row_sha256="", **fields)
    row.row_sha256 = _row_digest(prev, _fields(row), key)
    session.add(row)
    session.flush()
    return row


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
    """Append one audit row (never answer values or tokens) chained to the previous row under the chain's lock."""
    return _append(
        session,
        chain_key(session),
        actor=actor[:120],
        role=role,
        action=action,
        intake_id=intake_id,
        ruleset_version=ruleset_version,
        ip=ip,
        outcome=outcome,
        detail=detail[:2000],
    )


@dataclass(frozen=True)
class ChainReport:
    """What a walk of the chain found: the rows checked, the unkeyed rows before the seal, the first broken row."""

    rows: int
    unkeyed: int = 0
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether the whole chain verified."""
        return not self.reason

    def __bool__(self) -> bool:
        return self.ok


def verify_chain(session: Session, key: bytes | None = None) -> ChainReport:
    """Walk the chain in id order: every row's keyed hash must match its content and the row before it."""
    key = key if key is not None else chain_key(session)
    prev, count, unkeyed, keyed = GENESIS, 0, 0, False
    statement = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for row in session.scalars(statement):
        count += 1
        fields = _fields(row)
        if row.prev_sha256 != prev:
            return ChainReport(
                count, unkeyed, row.id, "its previous hash is not the hash of the row before it (a row removed or inserted)"
            )
        if hmac.compare_digest(row.row_sha256, _row_digest(prev, fields, key)):
            if not keyed and unkeyed and row.action != SEAL_ACTION:
                return ChainReport(count, unkeyed, row.id, "the unkeyed rows before it were never sealed (`triage audit seal`)")
            keyed = True
        elif not keyed and row.action != SEAL_ACTION and row.row_sha256 == _unkeyed_digest(prev, fields):
            unkeyed += 1
        else:
            return ChainReport(
                count, unkeyed, row.id, "its hash does not match its content (changed, or re-chained without the key)"
            )
        prev = row.row_sha256
    if unkeyed and not keyed:
        return ChainReport(count, unkeyed, None, "the chain holds only unkeyed rows: run `triage audit seal` once")
    return ChainReport(count, unkeyed)


def seal_unkeyed(session: Session, actor: str) -> AuditEvent | None:
    """Once, after the upgrade that keyed the chain: end the unkeyed rows with a keyed seal row (None when none need it)."""
    key = chain_key(session)
    _lock_chain(session)
    report = verify_chain(session, key)
    if not report.ok and report.broken_id is None:  # only unkeyed rows, all intact
        return _append(
            session,
            key,
            actor=actor,
            role="system",
            action=SEAL_ACTION,
            detail=f"sealed {report.unkeyed} unkeyed rows written before the audit key",
        )
    return None


def refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """A before_flush guard (registered by Database): audit rows are never changed or deleted through the ORM."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogImmutable("audit rows cannot be changed or deleted")
