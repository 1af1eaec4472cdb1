"""Migration 0011 (rules drafts as change requests) up and down on SQLite and PostgreSQL, with versions stored at 0010."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
NEW_COLUMNS = {
    "review_rationale",
    "review_requested_by",
    "review_requested_at",
    "approval_comment",
    "discarded_by",
    "discarded_at",
    "restored_from_id",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0010(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0010 holding one published ruleset version and one open draft."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0010.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0011")
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    insert = text(
        "INSERT INTO ruleset_versions (id, number, status, draft_slot, label, sha256, documents, tests, test_report, "
        "summary, created_by, created_at, editors, updated_by, updated_at, published_by, published_at, lock_version) "
        "VALUES (:id, :number, :status, :slot, :label, :sha, '{}', '{}', '{}', '', 'ana', :at, '[\"ana\"]', 'ana', :at, "
        ":by, :published, 1)"
    )
    with engine.begin() as conn:
        conn.execute(
            insert,
            {
                "id": 1,
                "number": 1,
                "status": "published",
                "slot": None,
                "label": "2026.1",
                "sha": "a" * 64,
                "at": AT,
                "by": "ana",
                "published": AT,
            },
        )
        conn.execute(
            insert,
            {
                "id": 2,
                "number": None,
                "status": "draft",
                "slot": 1,
                "label": "2026.2",
                "sha": "b" * 64,
                "at": AT,
                "by": None,
                "published": None,
            },
        )
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def schema(url: str) -> tuple[set[str], set[str]]:
    """The columns of ruleset_versions and the table names."""
    engine = create_engine(url)
    found = inspect(engine)
    names = {c["name"] for c in found.get_columns("ruleset_versions")}, set(found.get_table_names())
    engine.dispose()
    return names


def test_upgrade_adds_the_review_columns_and_table_and_published_rows_stay_frozen(db_at_0010: str) -> None:
    migrate.upgrade(db_at_0010, "0011")
    columns, tables = schema(db_at_0010)
    assert NEW_COLUMNS <= columns and "ruleset_review_opens" in tables
    engine = create_engine(db_at_0010)
    with engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET review_rationale = 'why', review_requested_by = 'ana' WHERE id = 2"))
        conn.execute(
            text(
                "INSERT INTO ruleset_review_opens (version_id, sha256, reviewer, part, opened_at) "
                "VALUES (2, :sha, 'ben', 'diff', :at)"
            ),
            {"sha": "b" * 64, "at": AT},
        )
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ruleset_review_opens (version_id, sha256, reviewer, part, opened_at) "
                "VALUES (2, :sha, 'ben', 'diff', :at)"
            ),
            {"sha": "b" * 64, "at": AT},
        )  # one row per reviewer, part and state
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET approval_comment = 'late' WHERE id = 1"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, review_rationale, approval_comment FROM ruleset_versions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("published", None, None), ("draft", "why", None)]


def test_downgrade_to_0010_keeps_the_versions_and_upgrades_again(db_at_0010: str) -> None:
    migrate.upgrade(db_at_0010, "0011")
    migrate.downgrade(db_at_0010, "0010")
    columns, tables = schema(db_at_0010)
    assert not NEW_COLUMNS & columns and "ruleset_review_opens" not in tables
    engine = create_engine(db_at_0010)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT number, status, label FROM ruleset_versions ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, "published", "2026.1"), (None, "draft", "2026.2")]
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("DELETE FROM ruleset_versions WHERE id = 1"))
    engine.dispose()
    migrate.upgrade(db_at_0010, "0011")
    assert NEW_COLUMNS <= schema(db_at_0010)[0]
