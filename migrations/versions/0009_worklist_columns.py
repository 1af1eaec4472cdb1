"""worklist columns on intakes, kept by triggers; status counts; an index for each worklist order and filter

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-16
"""

# The triggers' and the fill's SQL is assembled from this file's own constants, never from input:
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
BATCH = 10_000  # intakes filled per UPDATE: a bounded statement, whatever the size of the clinic's history

# Frozen copies of the app's rules (a migration must not change when the app does): the urgency ranks of the worklist
# (the most urgent highest), the statuses whose newest evaluation speaks for the intake, and "waits for nobody" (4).
RANK = "CASE {0} WHEN 'emergency' THEN 3 WHEN 'urgent' THEN 2 WHEN 'soon' THEN 1 ELSE 0 END"
EVALUATED = "{0}status IN ('submitted', 'reviewed')"
NOT_WAITING = 4
SOURCES = ("status", "submitted_at", "urgency_rank", "alert_rank", "first_alert_at", "ref", "updated_at")
QUEUE = ("queue_order", "queue_time", "id")
# queue_time until the fill or a trigger sets it: a constant, as SQLite's ADD COLUMN ... NOT NULL needs.
EPOCH = "1970-01-01 00:00:00.000000"
# Old single-column indexes that the composite ones below replace (each composite leads with the same column).
REPLACED = {"ix_intakes_ref": "ref", "ix_intakes_status": "status", "ix_intakes_updated_at": "updated_at"}
REPLACED_0006 = {"ix_intakes_decision": "decision", "ix_intakes_assigned_to": "assigned_to"}
INDEXES: dict[str, tuple[str, ...]] = {
    "ix_intakes_sort_ref": ("ref", "id"),
    "ix_intakes_sort_status": ("status", "id"),
    "ix_intakes_sort_updated": ("updated_at", "id"),
    "ix_intakes_sort_created": ("created_at", "id"),
    "ix_intakes_sort_submitted": ("submitted_at", "id"),
    "ix_intakes_sort_appointment": ("appointment_date", "id"),
    "ix_intakes_sort_urgency": ("urgency_rank", "id"),
    "ix_intakes_queue": QUEUE,
    "ix_intakes_queue_status": ("status", *QUEUE),
    "ix_intakes_queue_urgency": ("urgency_rank", *QUEUE),
    "ix_intakes_queue_status_urgency": ("status", "urgency_rank", *QUEUE),
    "ix_intakes_queue_decision": ("decision", *QUEUE),
    "ix_intakes_queue_assignee": ("assigned_to", *QUEUE),
    "ix_intakes_ref_key": ("ref_key", "id"),
}


def _columns() -> tuple[sa.Column[Any], ...]:
    """The new intake columns, built afresh for each run (a Column belongs to one table once attached)."""
    return (
        sa.Column("urgency_rank", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("top_differential", sa.String(length=64), nullable=True),
        sa.Column("alert_rank", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("alerts_open", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_alert_at", TZ, nullable=True),
        sa.Column("queue_time", TZ, server_default=EPOCH, nullable=False),
        sa.Column("queue_order", sa.SmallInteger(), server_default=str(NOT_WAITING), nullable=False),
        sa.Column("ref_key", sa.String(length=64), server_default="", nullable=False),
    )


def evaluation_facts(target: str) -> str:
    """SET list: the newest evaluation's urgency rank and top differential of intake `target` (an SQL expression)."""
    newest = f"FROM evaluations e WHERE e.intake_id = {target} ORDER BY e.id DESC LIMIT 1"
    return (
        f"urgency_rank = coalesce((SELECT {RANK.format('e.top_urgency')} {newest}), 0), "
        f"top_differential = (SELECT e.top_differential {newest})"
    )


def alert_facts(target: str) -> str:
    """SET list: the most urgent alert's rank, the unacknowledged alerts and the first alert's time of intake `target`."""
    mine = f"FROM alerts a WHERE a.intake_id = {target}"
    return (
        f"alert_rank = coalesce((SELECT max({RANK.format('a.urgency')}) {mine}), 0), "
        f"alerts_open = (SELECT count(*) {mine} AND a.acknowledged_at IS NULL), "
        f"first_alert_at = (SELECT min(a.raised_at) {mine})"
    )


def derived(row: str) -> dict[str, str]:
    """The order columns computed from a row's own columns (`row` is '' or 'NEW.'): queue tier and time, search key."""
    waiting = f"CASE WHEN {EVALUATED.format(row)} THEN {row}submitted_at ELSE {row}first_alert_at END"
    tier = f"CASE WHEN {EVALUATED.format(row)} THEN {row}urgency_rank ELSE {row}alert_rank END"
    return {
        # The most urgent tier first (0), then 1, 2, 3 (waiting, no red flag); 4 waits for nobody (invited, no flag yet).
        "queue_order": f"CASE WHEN ({waiting}) IS NULL THEN {NOT_WAITING} ELSE 3 - ({tier}) END",
        # Waiting since submission (or, in progress, the first alert); waiting for nobody: the last change.
        "queue_time": f"coalesce({waiting}, {row}updated_at)",
        "ref_key": f"lower({row}ref)",
    }


def _assign(values: dict[str, str]) -> str:
    return ", ".join(f"{column} = {value}" for column, value in values.items())


def _count_up(status: str) -> str:
    return (
        f"INSERT INTO intake_status_counts (status, total) VALUES ({status}, 1) "
        "ON CONFLICT (status) DO UPDATE SET total = intake_status_counts.total + 1"
    )


def _count_down(status: str) -> str:
    return f"UPDATE intake_status_counts SET total = total - 1 WHERE status = {status}"


def _refresh(facts: Callable[[str], str], target: str) -> str:
    return f"UPDATE intakes SET {facts(target)} WHERE id = {target}"


def _sqlite_triggers() -> list[str]:
    order = f"UPDATE intakes SET {_assign(derived(''))} WHERE id = NEW.id"
    changed = " OR ".join(f"NEW.{column} IS NOT ({value})" for column, value in derived("NEW.").items())
    evaluation = partial(_refresh, evaluation_facts)
    alert = partial(_refresh, alert_facts)
    return [
        f"CREATE TRIGGER intakes_worklist_insert AFTER INSERT ON intakes BEGIN {order}; {_count_up('NEW.status')}; END",
        f"CREATE TRIGGER intakes_worklist_order AFTER UPDATE OF {', '.join(SOURCES)} ON intakes WHEN {changed} "
        f"BEGIN {order}; END",
        "CREATE TRIGGER intakes_status_count_update AFTER UPDATE OF status ON intakes WHEN OLD.status IS NOT NEW.status "
        f"BEGIN {_count_down('OLD.status')}; {_count_up('NEW.status')}; END",
        f"CREATE TRIGGER intakes_status_count_delete AFTER DELETE ON intakes BEGIN {_count_down('OLD.status')}; END",
        f"CREATE TRIGGER evaluations_worklist_insert AFTER INSERT ON evaluations BEGIN {evaluation('NEW.intake_id')}; END",
        "CREATE TRIGGER evaluations_worklist_update AFTER UPDATE OF intake_id, top_urgency, top_differential ON evaluations "
        f"BEGIN {evaluation('OLD.intake_id')}; {evaluation('NEW.intake_id')}; END",
        f"CREATE TRIGGER evaluations_worklist_delete AFTER DELETE ON evaluations BEGIN {evaluation('OLD.intake_id')}; END",
        f"CREATE TRIGGER alerts_worklist_insert AFTER INSERT ON alerts BEGIN {alert('NEW.intake_id')}; END",
        "CREATE TRIGGER alerts_worklist_update AFTER UPDATE OF intake_id, urgency, raised_at, acknowledged_at ON alerts "
        f"BEGIN {alert('OLD.intake_id')}; {alert('NEW.intake_id')}; END",
        f"CREATE TRIGGER alerts_worklist_delete AFTER DELETE ON alerts BEGIN {alert('OLD.intake_id')}; END",
    ]


def _pg_child_function(name: str, facts: Callable[[str], str]) -> str:
    # One function per child table: refresh the old intake's facts, and the new one's when the row moved or is new.
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_refresh(facts, 'OLD.intake_id')}; END IF; "
        "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.intake_id IS DISTINCT FROM OLD.intake_id) THEN "
        f"{_refresh(facts, 'NEW.intake_id')}; END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )


def _pg_triggers() -> list[str]:
    assign_new = "; ".join(f"NEW.{column} := {value}" for column, value in derived("NEW.").items())
    each_row = "FOR EACH ROW EXECUTE FUNCTION"
    return [
        f"CREATE FUNCTION intakes_worklist_order() RETURNS trigger AS $$ BEGIN {assign_new}; RETURN NEW; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER intakes_worklist_order BEFORE INSERT OR UPDATE OF {', '.join(SOURCES)} ON intakes "
        f"{each_row} intakes_worklist_order()",
        "CREATE FUNCTION intakes_status_count() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {_count_down('OLD.status')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_count_up('NEW.status')}; END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER intakes_status_count AFTER INSERT OR DELETE ON intakes {each_row} intakes_status_count()",
        "CREATE TRIGGER intakes_status_count_update AFTER UPDATE OF status ON intakes FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION intakes_status_count()",
        _pg_child_function("evaluations_worklist", evaluation_facts),
        "CREATE TRIGGER evaluations_worklist AFTER INSERT OR DELETE OR UPDATE OF intake_id, top_urgency, top_differential "
        f"ON evaluations {each_row} evaluations_worklist()",
        _pg_child_function("alerts_worklist", alert_facts),
        "CREATE TRIGGER alerts_worklist AFTER INSERT OR DELETE OR UPDATE OF intake_id, urgency, raised_at, acknowledged_at "
        f"ON alerts {each_row} alerts_worklist()",
    ]


SQLITE_TRIGGERS = (
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
)
PG_TRIGGERS = {
    "intakes_worklist_order": "intakes",
    "intakes_status_count": "intakes",
    "intakes_status_count_update": "intakes",
    "evaluations_worklist": "evaluations",
    "alerts_worklist": "alerts",
}
PG_FUNCTIONS = ("intakes_worklist_order", "intakes_status_count", "evaluations_worklist", "alerts_worklist")


# The fill, one batch of intake ids (lo <= id < hi) per statement: set-based joins over the batch's evaluations and
# alerts (UPDATE ... FROM, SQLite 3.33+), each read by a range of its intake_id index, then the derived order columns.
FILL_EVALUATIONS = (
    f"UPDATE intakes SET urgency_rank = {RANK.format('n.top_urgency')}, top_differential = n.top_differential "
    "FROM (SELECT e.intake_id, e.top_urgency, e.top_differential FROM evaluations e JOIN (SELECT intake_id, max(id) AS id "
    "FROM evaluations WHERE intake_id >= :lo AND intake_id < :hi GROUP BY intake_id) m ON e.id = m.id) n "
    "WHERE intakes.id = n.intake_id"
)
FILL_ALERTS = (
    f"UPDATE intakes SET alert_rank = a.rank, alerts_open = a.waiting, first_alert_at = a.first FROM (SELECT intake_id, "
    f"max({RANK.format('urgency')}) AS rank, sum(CASE WHEN acknowledged_at IS NULL THEN 1 ELSE 0 END) AS waiting, "
    "min(raised_at) AS first FROM alerts WHERE intake_id >= :lo AND intake_id < :hi GROUP BY intake_id) a "
    "WHERE intakes.id = a.intake_id"
)
FILL_ORDER = f"UPDATE intakes SET {_assign(derived(''))} WHERE id >= :lo AND id < :hi"


def fill(bind: sa.engine.Connection) -> None:
    """Fill the new columns of existing intakes BATCH ids at a time, then count the intakes by status."""
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("ANALYZE intakes, evaluations, alerts"))  # row estimates for the joins, after a bulk load too
    low, high = bind.execute(sa.text("SELECT min(id), max(id) FROM intakes")).one()
    start = low or 0
    while high is not None and start <= high:
        bounds = {"lo": start, "hi": start + BATCH}
        for statement in (FILL_EVALUATIONS, FILL_ALERTS, FILL_ORDER):  # the order reads what the first two wrote
            bind.execute(sa.text(statement), bounds)
        start += BATCH
    bind.execute(sa.text("INSERT INTO intake_status_counts (status, total) SELECT status, count(*) FROM intakes GROUP BY status"))


def upgrade() -> None:
    """Add and fill the columns, then the triggers that keep them and the indexes that read them."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # Plain ADD COLUMNs (no table rebuild) keep the triggers of earlier revisions on both databases.
    for column in _columns():
        op.add_column("intakes", column)
    op.create_table(
        "intake_status_counts",
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_intake_status_counts")),
    )
    fill(bind)
    for statement in _sqlite_triggers() if sqlite else _pg_triggers():
        op.execute(statement)
    for name in (*REPLACED, *REPLACED_0006):
        op.drop_index(name, table_name="intakes")
    for name, columns in INDEXES.items():
        ops = {"postgresql_ops": {"ref_key": "varchar_pattern_ops"}} if name == "ix_intakes_ref_key" else {}
        op.create_index(name, "intakes", list(columns), unique=False, **ops)


def downgrade() -> None:
    """Drop the triggers, indexes, counts and columns; put back the single-column indexes."""
    if op.get_bind().dialect.name == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        for trigger, table in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    for name in INDEXES:
        op.drop_index(name, table_name="intakes")
    for name, column in {**REPLACED, **REPLACED_0006}.items():
        op.create_index(name, "intakes", [column], unique=False)
    op.drop_table("intake_status_counts")
    # SQLite 3.35+ drops a column in place; a batch rebuild would lose the triggers of earlier revisions.
    for column in reversed(_columns()):
        op.drop_column("intakes", column.name)
