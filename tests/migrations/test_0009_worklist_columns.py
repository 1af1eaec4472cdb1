"""Migration 0009 (worklist columns) up and down on SQLite and PostgreSQL, with a clinic's intakes written at 0008.

The upgrade fills the new columns of existing intakes (in batches of ids: the data spans several) and counts them by
status; its triggers then keep both through later changes; the downgrade removes columns, counts, triggers and indexes,
puts the single-column indexes back and leaves every row as it was; upgrading again fills the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.engine import Connection

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.db import migrate
from triage.db.clock import as_utc

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
FAR = 20_005  # an id two batches (of 10,000) above the others
COLUMNS = ("urgency_rank", "top_differential", "alert_rank", "alerts_open", "first_alert_at", "queue_time", "queue_order")
TRIGGERS = {
    "sqlite": {
        "intakes_worklist_insert",
        "intakes_worklist_order",
        "intakes_status_count_update",
        "intakes_status_count_delete",
        "evaluations_worklist_insert",
        "evaluations_worklist_update",
        "evaluations_worklist_delete",
        "alerts_worklist_insert",
        "alerts_worklist_update",
        "alerts_worklist_delete",
    },
    "postgresql": {
        "intakes_worklist_order",
        "intakes_status_count",
        "intakes_status_count_update",
        "evaluations_worklist",
        "alerts_worklist",
    },
}
# What the upgrade must fill: (urgency rank, top differential, alert rank, open alerts, first alert, queue time, tier).
EXPECTED = {
    1: (0, None, 0, 0, None, T0, 4),  # invited: waits for nobody (its queue time is its last change)
    2: (0, None, 3, 1, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=1), 0),  # in progress, alerted: emergency tier
    3: (1, "ibs", 3, 1, T0 + dt.timedelta(hours=6), T0 + dt.timedelta(hours=5), 2),  # the newer evaluation (soon) stands
    FAR: (0, "gerd", 0, 0, None, T0 + dt.timedelta(hours=3), 3),  # reviewed without red flags
    FAR + 1: (2, "celiac_disease", 0, 0, None, T0, 4),  # "submitted" without a submission time: waits for nobody
}


def insert(conn: Connection, table: str, *rows: dict[str, Any]) -> None:
    """INSERT rows into a table as the database has it now (reflected, so JSON and times are typed right)."""
    conn.execute(Table(table, MetaData(), autoload_with=conn).insert(), list(rows))


def intake(id_: int, ref: str, status: str, submitted: dt.datetime | None = None) -> dict[str, Any]:
    """An intake row at schema 0008."""
    return {
        "id": id_,
        "ref": ref,
        "status": status,
        "questionnaire_version": "1",
        "created_at": T0,
        "updated_at": submitted or T0,
        "submitted_at": submitted,
        "pending_inputs": {},
    }


def evaluation(intake_id: int, urgency: str | None, differential: str, at: dt.datetime) -> dict[str, Any]:
    """An evaluation row at schema 0008."""
    return {
        "intake_id": intake_id,
        "ruleset_version": "t",
        "ruleset_sha256": "0" * 64,
        "result": {},
        "fired_rules": [],
        "top_differential": differential,
        "top_urgency": urgency,
        "reason": "submit",
        "created_at": at,
    }


def alert(intake_id: int, urgency: str, hours: int, acknowledged: bool) -> dict[str, Any]:
    """An alert row at schema 0008, raised `hours` after T0."""
    raised = T0 + dt.timedelta(hours=hours)
    return {
        "intake_id": intake_id,
        "urgency": urgency,
        "rule_ids": ["rf_test"],
        "raised_at": raised,
        "raised_while": "in_progress",
        "acknowledged_at": raised + dt.timedelta(minutes=5) if acknowledged else None,
        "note": "",
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at 0008 holding intakes in every state, their evaluations and alerts."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'at-0008.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_0009")
    migrate.upgrade(url, "0008")
    engine = create_engine(url)
    with engine.begin() as conn:
        insert(
            conn,
            "intakes",
            intake(1, "Inv-1", "invited"),
            intake(2, "Prog-2", "in_progress"),
            intake(3, "SENT-3", "submitted", T0 + dt.timedelta(hours=5)),
            intake(FAR, "Rev-Far", "reviewed", T0 + dt.timedelta(hours=3)),
            intake(FAR + 1, "Odd-Far", "submitted"),
        )
        at = T0 + dt.timedelta(hours=5)
        insert(
            conn,
            "evaluations",
            evaluation(3, "emergency", "gerd", at),
            evaluation(3, "soon", "ibs", at),
            evaluation(FAR, None, "gerd", at),
            evaluation(FAR + 1, "urgent", "celiac_disease", at),
        )
        insert(conn, "alerts", alert(2, "urgent", 1, False), alert(2, "emergency", 2, True), alert(3, "emergency", 6, False))
    engine.dispose()
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def worklist_columns(url: str) -> dict[int, tuple[Any, ...]]:
    """Each intake's worklist columns (times as UTC)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        intakes = Table("intakes", MetaData(), autoload_with=conn)  # reflected: SQLite's times come back as times
        rows = conn.execute(select(intakes.c.id, *(intakes.c[name] for name in COLUMNS)).order_by(intakes.c.id)).all()
    engine.dispose()
    return {r[0]: tuple(as_utc(v) if isinstance(v, dt.datetime) else v for v in r[1:]) for r in rows}


def fetch(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def triggers(url: str) -> set[str]:
    """The names of the triggers on intakes, evaluations and alerts."""
    if url.startswith("sqlite"):
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('intakes', 'evaluations', 'alerts')"
    else:
        tables = "('intakes', 'evaluations', 'alerts')"
        sql = f"SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text IN {tables}"
    return {r[0] for r in fetch(url, sql)}


def test_the_upgrade_fills_the_columns_of_existing_intakes_and_counts_them(db_at_0008: str) -> None:
    migrate.upgrade(db_at_0008, "0009")
    assert worklist_columns(db_at_0008) == EXPECTED
    counts = fetch(db_at_0008, "SELECT status, total FROM intake_status_counts ORDER BY status")
    assert counts == [("in_progress", 1), ("invited", 1), ("reviewed", 1), ("submitted", 2)]
    assert fetch(db_at_0008, "SELECT ref_key FROM intakes ORDER BY id") == [
        ("inv-1",),
        ("prog-2",),
        ("sent-3",),
        ("rev-far",),
        ("odd-far",),
    ]
    kind = "sqlite" if db_at_0008.startswith("sqlite") else "postgresql"
    assert triggers(db_at_0008) == TRIGGERS[kind]


def test_after_the_upgrade_the_triggers_keep_the_columns_and_counts(db_at_0008: str) -> None:
    migrate.upgrade(db_at_0008)
    engine = create_engine(db_at_0008)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alerts SET acknowledged_at = raised_at WHERE intake_id = 2"))
        insert(conn, "alerts", alert(1, "urgent", 9, False))
        conn.execute(text("UPDATE intakes SET status = 'in_progress' WHERE id = 1"))
        insert(conn, "evaluations", evaluation(FAR, "emergency", "ibs", T0 + dt.timedelta(hours=9)))
        conn.execute(text("DELETE FROM alerts WHERE intake_id = 3"))
    engine.dispose()
    columns = worklist_columns(db_at_0008)
    assert columns[1] == (0, None, 2, 1, T0 + dt.timedelta(hours=9), T0 + dt.timedelta(hours=9), 1)
    assert columns[2][3] == 0 and columns[FAR][:2] == (3, "ibs") and columns[FAR][6] == 0
    assert columns[3][2:5] == (0, 0, None) and columns[3][6] == 2
    counts = dict(fetch(db_at_0008, "SELECT status, total FROM intake_status_counts"))
    assert counts == {"invited": 0, "in_progress": 2, "submitted": 2, "reviewed": 1}


def test_the_downgrade_removes_everything_it_added_and_keeps_every_row(db_at_0008: str) -> None:
    before = fetch(db_at_0008, "SELECT id, ref, status FROM intakes ORDER BY id")
    migrate.upgrade(db_at_0008, "0009")
    migrate.downgrade(db_at_0008, "0008")
    engine = create_engine(db_at_0008)
    inspector = inspect(engine)
    names = {c["name"] for c in inspector.get_columns("intakes")}
    indexes = {i["name"]: tuple(i["column_names"]) for i in inspector.get_indexes("intakes")}
    tables = set(inspector.get_table_names())
    engine.dispose()
    assert not names & {*COLUMNS, "ref_key"} and "intake_status_counts" not in tables and not triggers(db_at_0008)
    assert indexes == {
        "ix_intakes_ref": ("ref",),
        "ix_intakes_status": ("status",),
        "ix_intakes_updated_at": ("updated_at",),
        "ix_intakes_decision": ("decision",),
        "ix_intakes_assigned_to": ("assigned_to",),
    }
    assert fetch(db_at_0008, "SELECT id, ref, status FROM intakes ORDER BY id") == before
    assert len(fetch(db_at_0008, "SELECT id FROM evaluations")) == 4 and len(fetch(db_at_0008, "SELECT id FROM alerts")) == 3
    migrate.upgrade(db_at_0008, "0009")
    assert worklist_columns(db_at_0008) == EXPECTED
