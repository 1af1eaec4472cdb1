"""Migration 0010 (referral details on intakes, letter revisions) up and down on SQLite and PostgreSQL, with an intake."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
COLUMNS = {"nhs_number", "mrn", "referrer_name", "referrer_practice", "referrer_contact"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0009(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0009 holding one intake."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0009.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0010")
    migrate.upgrade(url, "0009")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
                "VALUES (1, 'R-1', 'invited', '2026.11-1', :at, :at, '{}')"
            ),
            {"at": AT},
        )
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def _shape(url: str) -> tuple[set[str], set[str], list[tuple[object, ...]]]:
    engine = create_engine(url)
    inspector = inspect(engine)
    columns = {c["name"] for c in inspector.get_columns("intakes")}
    tables = set(inspector.get_table_names())
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT id, ref, status FROM intakes"))]
    engine.dispose()
    return columns, tables, rows


def test_upgrade_adds_empty_referral_details_and_the_revisions_table_and_downgrade_removes_them(db_at_0009: str) -> None:
    migrate.upgrade(db_at_0009, "0010")
    columns, tables, rows = _shape(db_at_0009)
    assert COLUMNS <= columns and "letter_revisions" in tables and rows == [(1, "R-1", "invited")]
    engine = create_engine(db_at_0009)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT nhs_number, mrn, referrer_name FROM intakes")).one() == ("", "", "")
        conn.execute(text("UPDATE intakes SET nhs_number = '9434765919' WHERE id = 1"))
        # The worklist triggers of 0009 still work on the table after the columns were added.
        conn.execute(text("UPDATE intakes SET status = 'in_progress' WHERE id = 1"))
    engine.dispose()

    migrate.downgrade(db_at_0009, "0009")
    columns, tables, rows = _shape(db_at_0009)
    assert not COLUMNS & columns and "letter_revisions" not in tables and rows == [(1, "R-1", "in_progress")]
