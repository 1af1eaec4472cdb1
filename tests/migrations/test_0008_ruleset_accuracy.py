"""Migration 0008 (accuracy per ruleset version) up and down on SQLite and PostgreSQL, with a version published at 0007."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

PUBLISHED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
FIGURES = {"ruleset": {"version": "2026.2", "hash": "b" * 64}, "measures": [], "cases": []}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0007(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0007 holding one published ruleset version and one open draft."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0007.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0008")
    migrate.upgrade(url, "0007")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO ruleset_versions (id, number, status, draft_slot, label, sha256, documents, tests, test_report, "
        "summary, created_by, created_at, editors, updated_by, updated_at, published_by, published_at, lock_version) "
        "VALUES (:id, :number, :status, :slot, :label, :sha, '{}', '{}', '{}', '', 'system', :at, '[]', 'system', :at, "
        ":by, :published, 1)"
    )
    with engine.begin() as conn:
        conn.execute(
            insert,
            {"id": 1, "number": 1, "status": "published", "slot": None, "label": "2026.1", "sha": "a" * 64}
            | {"at": PUBLISHED, "by": "system", "published": PUBLISHED},
        )
        conn.execute(
            insert,
            {"id": 2, "number": None, "status": "draft", "slot": 1, "label": "2026.2", "sha": "b" * 64}
            | {"at": PUBLISHED, "by": None, "published": None},
        )
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def columns(url: str) -> set[str]:
    """The column names of ruleset_versions."""
    engine = create_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns("ruleset_versions")}
    engine.dispose()
    return names


def test_upgrade_leaves_earlier_versions_unmeasured(db_at_0007: str) -> None:
    migrate.upgrade(db_at_0007, "0008")
    assert "accuracy" in columns(db_at_0007)
    engine = create_engine(db_at_0007)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, status, accuracy FROM ruleset_versions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "published", None), (None, "draft", None)]


def test_figures_are_written_with_the_publication_and_the_published_row_stays_frozen(db_at_0007: str) -> None:
    migrate.upgrade(db_at_0007, "0008")
    engine = create_engine(db_at_0007)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE ruleset_versions SET status = 'published', number = 2, draft_slot = NULL, accuracy = :a WHERE id = 2"),
            {"a": json.dumps(FIGURES)},
        )
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT accuracy FROM ruleset_versions WHERE id = 2")).scalar_one()
    assert (json.loads(stored) if isinstance(stored, str) else stored) == FIGURES
    # The triggers of 0005 still freeze a published row: its figures cannot be written afterwards.
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET accuracy = :a WHERE id = 1"), {"a": json.dumps(FIGURES)})
    engine.dispose()


def test_downgrade_to_0007_keeps_the_versions_and_their_freezing(db_at_0007: str) -> None:
    migrate.upgrade(db_at_0007, "0008")
    engine = create_engine(db_at_0007)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET accuracy = :a WHERE id = 2"), {"a": json.dumps(FIGURES)})
    engine.dispose()
    migrate.downgrade(db_at_0007, "0007")
    assert "accuracy" not in columns(db_at_0007)
    engine = create_engine(db_at_0007)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, status, label FROM ruleset_versions ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "published", "2026.1"), (None, "draft", "2026.2")]
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM ruleset_versions WHERE id = 1"))
    engine.dispose()
    migrate.upgrade(db_at_0007, "0008")
    assert "accuracy" in columns(db_at_0007)
