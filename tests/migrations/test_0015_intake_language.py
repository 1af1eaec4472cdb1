"""Migration 0015 (the intake's language) up and down on SQLite and PostgreSQL, with an intake answered at 0014."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
INTAKE = (
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'in_progress', '2026.12-2', :at, :at, '{}')"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0014(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0014 holding one intake (answered before languages existed)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0014.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0015")
    migrate.upgrade(url, "0014")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(INTAKE), {"at": AT})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def languages(url: str) -> tuple[set[str], list[tuple[object, ...]]]:
    """The columns of intakes, and (id, language) of each intake when the column exists."""
    engine = create_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns("intakes")}
    column = "language" if "language" in names else "'-'"
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(f"SELECT id, {column} FROM intakes ORDER BY id"))]  # noqa: S608
    engine.dispose()
    return names, rows


def test_upgrade_reads_old_intakes_as_english_and_stores_a_language(db_at_0014: str) -> None:
    migrate.upgrade(db_at_0014, "0015")
    names, rows = languages(db_at_0014)
    assert "language" in names and rows == [(1, "en")]
    engine = create_engine(db_at_0014)
    with engine.begin() as conn:
        conn.execute(text("UPDATE intakes SET language = 'ar' WHERE id = 1"))
        conn.execute(text(INTAKE.replace("(1, 'T-1'", "(2, 'T-2'")), {"at": AT})
    engine.dispose()
    assert languages(db_at_0014)[1] == [(1, "ar"), (2, "en")]


def test_downgrade_drops_the_language_and_keeps_the_intakes(db_at_0014: str) -> None:
    migrate.upgrade(db_at_0014, "0015")
    migrate.downgrade(db_at_0014, "0014")
    names, rows = languages(db_at_0014)
    assert "language" not in names and rows == [(1, "-")]
