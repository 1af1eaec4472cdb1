"""Operations queries: the worker's heartbeat, the schema's migration state and whether the database answers at all."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, cast

from alembic.script import ScriptDirectory
from sqlalchemy import select, text, update
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db import migrate
from triage.db.clock import utcnow
from triage.db.models import AppSetting

HEARTBEAT_KEY = "worker_heartbeat"
# A worker beats at the start of every round (about once a second by default); five minutes of silence means it is
# stopped or stuck. A worker polling less often than that (--poll-seconds 300, or cron) shows as not beating.
HEARTBEAT_MAX_AGE = dt.timedelta(minutes=5)


def record_heartbeat(session: Session, now: dt.datetime | None = None) -> None:
    """Store the time of this worker round (one row however many workers run: the newest beat wins)."""
    moment = now or utcnow()
    beat = (
        update(AppSetting)
        .where(AppSetting.key == HEARTBEAT_KEY)
        .values(value=moment.isoformat(), changed_at=moment)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", session.execute(beat)).rowcount:
        return
    try:
        with session.begin_nested():
            session.add(AppSetting(key=HEARTBEAT_KEY, value=moment.isoformat(), changed_at=moment))
    except IntegrityError:  # another worker stored the first beat at the same moment: update that row instead
        session.execute(beat)


def last_heartbeat(session: Session) -> dt.datetime | None:
    """When a worker last started a round, or None when no worker ever did (or the value is unreadable)."""
    value = session.scalar(select(AppSetting.value).where(AppSetting.key == HEARTBEAT_KEY))
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def heartbeat_recent(session: Session, now: dt.datetime | None = None) -> bool:
    """Whether a worker started a round within HEARTBEAT_MAX_AGE."""
    beat = last_heartbeat(session)
    return beat is not None and (now or utcnow()) - beat <= HEARTBEAT_MAX_AGE


@cache
def migration_heads() -> frozenset[str]:
    """The head revisions of the bundled migrations (read once per process: they change only with the code)."""
    return frozenset(ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads())


def current_revisions(session: Session) -> frozenset[str]:
    """The revisions the database is at (empty when it was never migrated); raises when the database does not answer."""
    has_table = session.connection().dialect.has_table(session.connection(), "alembic_version")
    if not has_table:
        return frozenset()
    return frozenset(str(v) for v in session.scalars(text("SELECT version_num FROM alembic_version")))


def sqlite_file_missing(url: str) -> bool:
    """Whether a file-backed SQLite URL names a file that is not there (SQLite would quietly make a new, empty one)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return False
    database = parsed.database or ""
    return not database.startswith("file:") and not Path(database).is_file()
