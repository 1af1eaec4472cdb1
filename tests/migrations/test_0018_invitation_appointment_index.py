"""Migration 0018 (the index the reminder job reads invitations by) up and down on SQLite and PostgreSQL, keeping rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
ROWS = (
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'invited', '2026.12-2', :at, :at, '{}')",
    "INSERT INTO invitations (id, token_sha256, intake_id, created_at, expires_at, created_by, appointment_at) "
    "VALUES (1, 'x', 1, :at, :at, 'cli', :at)",
)
INDEX = "ix_invitations_appointment_at"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0017(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0017 holding one invitation with an appointment time."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0017.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0018")
    migrate.upgrade(url, "0017")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in ROWS:
            conn.execute(text(statement), {"at": AT})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def state(url: str) -> tuple[set[str], int]:
    """The names of the invitations table's indexes, and how many invitations there are."""
    engine = create_engine(url)
    names = {str(index["name"]) for index in inspect(engine).get_indexes("invitations")}
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM invitations")).scalar_one()
    engine.dispose()
    return names, count


def test_upgrade_adds_the_appointment_index_and_keeps_the_invitations(db_at_0017: str) -> None:
    assert INDEX not in state(db_at_0017)[0]
    migrate.upgrade(db_at_0017, "0018")
    assert state(db_at_0017) == (state(db_at_0017)[0], 1)
    assert INDEX in state(db_at_0017)[0]


def test_downgrade_drops_only_the_index(db_at_0017: str) -> None:
    migrate.upgrade(db_at_0017, "0018")
    migrate.downgrade(db_at_0017, "0017")
    names, count = state(db_at_0017)
    assert INDEX not in names and count == 1
