"""Migration 0012 (a coded reason on differential feedback) up and down on SQLite and PostgreSQL, with feedback at 0011."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
ROWS = (
    "INSERT INTO users (id, email, password_hash, roles, totp_enrolled, active, failed_logins, password_changed_at, "
    "created_at) VALUES (1, 'dr@example.org', 'x', 'clinician', true, true, 0, :at, :at)",
    "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, pending_inputs) "
    "VALUES (1, 'T-1', 'submitted', '2026.12-2', :at, :at, '{}')",
    "INSERT INTO evaluations (id, intake_id, ruleset_version, ruleset_sha256, fired_rules, reason, created_at, result) "
    "VALUES (1, 1, '2026.1', 'a', '[]', 'submission', :at, '{}')",
    "INSERT INTO differential_feedback (id, intake_id, evaluation_id, differential_id, user_id, agrees, reason, created_at) "
    "VALUES (1, 1, 1, 'celiac_disease', 1, false, 'Too broad', :at)",
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0011(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0011 holding one clinician's free-text disagreement."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0011.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0012")
    migrate.upgrade(url, "0011")
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in ROWS:
            conn.execute(text(statement), {"at": AT})
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def feedback(url: str) -> tuple[set[str], list[tuple[object, ...]]]:
    """The columns of differential_feedback and its rows (id, agrees, reason[, reason_code])."""
    engine = create_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns("differential_feedback")}
    extra = ", reason_code" if "reason_code" in names else ""
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(f"SELECT id, agrees, reason{extra} FROM differential_feedback"))]  # noqa: S608
    engine.dispose()
    return names, rows


def test_upgrade_keeps_old_feedback_uncoded_and_stores_a_code(db_at_0011: str) -> None:
    migrate.upgrade(db_at_0011, "0012")
    names, rows = feedback(db_at_0011)
    assert "reason_code" in names
    assert rows == [(1, False, "Too broad", None)]
    engine = create_engine(db_at_0011)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO differential_feedback (id, intake_id, evaluation_id, differential_id, user_id, agrees, reason, "
                "reason_code, created_at) VALUES (2, 1, 1, 'celiac_disease', 1, false, '', 'patient_declined', :at)"
            ),
            {"at": AT},
        )
    engine.dispose()
    assert feedback(db_at_0011)[1] == [(1, False, "Too broad", None), (2, False, "", "patient_declined")]


def test_downgrade_drops_the_code_and_keeps_the_verdicts(db_at_0011: str) -> None:
    migrate.upgrade(db_at_0011, "0012")
    migrate.downgrade(db_at_0011, "0011")
    names, rows = feedback(db_at_0011)
    assert "reason_code" not in names
    assert rows == [(1, False, "Too broad")]
