"""Retention: the named queries that find what is past its period, count it, and delete it in batches, audited.

An intake is past its period when nothing happened to it (no save, submission, result, alert, decision, note,
feedback, letter revision or patient visit) since the intakes' cutoff, and its letter, if it has one, was last revised
before the letters' cutoff. It goes with every row that names it: every table with an intake_id column, or a column
referring to the intake or its invitation (so tables added later are covered too), its background jobs and its
stored letter PDFs (rows of pdf_cache). The audit log keeps its rows: their intake_id is sealed in the hash chain, so
each deleted intake gets an `intake.delete` row instead, which says that the earlier rows name an intake now gone.
Sent, failed and cancelled messages go when older than the messages' period.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, Table, and_, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session

from triage.db import audit
from triage.db.clinic_profile import ClinicProfile
from triage.db.models import (
    Alert,
    Answer,
    BackgroundJob,
    Base,
    ClinicianNote,
    DifferentialFeedback,
    Evaluation,
    Intake,
    Invitation,
    LetterRevision,
    OutboxMessage,
    PatientSession,
    TriageDecision,
)
from triage.domain.retention import Cutoffs, RetentionPeriods

BATCH = 500  # intakes (and messages) per transaction
FINISHED = ("sent", "failed", "cancelled")  # a queued or sending message is never deleted for its age
PG_LOCK = 7312  # any fixed number: every retention batch holds this advisory lock, so two runs never overlap
KEPT_TABLES = ("audit_events", "intakes")  # the audit log is kept; intakes themselves are deleted last
# What counts as activity on an intake, beyond its own times: the newest row of each of these.
ACTIVITY = (
    (Answer.intake_id, (Answer.updated_at,)),
    (Evaluation.intake_id, (Evaluation.created_at,)),
    (Alert.intake_id, (Alert.raised_at, Alert.acknowledged_at, Alert.escalated_at)),
    (TriageDecision.intake_id, (TriageDecision.decided_at,)),
    (ClinicianNote.intake_id, (ClinicianNote.created_at,)),
    (DifferentialFeedback.intake_id, (DifferentialFeedback.created_at,)),
    (LetterRevision.intake_id, (LetterRevision.created_at,)),
    (PatientSession.intake_id, (PatientSession.last_seen_at,)),
    (Invitation.intake_id, (Invitation.opened_at, Invitation.verified_at)),
)


def periods_of(profile: ClinicProfile) -> RetentionPeriods:
    """The periods an admin set on the clinic details page (or the defaults)."""
    return RetentionPeriods(profile.retention_intake_years, profile.retention_letter_years, profile.retention_message_days)


@dataclass
class RetentionReport:
    """What a run deleted (or a dry run would): intakes, letters among them, old messages, and rows per table."""

    intakes: int = 0
    letters: int = 0
    messages: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    full: bool = False  # a batch that hit its limit: there may be more to delete

    def add(self, other: RetentionReport) -> RetentionReport:
        """Add another batch's counts to these."""
        self.intakes, self.letters, self.messages = (
            self.intakes + other.intakes,
            self.letters + other.letters,
            self.messages + other.messages,
        )
        self.rows.update(other.rows)
        return self

    def summary(self) -> str:
        """One line: the counts per kind, then the rows per table."""
        rows = ", ".join(f"{name} {count}" for name, count in sorted(self.rows.items()) if count)
        return f"intakes {self.intakes}, letters {self.letters}, messages {self.messages}" + (f" (rows: {rows})" if rows else "")


def _quiet_since(cutoff: dt.datetime) -> ColumnElement[bool]:
    """The intake has had no activity at or after the cutoff."""
    own = [Intake.created_at < cutoff, Intake.updated_at < cutoff]
    own += [or_(column.is_(None), column < cutoff) for column in (Intake.submitted_at, Intake.reviewed_at)]
    recent = [
        exists().where(link == Intake.id, or_(*(column >= cutoff for column in columns))).correlate(Intake)
        for link, columns in ACTIVITY
    ]
    return and_(*own, *(~found for found in recent))


def _due(cutoffs: Cutoffs) -> ColumnElement[bool]:
    letter_recent = exists().where(LetterRevision.intake_id == Intake.id, LetterRevision.created_at >= cutoffs.letters)
    letter_recent = letter_recent.correlate(Intake)
    return and_(_quiet_since(cutoffs.intakes), ~letter_recent)


def _message_due(cutoffs: Cutoffs) -> ColumnElement[bool]:
    cutoff = cutoffs.messages
    # The messages of an intake past its period go with it (as its rows), in its batch.
    of_due_intake = OutboxMessage.intake_id.in_(select(Intake.id).where(_due(cutoffs)))
    old = and_(OutboxMessage.created_at < cutoff, or_(OutboxMessage.sent_at.is_(None), OutboxMessage.sent_at < cutoff))
    # A row of another table that must keep its message (a reference that cannot be emptied) keeps it.
    held = [~exists().where(column == OutboxMessage.id) for column in _message_references() if not column.nullable]
    return and_(OutboxMessage.status.in_(FINISHED), old, *held, or_(OutboxMessage.intake_id.is_(None), ~of_due_intake))


def due_intakes(cutoffs: Cutoffs) -> Select[int]:
    """The ids of the intakes past their period, oldest id first."""
    return select(Intake.id).where(_due(cutoffs)).order_by(Intake.id)


def due_messages(cutoffs: Cutoffs) -> Select[int]:
    """The ids of the finished messages past their period (but those of intakes past theirs), oldest id first."""
    return select(OutboxMessage.id).where(_message_due(cutoffs)).order_by(OutboxMessage.id)


def _message_references() -> Iterator[Any]:
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "outbox_messages":
                yield key.parent


def intake_tables() -> list[tuple[Table, str, str]]:
    """Every table but the audit log that holds an intake's rows, children first: (table, column, 'intake' or 'invitation')."""
    found = []
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in KEPT_TABLES:
            continue
        targets = {key.parent.name: key.column.table.name for key in table.foreign_keys}
        if "intake_id" in table.c or "intakes" in targets.values():
            column = "intake_id" if "intake_id" in table.c else next(c for c, t in targets.items() if t == "intakes")
            found.append((table, column, "intake"))
        elif "invitations" in targets.values():
            found.append((table, next(c for c, t in targets.items() if t == "invitations"), "invitation"))
    return found


def _jobs_of(session: Session, intake_ids: set[int], invitation_ids: set[int]) -> list[int]:
    """Background jobs whose payload names one of these intakes or invitations (payloads hold ids only)."""
    jobs = []
    for job_id, payload in session.execute(select(BackgroundJob.id, BackgroundJob.payload)):
        if isinstance(payload, dict) and (
            payload.get("intake_id") in intake_ids or payload.get("invitation_id") in invitation_ids
        ):
            jobs.append(job_id)
    return jobs


def _rowcount(result: Any) -> int:
    return int(cast("CursorResult[Any]", result).rowcount or 0)


def lock(session: Session) -> None:
    """Hold the retention lock until this transaction ends (PostgreSQL: an advisory lock; SQLite: its write lock)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})
    elif connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def delete_intakes(session: Session, ids: Sequence[int], actor: str, role: str) -> RetentionReport:
    """Delete these intakes from every table (the audit log aside), each with an `intake.delete` audit row."""
    report = RetentionReport(intakes=len(ids))
    if not ids:
        return report
    report.letters = (
        session.scalar(select(func.count(func.distinct(LetterRevision.intake_id))).where(LetterRevision.intake_id.in_(ids))) or 0
    )
    invitation_ids = list(session.scalars(select(Invitation.id).where(Invitation.intake_id.in_(ids))))
    jobs = _jobs_of(session, set(ids), set(invitation_ids))
    _release(session, list(session.scalars(select(OutboxMessage.id).where(OutboxMessage.intake_id.in_(ids)))))
    if jobs:
        report.rows["background_jobs"] += _rowcount(session.execute(delete(BackgroundJob).where(BackgroundJob.id.in_(jobs))))
    for table, column, by in intake_tables():
        keys = ids if by == "intake" else invitation_ids
        if keys:
            report.rows[table.name] += _rowcount(session.execute(delete(table).where(table.c[column].in_(keys))))
    session.execute(delete(Intake).where(Intake.id.in_(ids)).execution_options(synchronize_session=False))
    for intake_id in ids:
        audit.record(
            session,
            actor=actor,
            role=role,
            action="intake.delete",
            intake_id=intake_id,
            outcome="deleted",
            detail="past its retention period: deleted from every table; earlier audit rows of this intake are kept",
        )
    return report


def _release(session: Session, message_ids: Sequence[int]) -> None:
    """Empty the references other rows hold to these messages (e.g. the invitation link a message carried)."""
    for column in _message_references():
        if column.nullable and message_ids:
            session.execute(update(column.table).where(column.in_(message_ids)).values({column.name: None}))


def delete_messages(session: Session, ids: Sequence[int]) -> int:
    """Delete these messages, emptying the references other rows hold to them."""
    if not ids:
        return 0
    _release(session, ids)
    return _rowcount(session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids))))


def delete_batch(session: Session, cutoffs: Cutoffs, limit: int, actor: str, role: str) -> RetentionReport:
    """One transaction's work: up to `limit` intakes past their period, then up to `limit` old messages."""
    lock(session)
    ids = list(session.scalars(due_intakes(cutoffs).limit(limit)))
    report = delete_intakes(session, ids, actor, role)
    message_ids = list(session.scalars(due_messages(cutoffs).limit(limit)))
    report.messages = delete_messages(session, message_ids)
    report.full = len(ids) == limit or len(message_ids) == limit
    return report


def record_run(session: Session, report: RetentionReport, periods: RetentionPeriods, actor: str, role: str) -> None:
    """The one audit row of a whole run: the counts per kind and table, and the periods in force."""
    detail = f"deleted {report.summary()}; periods: {periods.text()}"
    audit.record(session, actor=actor, role=role, action="retention.run", detail=detail)


@dataclass(frozen=True)
class RetentionPreview:
    """What a run at the cutoffs' moment would delete, and the oldest date of each kind ('last change' for intakes)."""

    cutoffs: Cutoffs
    report: RetentionReport
    oldest: dict[str, dt.datetime | None]


def preview(session: Session, cutoffs: Cutoffs) -> RetentionPreview:
    """Count what is past its period now, changing nothing (the dry run and the admin page)."""
    due_ids = select(Intake.id).where(_due(cutoffs))
    intakes, oldest_intake = session.execute(
        select(func.count(Intake.id), func.min(Intake.updated_at)).where(_due(cutoffs))
    ).one()
    letters, oldest_letter = session.execute(
        select(func.count(func.distinct(LetterRevision.intake_id)), func.min(LetterRevision.created_at)).where(
            LetterRevision.intake_id.in_(due_ids)
        )
    ).one()
    messages, oldest_message = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(_message_due(cutoffs))
    ).one()
    report = RetentionReport(intakes=intakes or 0, letters=letters or 0, messages=messages or 0)
    invitation_ids = select(Invitation.id).where(Invitation.intake_id.in_(due_ids))
    for table, column, by in intake_tables():
        keys = due_ids if by == "intake" else invitation_ids
        report.rows[table.name] = session.scalar(select(func.count()).select_from(table).where(table.c[column].in_(keys))) or 0
    if report.intakes:
        report.rows["background_jobs"] = len(
            _jobs_of(session, set(session.scalars(due_ids)), set(session.scalars(invitation_ids)))
        )
    oldest: dict[str, dt.datetime | None] = {"intakes": oldest_intake, "letters": oldest_letter, "messages": oldest_message}
    return RetentionPreview(cutoffs, report, oldest)
