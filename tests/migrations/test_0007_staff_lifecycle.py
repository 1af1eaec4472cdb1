"""Migration 0007 (staff lifecycle) up and down on SQLite and PostgreSQL, with an account written at 0006."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

NEW_COLUMNS = {
    "display_name",
    "professional_title",
    "registration_type",
    "registration_number",
    "must_change_password",
    "last_login_at",
    "failed_since_login",
    "last_failed_login_at",
}
CREATED = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0006(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0006 holding one staff account with a session and a recovery code."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0006.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0007")
    migrate.upgrade(url, "0006")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, password_hash, roles, totp_secret, totp_enrolled, active, failed_logins, "
                "password_changed_at, created_at) VALUES (1, 'old@example.org', '$argon2id$x', 'clinician', 'S', :t, :t, 2, "
                ":at, :at)"
            ),
            {"t": True, "at": CREATED},
        )
        conn.execute(
            text("INSERT INTO staff_sessions (id_sha256, user_id, created_at, last_seen_at) VALUES ('a', 1, :at, :at)"),
            {"at": CREATED},
        )
        conn.execute(text("INSERT INTO recovery_codes (user_id, code_hash) VALUES (1, 'h')"))
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def columns(url: str, table: str) -> set[str]:
    """The column names of a table."""
    engine = create_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns(table)}
    engine.dispose()
    return names


def test_upgrade_gives_existing_accounts_the_defaults_and_adds_the_reset_table(db_at_0006: str) -> None:
    migrate.upgrade(db_at_0006, "0007")
    assert NEW_COLUMNS <= columns(db_at_0006, "users")
    engine = create_engine(db_at_0006)
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT email, display_name, professional_title, registration_type, registration_number, "
                "must_change_password, last_login_at, failed_since_login, failed_logins FROM users"
            )
        ).one()
        assert tuple(row) == ("old@example.org", "", "", "", "", False, None, 0, 2)
        conn.execute(
            text("INSERT INTO password_resets (user_id, token_sha256, created_at, expires_at) VALUES (1, :digest, :at, :at)"),
            {"digest": "d" * 64, "at": CREATED},
        )
        assert conn.execute(text("SELECT count(*) FROM staff_sessions")).scalar() == 1
    engine.dispose()


def test_a_token_digest_is_unique(db_at_0006: str) -> None:
    migrate.upgrade(db_at_0006, "0007")
    engine = create_engine(db_at_0006)
    insert = text("INSERT INTO password_resets (user_id, token_sha256, created_at, expires_at) VALUES (1, :d, :at, :at)")
    with engine.begin() as conn:
        conn.execute(insert, {"d": "e" * 64, "at": CREATED})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"d": "e" * 64, "at": CREATED})
    engine.dispose()


def test_downgrade_to_0006_keeps_the_accounts_and_their_sessions(db_at_0006: str) -> None:
    migrate.upgrade(db_at_0006, "0007")
    engine = create_engine(db_at_0006)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET display_name = 'Dr Old', must_change_password = :t"), {"t": True})
        conn.execute(
            text("INSERT INTO password_resets (user_id, token_sha256, created_at, expires_at) VALUES (1, :d, :at, :at)"),
            {"d": "f" * 64, "at": CREATED},
        )
    engine.dispose()
    migrate.downgrade(db_at_0006, "0006")
    assert not NEW_COLUMNS & columns(db_at_0006, "users")
    engine = create_engine(db_at_0006)
    assert "password_resets" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT email, failed_logins FROM users")).all() == [("old@example.org", 2)]
        assert conn.execute(text("SELECT count(*) FROM staff_sessions")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM recovery_codes")).scalar() == 1
    engine.dispose()
    migrate.upgrade(db_at_0006, "0007")
    assert NEW_COLUMNS <= columns(db_at_0006, "users")
