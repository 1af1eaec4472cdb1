"""Migration 0019 (impact runs and their changes) up and down on SQLite and PostgreSQL, with an intake stored at 0018."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
INTAKE = (
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'submitted', '2026.12-2', :at, :at, '{}')"
)
RUN = (
    "INSERT INTO impact_runs (id, run_key, draft_id, draft_sha256, draft_version, published_sha256, published_version,"
    " watermark, status, created_at) VALUES (1, 'k', 2, 'd', 'v2', 'p', 'v1', 'w', 'queued', :at)"
)
CHANGE = "INSERT INTO impact_run_changes (run_id, position, intake_id, changes) VALUES (1, 0, 1, '[]')"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0018(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0018 holding one submitted intake."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0018.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0019")
    migrate.upgrade(url, "0018")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(INTAKE), {"at": AT})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def test_upgrade_adds_runs_whose_changes_go_with_them_and_downgrade_drops_both(db_at_0018: str) -> None:
    migrate.upgrade(db_at_0018, "0019")
    engine = create_engine(db_at_0018)
    tables = inspect(engine).get_table_names()
    assert {"impact_runs", "impact_run_changes"} <= set(tables)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA foreign_keys=ON"))
        conn.execute(text(RUN), {"at": AT})
        conn.execute(text(CHANGE))
        row = conn.execute(text("SELECT status, total, done, changed, owner, seconds, summary FROM impact_runs")).one()
        assert tuple(row) == ("queued", 0, 0, 0, "", 0, None)
        conn.execute(text("DELETE FROM impact_runs WHERE id = 1"))  # retention deletes a run: its changes go too
        assert conn.execute(text("SELECT COUNT(*) FROM impact_run_changes")).scalar() == 0
    engine.dispose()

    migrate.downgrade(db_at_0018, "0018")
    engine = create_engine(db_at_0018)
    tables = inspect(engine).get_table_names()
    assert "impact_runs" not in tables and "impact_run_changes" not in tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ref FROM intakes")).scalars().all() == ["T-1"]
    engine.dispose()
