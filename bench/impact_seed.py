"""Seeding for bench/impact.py: N submitted intakes with answers and their engine's real stored results, in bulk.

A few thousand distinct synthetic intakes (every shown question answered at random: about 75 answers and 40 fired
rules each) are stored once in scratch tables, then copied to N intakes by the database itself (INSERT ... SELECT on
intake id modulo the distinct count), which is many times quicker than sending every row from Python.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from sqlalchemy import text

from triage.db.evaluations import ensure_initial_version, version_ruleset
from triage.db.session import Database
from triage.domain.engine.evaluate import Ruleset, evaluate
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.questionnaire.synthetic import random_intake

ON = dt.date(2026, 11, 1)
MOMENT = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
STEP = 100_000  # intakes whose answers and results are copied per transaction
COPIED_JSON = ("value", "result", "fired")  # scratch columns stored as JSON (cast on PostgreSQL)
SCRATCH = (
    "CREATE TABLE bench_answers (k INTEGER NOT NULL, question_id VARCHAR(80) NOT NULL, value TEXT NOT NULL)",
    "CREATE TABLE bench_results"
    " (k INTEGER NOT NULL, result TEXT NOT NULL, fired TEXT NOT NULL, top VARCHAR(80), urgency VARCHAR(16))",
)


def _numbers(conn: Any, count: int) -> None:
    """Intakes 1..count, submitted, on today's questionnaire (a recursive CTE counts them out on both databases)."""
    conn.execute(
        text(
            "INSERT INTO intakes (id, ref, status, questionnaire_version, created_at, updated_at, submitted_at,"
            " answers_sha256, pending_inputs)"
            " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
            " SELECT i, 'B-' || CAST(i AS VARCHAR(12)), 'submitted', :version, :at, :at, :at, :sha, '{}' FROM n"
        ),
        {"count": count, "version": default_questionnaire().version, "at": MOMENT, "sha": "0" * 64},
    )


def _copy(
    conn: Any, low: int, high: int, distinct: int, version: str, ruleset: Ruleset, version_id: int, casts: tuple[str, ...]
) -> None:
    """Answers and stored results for intakes low+1..high, from the scratch tables (intake id modulo the distinct count)."""
    value, result, fired = casts
    conn.execute(
        text(
            "INSERT INTO answers (intake_id, question_id, questionnaire_version, value, updated_at)"
            f" SELECT i.id, t.question_id, :version, {value}, :at FROM intakes i JOIN bench_answers t ON t.k = i.id % :d"
            " WHERE i.id > :low AND i.id <= :high"
        ),
        {"version": version, "at": MOMENT, "d": distinct, "low": low, "high": high},
    )
    conn.execute(
        text(
            "INSERT INTO evaluations (id, intake_id, ruleset_version, ruleset_sha256, result, fired_rules,"
            " top_differential, top_urgency, reason, created_at, ruleset_version_id)"
            f" SELECT i.id, i.id, :label, :sha, {result}, {fired}, t.top, t.urgency, 'submit', :at, :vid"
            " FROM intakes i JOIN bench_results t ON t.k = i.id % :d WHERE i.id > :low AND i.id <= :high"
        ),
        {"label": ruleset.version, "sha": ruleset.sha256, "at": MOMENT, "vid": version_id, "d": distinct}
        | {"low": low, "high": high},
    )


def seed(db: Database, count: int, distinct: int) -> Ruleset:
    """Version 1 stored, then `count` submitted intakes with answers and their real stored results; returns version 1."""
    with db.session() as session:
        version = ensure_initial_version(session)
        ruleset, version_id = version_ruleset(version), version.id
    questionnaire = default_questionnaire()
    rng = random.Random(20261101)
    samples = [random_intake(questionnaire, rng, ON) for _ in range(distinct)]
    results = [evaluate(ruleset, answers, on=ON) for answers in samples]
    casts = tuple(f"CAST(t.{c} AS JSON)" if db.engine.dialect.name == "postgresql" else f"t.{c}" for c in COPIED_JSON)
    with db.engine.begin() as conn:
        for statement in SCRATCH:
            conn.execute(text(statement))
        conn.execute(
            text("INSERT INTO bench_answers (k, question_id, value) VALUES (:k, :q, :v)"),
            [{"k": k, "q": q, "v": json.dumps(v)} for k, answers in enumerate(samples) for q, v in answers.items()],
        )
        conn.execute(
            text("INSERT INTO bench_results (k, result, fired, top, urgency) VALUES (:k, :r, :f, :t, :u)"),
            [
                {
                    "k": k,
                    "r": json.dumps(r.to_dict()),
                    "f": json.dumps(list(r.fired_rules)),
                    "t": r.top_differential,
                    "u": r.top_urgency,
                }
                for k, r in enumerate(results)
            ],
        )
        _numbers(conn, count)
    # Copied a slice of intakes per transaction: one transaction of 10^6 intakes would grow SQLite's write-ahead log to
    # the whole database's size before folding it back in (twice the disk); a slice's log is reused by the next.
    for low in range(0, count, STEP):
        with db.engine.begin() as conn:
            _copy(conn, low, min(count, low + STEP), distinct, questionnaire.version, ruleset, version_id, casts)
    with db.engine.begin() as conn:
        for table in ("bench_answers", "bench_results"):
            conn.execute(text(f"DROP TABLE {table}"))
        if db.engine.dialect.name == "postgresql":
            for table in ("intakes", "evaluations"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return ruleset
