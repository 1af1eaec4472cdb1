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


def seed(db: Database, count: int, distinct: int) -> Ruleset:
    """Version 1 stored, then `count` submitted intakes with answers and their real stored results; returns version 1."""
    with db.session() as session:
        version = ensure_initial_version(session)
        ruleset, version_id = version_ruleset(version), version.id
    questionnaire = default_questionnaire()
    rng = random.Random(20261101)
    samples = [random_intake(questionnaire, rng, ON) for _ in range(distinct)]
    results = [evaluate(ruleset, answers, on=ON) for answers in samples]
    json_cast = "CAST(t.value AS JSON)" if db.engine.dialect.name == "postgresql" else "t.value"
    result_cast = "CAST(t.result AS JSON)" if db.engine.dialect.name == "postgresql" else "t.result"
    fired_cast = "CAST(t.fired AS JSON)" if db.engine.dialect.name == "postgresql" else "t.fired"
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
        conn.execute(
            text(
                "INSERT INTO answers (intake_id, question_id, questionnaire_version, value, updated_at)"
                f" SELECT i.id, t.question_id, :version, {json_cast}, :at FROM intakes i JOIN bench_answers t ON t.k = i.id % :d"
            ),
            {"version": questionnaire.version, "at": MOMENT, "d": distinct},
        )
        conn.execute(
            text(
                "INSERT INTO evaluations (id, intake_id, ruleset_version, ruleset_sha256, result, fired_rules,"
                " top_differential, top_urgency, reason, created_at, ruleset_version_id)"
                f" SELECT i.id, i.id, :label, :sha, {result_cast}, {fired_cast}, t.top, t.urgency, 'submit', :at, :vid"
                " FROM intakes i JOIN bench_results t ON t.k = i.id % :d"
            ),
            {"label": ruleset.version, "sha": ruleset.sha256, "at": MOMENT, "vid": version_id, "d": distinct},
        )
        for table in ("bench_answers", "bench_results"):
            conn.execute(text(f"DROP TABLE {table}"))
        if db.engine.dialect.name == "postgresql":
            for table in ("intakes", "evaluations"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return ruleset
