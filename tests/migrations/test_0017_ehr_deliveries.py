"""Migration 0017 (the EHR deliveries) up and down on SQLite and PostgreSQL, with an intake stored at 0016."""

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
INTAKE = (
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'submitted', '2026.12-2', :at, :at, '{}')"
)
DELIVERY = (
    "INSERT INTO ehr_deliveries (intake_id, letter_revision, status, queued_at, next_attempt_at) "
    "VALUES (1, 1, 'queued', :at, :at)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0016(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0016 holding one submitted intake."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0016.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0017")
    migrate.upgrade(url, "0016")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(INTAKE), {"at": AT})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def test_upgrade_adds_one_delivery_per_intake_and_downgrade_drops_it(db_at_0016: str) -> None:
    migrate.upgrade(db_at_0016, "0017")
    engine = create_engine(db_at_0016)
    assert "ehr_deliveries" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(text(DELIVERY), {"at": AT})
        row = conn.execute(text("SELECT status, attempts, reason, sent_at FROM ehr_deliveries")).one()
    assert tuple(row) == ("queued", 0, "", None)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(DELIVERY), {"at": AT})  # one delivery per intake
    engine.dispose()

    migrate.downgrade(db_at_0016, "0016")
    engine = create_engine(db_at_0016)
    assert "ehr_deliveries" not in inspect(engine).get_table_names()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT ref FROM intakes")).scalars().all() == ["T-1"]
    engine.dispose()
