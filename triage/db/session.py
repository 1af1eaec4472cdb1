"""Engine and session set-up for SQLite (WAL, foreign keys) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from triage.config.safety import DEV_AUDIT_KEY
from triage.db.audit import AUDIT_KEY_INFO, refuse_audit_changes
from triage.db.intakes import refuse_changes_after_submit
from triage.db.ruleset_store import guard_published_and_pin


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside one writer (about 2x write throughput under load here);
    # foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a database URL with this project's settings (query parameters never in logs or errors)."""
    # The parameters are the patient's answers, names and dates of birth: SQLAlchemy must not log them on an error
    # or with echo on, and the exception text that reaches the error log must not carry them either.
    kwargs["hide_parameters"] = True
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def add_guards(sessions: sessionmaker[Session]) -> None:
    """Attach the ORM guards (append-only audit log, locked submitted answers, immutable published rulesets) to a factory."""
    for guard in (refuse_audit_changes, refuse_changes_after_submit, guard_published_and_pin):
        event.listen(sessions, "before_flush", guard)


class Database:
    """One engine plus its session factory, with the ORM guards attached to every session it opens.

    `audit_key` seals the audit chain of the sessions it opens; the app passes Settings.AUDIT_KEY, and only tests and
    benchmarks build a Database without one (the development key).
    """

    def __init__(self, url: str, *, audit_key: str = DEV_AUDIT_KEY, **engine_kwargs: Any):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={AUDIT_KEY_INFO: audit_key})
        add_guards(self.sessions)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
