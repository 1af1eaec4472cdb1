"""Migration 0013 (the embedded job queue) up and down on SQLite and PostgreSQL, with a job queued in between."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0012(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0012, the revision before the job table."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0012.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0013")
    migrate.upgrade(url, "0012")
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def tables(url: str) -> set[str]:
    """The table names of the database."""
    engine = create_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_0013_adds_the_job_table_with_its_indexes_and_drops_it_on_the_way_down(db_at_0012: str) -> None:
    assert "background_jobs" not in tables(db_at_0012)
    migrate.upgrade(db_at_0012, "0013")
    engine = create_engine(db_at_0012)
    indexes = {index["name"] for index in inspect(engine).get_indexes("background_jobs")}
    assert indexes == {"ix_background_jobs_status_due", "ix_background_jobs_job_key"}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO background_jobs (kind, job_key, payload, status, due_at, created_at) "
                "VALUES ('letter_pdf', 'letter_pdf:1', '{\"intake_id\": 1}', 'queued', :now, :now)"
            ),
            {"now": NOW},
        )
        row = conn.execute(text("SELECT attempts, last_error, locked_until FROM background_jobs")).one()
    engine.dispose()
    assert tuple(row) == (0, "", None)  # the defaults a new job starts with
    migrate.downgrade(db_at_0012, "0012")
    assert "background_jobs" not in tables(db_at_0012)
    migrate.upgrade(db_at_0012, "0013")  # and up again, cleanly
    assert "background_jobs" in tables(db_at_0012)
