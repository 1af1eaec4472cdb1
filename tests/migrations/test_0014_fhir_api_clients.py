"""Migration 0014 (FHIR API clients) up and down on SQLite and PostgreSQL: the table, its unique client id, and back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

CREATED = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
INSERT = text(
    "INSERT INTO api_clients (client_id, name, secret_sha256, scopes, created_at) VALUES (:cid, 'EHR', :sha, :scopes, :at)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0013, the revision before the API clients."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0013.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0014")
    migrate.upgrade(url, "0013")
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def tables(url: str) -> set[str]:
    """The table names of the database."""
    engine = create_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_creates_the_clients_table_with_a_unique_client_id_and_downgrade_drops_it(db_at_0013: str) -> None:
    assert "api_clients" not in tables(db_at_0013)
    migrate.upgrade(db_at_0013, "0014")
    assert "api_clients" in tables(db_at_0013)
    engine = create_engine(db_at_0013)
    values = {"cid": "abcd1234abcd1234", "sha": "a" * 64, "scopes": '["Patient"]', "at": CREATED}
    with engine.begin() as conn:
        conn.execute(INSERT, values)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(INSERT, values)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name, revoked_at FROM api_clients")).one() == ("EHR", None)
    engine.dispose()
    migrate.downgrade(db_at_0013, "0013")
    assert "api_clients" not in tables(db_at_0013)
    migrate.upgrade(db_at_0013, "0014")
    assert "api_clients" in tables(db_at_0013)
