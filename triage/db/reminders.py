"""The invitations a reminder is due for, read a few at a time by appointment (indexed), and queuing one reminder."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, String, and_, cast, exists, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select

from triage.db import audit
from triage.db.clock import as_utc
from triage.db.intakes import OPEN_STATUSES
from triage.db.invitation_outbox import queue_invitation_messages
from triage.db.models import Intake, Invitation, OutboxMessage
from triage.domain.invitations.schedule import REMINDER_GRACE, appointment_moment, due_occasion, reminder_window

log = logging.getLogger("triage.db.reminders")

# Local "N days before" differs from N x 24 hours across a change of clocks (at most 2 hours anywhere): the SQL
# windows are this much wider, and the exact rule (triage.domain.invitations.schedule.due_occasion) decides.
SLACK = dt.timedelta(hours=3)
PAGE = 200  # invitations read per occasion and source in one round; the rest wait for the next round


@dataclass(frozen=True)
class DueReminder:
    """An invitation whose reminder `days` before the appointment is due now."""

    invitation: Invitation
    days: int


class _plus_seconds(FunctionElement[dt.datetime]):  # noqa: N801 - an SQL function's lowercase name
    """A stored time plus a number of seconds (each database spells interval arithmetic its own way)."""

    type = DateTime(timezone=True)
    inherit_cache = True
    name = "plus_seconds"


@compiles(_plus_seconds, "postgresql")
def _plus_seconds_pg(element: _plus_seconds, compiler: Any, **kw: Any) -> str:
    moment, seconds = list(element.clauses)
    return f"({compiler.process(moment, **kw)} + {compiler.process(seconds, **kw)} * INTERVAL '1 second')"


@compiles(_plus_seconds, "sqlite")
def _plus_seconds_sqlite(element: _plus_seconds, compiler: Any, **kw: Any) -> str:
    # datetime() gives 'YYYY-MM-DD HH:MM:SS', which compares as text with the stored 'YYYY-MM-DD HH:MM:SS.ffffff'.
    moment, seconds = list(element.clauses)
    return f"datetime({compiler.process(moment, **kw)}, {compiler.process(seconds, **kw)} || ' seconds')"


def _not_reminded(days: int) -> ColumnElement[bool]:
    """No reminder of this occasion is in the outbox yet (keys as queue_invitation_messages makes them; unique index)."""
    prefix = literal("reminder:") + cast(Invitation.id, String) + literal(f":{days}d:")
    keys = [prefix + literal(channel) for channel in ("email", "sms")]
    return ~exists().where(or_(*(OutboxMessage.dedupe_key == key for key in keys)))


def _base(now: dt.datetime, days: int) -> Select[Invitation, dt.date | None]:
    """Open, reachable invitations not opted out, without this occasion's reminder yet."""
    return (
        select(Invitation, Intake.appointment_date)
        .join(Intake, Intake.id == Invitation.intake_id)
        .where(
            Invitation.revoked_at.is_(None),
            Invitation.reminders_opted_out_at.is_(None),
            Invitation.expires_at > now,
            Intake.status.in_(OPEN_STATUSES),
            or_(Invitation.email != "", Invitation.mobile != ""),
            _not_reminded(days),
        )
    )


def _timed(now: dt.datetime, days: int) -> Select[Invitation, dt.date | None]:
    """Invitations with an appointment time about `days` days ahead (ix_invitations_appointment_at), made before then."""
    ahead = dt.timedelta(days=days)
    made_in_time = _plus_seconds(Invitation.created_at, literal(int((ahead - SLACK).total_seconds()), Integer))
    return (
        _base(now, days)
        .where(
            Invitation.appointment_at > now,
            Invitation.appointment_at > now + ahead - REMINDER_GRACE - SLACK,
            Invitation.appointment_at <= now + ahead + SLACK,
            made_in_time <= Invitation.appointment_at,
        )
        .order_by(Invitation.appointment_at, Invitation.id)
    )


def _dated(now: dt.datetime, days: int, schedule: tuple[int, ...], zone: ZoneInfo) -> Select[Invitation, dt.date | None]:
    """Invitations with only an appointment date whose reminder window holds `now` (ix_intakes_sort_appointment).

    Each date's reminder time is the same for every invitation on it, so the window and "made before then" are exact.
    """
    today = now.astimezone(zone).date()
    per_date = []
    for offset in (days - 1, days, days + 1):
        day = today + dt.timedelta(days=offset)
        moment = appointment_moment(None, day, zone)
        assert moment is not None
        start, end = reminder_window(moment, days, schedule, zone)
        if start <= now < end:
            per_date.append(and_(Intake.appointment_date == day, Invitation.created_at <= start))
    if not per_date:
        per_date.append(literal(False))
    return (
        _base(now, days)
        .where(Invitation.appointment_at.is_(None), or_(*per_date))
        .order_by(Intake.appointment_date, Invitation.id)
    )


def due_reminders(session: Session, now: dt.datetime, schedule: tuple[int, ...], zone: ZoneInfo) -> list[DueReminder]:
    """The reminders due at `now`, at most PAGE per occasion and kind of appointment, held against a second worker.

    PostgreSQL locks the rows read (another worker skips them); SQLite, only when some are due, takes its write lock
    and reads again, so a worker that waited for another sees the reminders that one queued.
    """
    dialect = session.get_bind().dialect.name
    found = _read_due(session, now, schedule, zone, lock_rows=dialect == "postgresql")
    if found and dialect == "sqlite":
        connection = session.connection()
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # pysqlite began none: the reads so far took no lock
            found = _read_due(session, now, schedule, zone, lock_rows=False)
    return found


def _read_due(
    session: Session, now: dt.datetime, schedule: tuple[int, ...], zone: ZoneInfo, *, lock_rows: bool
) -> list[DueReminder]:
    found: list[DueReminder] = []
    for days in schedule:
        for query in (_timed(now, days), _dated(now, days, schedule, zone)):
            query = query.limit(PAGE)
            if lock_rows:  # a second worker takes other invitations rather than waiting on these
                query = query.with_for_update(skip_locked=True, of=Invitation)
            for invitation, day in session.execute(query):
                at = as_utc(invitation.appointment_at) if invitation.appointment_at else None
                appointment = appointment_moment(at, day, zone)
                if appointment is None:
                    continue
                if due_occasion(appointment, as_utc(invitation.created_at), now, schedule, zone) == days:
                    found.append(DueReminder(invitation, days))
    return found


def queue_reminder(session: Session, due: DueReminder, due_at: dt.datetime) -> int:
    """Queue the reminder's messages (one per channel); 0 when another worker queued this occasion first."""
    try:
        with session.begin_nested():
            queued = queue_invitation_messages(session, due.invitation, kind="reminder", occasion=f"{due.days}d", due_at=due_at)
    except IntegrityError:  # the dedupe key's unique index: the same occasion was queued at the same moment
        log.info("reminder %dd for invitation %d was queued by another worker", due.days, due.invitation.id)
        return 0
    return len(queued)


def opt_out(session: Session, invitation: Invitation, now: dt.datetime, *, ip: str | None, detail: str) -> bool:
    """Stop the invitation's reminders from now on, with an audit row; False (nothing written) when already stopped."""
    if invitation.reminders_opted_out_at is not None:
        return False
    invitation.reminders_opted_out_at = now
    audit.record(
        session,
        actor=f"invitation:{invitation.id}",
        role="patient",
        action="invitation.opt_out",
        intake_id=invitation.intake_id,
        ip=ip,
        detail=detail,
    )
    return True
