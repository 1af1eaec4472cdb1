"""Migration 0016 (invitation contacts, the date-of-birth check, message tokens) up and down on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
ROWS = (
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'invited', '2026.12-2', :at, :at, '{}')",
    "INSERT INTO invitations (id, token_sha256, intake_id, created_at, expires_at, created_by) "
    "VALUES (1, :digest, 1, :at, :at, 'cli')",
)
NEW_COLUMNS = {
    "patient_name",
    "date_of_birth",
    "email",
    "mobile",
    "appointment_at",
    "dob_failures",
    "locked_until",
    "opened_at",
    "verified_at",
    "reminders_opted_out_at",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0015(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0015 holding one intake and its invitation (made before contacts existed)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0015.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0016")
    migrate.upgrade(url, "0015")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in ROWS:
            conn.execute(text(statement), {"at": AT, "digest": "a" * 64})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def invitation_columns(url: str) -> set[str]:
    """The names of the invitations table's columns."""
    engine = create_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns("invitations")}
    engine.dispose()
    return names


def test_upgrade_gives_old_invitations_empty_contacts_and_no_failures(db_at_0015: str) -> None:
    migrate.upgrade(db_at_0015, "0016")
    assert NEW_COLUMNS <= invitation_columns(db_at_0015)
    engine = create_engine(db_at_0015)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT patient_name, email, mobile, date_of_birth, dob_failures, locked_until FROM invitations")
        ).one()
    engine.dispose()
    assert tuple(row) == ("", "", "", None, 0, None)


def test_message_tokens_are_unique_and_go_with_their_invitation(db_at_0015: str) -> None:
    migrate.upgrade(db_at_0015, "0016")
    engine = create_engine(db_at_0015)
    insert = text("INSERT INTO invitation_tokens (invitation_id, purpose, token_sha256, created_at) VALUES (1, 'link', :d, :at)")
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(insert, {"d": "b" * 64, "at": AT})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"d": "b" * 64, "at": AT})
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.execute(text("DELETE FROM invitations WHERE id = 1"))
        left = conn.execute(text("SELECT count(*) FROM invitation_tokens")).scalar_one()
    engine.dispose()
    assert left == 0


def test_downgrade_drops_contacts_and_tokens_and_keeps_the_invitation(db_at_0015: str) -> None:
    migrate.upgrade(db_at_0015, "0016")
    migrate.downgrade(db_at_0015, "0015")
    assert not NEW_COLUMNS & invitation_columns(db_at_0015)
    engine = create_engine(db_at_0015)
    assert "invitation_tokens" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, intake_id FROM invitations")).all() == [(1, 1)]
    engine.dispose()
