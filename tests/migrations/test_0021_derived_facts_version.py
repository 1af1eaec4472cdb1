"""Migration 0021 (the derived facts' version on evaluations) up and down on SQLite and PostgreSQL, with data at 0020."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
INTAKE = (
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'submitted', '2026.12-2', :at, :at, '{}')"
)
EVALUATION = (
    "INSERT INTO evaluations (id, intake_id, ruleset_version, ruleset_sha256, fired_rules, reason, created_at, result) "
    "VALUES (1, 1, '2026.1', 'a', '[]', 'submit', :at, '{}')"
)
# An evaluation stored by the code at 0021: it records the derived facts' version that computed its facts.
EVALUATION_WITH_VERSION = (
    "INSERT INTO evaluations (id, intake_id, ruleset_version, ruleset_sha256, fired_rules, reason, created_at, result, "
    "derived_facts_version) VALUES (2, 1, '2026.1', 'a', '[]', 'submit', :at, '{}', 1)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0020(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0020 holding one intake evaluated before the derived facts had a version."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0020.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0021")
    migrate.upgrade(url, "0020")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(INTAKE), {"at": AT})
        conn.execute(text(EVALUATION), {"at": AT})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def evaluations(url: str) -> tuple[set[str], list[tuple[object, ...]]]:
    """The columns of evaluations, and (id, derived_facts_version) of each row when the column exists."""
    engine = create_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns("evaluations")}
    column = "derived_facts_version" if "derived_facts_version" in names else "'-'"
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(f"SELECT id, {column} FROM evaluations ORDER BY id"))]  # noqa: S608
    engine.dispose()
    return names, rows


def test_upgrade_leaves_old_evaluations_without_a_version_and_stores_one_for_new_ones(db_at_0020: str) -> None:
    migrate.upgrade(db_at_0020, "0021")
    names, rows = evaluations(db_at_0020)
    assert "derived_facts_version" in names and rows == [(1, None)]
    engine = create_engine(db_at_0020)
    with engine.begin() as conn:
        conn.execute(text(EVALUATION_WITH_VERSION), {"at": AT})
    engine.dispose()
    assert evaluations(db_at_0020)[1] == [(1, None), (2, 1)]


def test_downgrade_drops_the_version_and_keeps_the_evaluations(db_at_0020: str) -> None:
    migrate.upgrade(db_at_0020, "0021")
    migrate.downgrade(db_at_0020, "0020")
    names, rows = evaluations(db_at_0020)
    assert "derived_facts_version" not in names and rows == [(1, "-")]
