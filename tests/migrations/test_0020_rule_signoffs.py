"""Migration 0020 (clinical sign-offs of rules) up and down on SQLite and PostgreSQL: one sign-off per rule state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
SIGNOFF = (
    "INSERT INTO rule_signoffs (rule_id, sha256, content, signed_by, signed_at, comment) "
    "VALUES ('cd_iron_deficiency', :sha, '{\"weight\": 2}', 'dr@example.org', :at, 'Checked against BSG 2021')"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0019(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0019 (no sign-off table yet)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0019.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0020")
    migrate.upgrade(url, "0019")
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def test_upgrade_adds_one_sign_off_per_rule_state_and_downgrade_drops_it(db_at_0019: str) -> None:
    migrate.upgrade(db_at_0019, "0020")
    engine = create_engine(db_at_0019)
    assert "rule_signoffs" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(text(SIGNOFF), {"at": AT, "sha": "a" * 64})
        conn.execute(text(SIGNOFF), {"at": AT, "sha": "b" * 64})  # the same rule changed, signed off again
        rows = conn.execute(text("SELECT sha256, title, ruleset_label, comment FROM rule_signoffs ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("a" * 64, "", "", "Checked against BSG 2021"),
        ("b" * 64, "", "", "Checked against BSG 2021"),
    ]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(SIGNOFF), {"at": AT, "sha": "a" * 64})  # one sign-off per rule state
    engine.dispose()

    migrate.downgrade(db_at_0019, "0019")
    engine = create_engine(db_at_0019)
    assert "rule_signoffs" not in inspect(engine).get_table_names()
    engine.dispose()
