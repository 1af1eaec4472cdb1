"""Migrations: one head; up and down on SQLite and PostgreSQL with data; models and DDL agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate
from triage.db.models import Base

REVISIONS = [
    s.revision for s in reversed(list(ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).walk_revisions()))
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    require_pg()
    url = create_pg_database("triage_mig")
    yield url
    drop_pg_database(url)


def schema(url: str) -> dict[str, Any]:
    """Tables, columns, indexes, foreign keys and unique constraints, for comparison."""
    engine = create_engine(url)
    inspector = inspect(engine)
    shape = {
        table: {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            "fks": sorted((f["name"] or "", tuple(f["constrained_columns"])) for f in inspector.get_foreign_keys(table)),
            "uniques": sorted((u["name"] or "", tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)),
        }
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }
    engine.dispose()
    return shape


def test_there_is_a_single_head() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


def test_models_match_the_migrated_schema(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    engine = create_engine(empty_db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_each_revision_upgrades_and_downgrades_cleanly(empty_db: str) -> None:
    previous = "base"
    for revision in REVISIONS:
        before = schema(empty_db)
        migrate.upgrade(empty_db, revision)
        after = schema(empty_db)
        migrate.downgrade(empty_db, previous)
        assert schema(empty_db) == before, f"downgrade of {revision} did not restore the schema"
        migrate.upgrade(empty_db, revision)
        assert schema(empty_db) == after
        previous = revision


def test_round_trip_keeps_intake_data(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    engine = create_engine(empty_db)
    now = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
                "VALUES (1, 'R-1', 'in_progress', 'v', :now, :now, '{}')"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO answers (intake_id, question_id, questionnaire_version, value, updated_at) "
                "VALUES (1, 'stress_level', 'v', '4', :now)"
            ),
            {"now": now},
        )
    engine.dispose()
    migrate.downgrade(empty_db, REVISIONS[0])
    migrate.upgrade(empty_db)
    engine = create_engine(empty_db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ref, status FROM intakes")).all() == [("R-1", "in_progress")]
        assert conn.execute(text("SELECT question_id FROM answers")).scalars().all() == ["stress_level"]
        assert conn.execute(text("SELECT reviewed_at FROM intakes")).scalar() is None
    engine.dispose()
    migrate.downgrade(empty_db, "base")
    assert schema(empty_db) == {}
