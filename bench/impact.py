"""Time to compute the impact of a one-rule change over 100 000 stored intakes, from the database, on SQLite and PostgreSQL.

Prints figures only (target on the reference 2-core machine: at most 5 s). The intakes are synthetic
(every shown question answered at random, so busier than real ones: about 75 answers and 40 fired
rules each); their stored results are the engine's real results. Seeding uses bulk inserts (COPY on
PostgreSQL) and repeats a few thousand distinct intakes.
Run: .venv/bin/python bench/impact.py [--intakes N] [--distinct M]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from triage.db import migrate  # noqa: E402
from triage.db.evaluations import ensure_initial_version, version_ruleset  # noqa: E402
from triage.db.impact import compute_impact  # noqa: E402
from triage.db.session import Database  # noqa: E402
from triage.domain.engine.evaluate import Ruleset, evaluate, load_ruleset_from_documents  # noqa: E402
from triage.domain.questionnaire.questions import default_questionnaire  # noqa: E402
from triage.domain.questionnaire.synthetic import random_intake  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ON = dt.date(2026, 11, 1)
RUNS = 3
INTAKE_COLUMNS = (
    "id",
    "ref",
    "status",
    "questionnaire_version",
    "created_at",
    "updated_at",
    "submitted_at",
    "answers_sha256",
    "pending_inputs",
)
ANSWER_COLUMNS = ("intake_id", "question_id", "questionnaire_version", "value", "updated_at")
EVALUATION_COLUMNS = (
    "id",
    "intake_id",
    "ruleset_version",
    "ruleset_sha256",
    "result",
    "fired_rules",
    "top_differential",
    "top_urgency",
    "reason",
    "created_at",
    "ruleset_version_id",
)


def _copy_rows(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Bulk-load rows: COPY on PostgreSQL, executemany on SQLite."""
    if conn.__class__.__module__.startswith("psycopg"):
        with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy_:
            for row in rows:
                copy_.write_row(row)
        return
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


def seed(db: Database, count: int, distinct: int) -> Ruleset:
    """Version 1 stored, then `count` submitted intakes with answers and their real stored results; returns version 1."""
    with db.session() as session:
        version = ensure_initial_version(session)
        ruleset, version_id = version_ruleset(version), version.id
    questionnaire = default_questionnaire()
    rng = random.Random(20261101)
    samples = [random_intake(questionnaire, rng, ON) for _ in range(distinct)]
    results = [evaluate(ruleset, answers, on=ON) for answers in samples]
    encoded = [[(q, json.dumps(v)) for q, v in answers.items()] for answers in samples]
    stored = [(json.dumps(r.to_dict()), json.dumps(list(r.fired_rules)), r.top_differential, r.top_urgency) for r in results]
    moment = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        _copy_rows(
            conn,
            "intakes",
            INTAKE_COLUMNS,
            [
                (i, f"B-{i:06d}", "submitted", questionnaire.version, moment, moment, moment, "0" * 64, "{}")
                for i in range(1, count + 1)
            ],
        )
        for start in range(1, count + 1, 10_000):
            ids = range(start, min(count + 1, start + 10_000))
            _copy_rows(
                conn,
                "answers",
                ANSWER_COLUMNS,
                [(i, q, questionnaire.version, value, moment) for i in ids for q, value in encoded[i % distinct]],
            )
        evaluations = []
        for i in range(1, count + 1):
            result, fired, top, urgency = stored[i % distinct]
            evaluations.append((i, i, ruleset.version, ruleset.sha256, result, fired, top, urgency, "submit", moment, version_id))
        _copy_rows(conn, "evaluations", EVALUATION_COLUMNS, evaluations)
        if conn.__class__.__module__.startswith("psycopg"):
            for table in ("intakes", "evaluations"):
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})")
            conn.execute("ANALYZE")
        else:
            conn.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return ruleset


def draft_with(base: Ruleset, change: Callable[[dict[str, Any]], None]) -> Ruleset:
    """Version 1 with one change, as a draft (with its own version text)."""
    documents = copy.deepcopy(base.documents)
    documents["ruleset.yaml"]["version"] = "bench-draft"
    change(documents)
    return load_ruleset_from_documents(documents)


def _rule(documents: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for name, d in documents.items() if name != "ruleset.yaml" for r in d["rules"] if r["id"] == rule_id)


CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "one rule's weight (no answers read)": lambda d: _rule(d, "cd_iron_deficiency").update(weight=1),
    "one rule's condition (1 question read)": lambda d: _rule(d, "cd_iron_deficiency").update(
        when={"question": "known_anaemia", "equals": "iron_deficiency"}
    ),
    "one age parameter (2 rules, date of birth read)": lambda d: d["ruleset.yaml"]["parameters"]["upper_gi_cancer_age"].update(
        value=50
    ),
}


def measure(label: str, url: str, count: int, distinct: int) -> None:
    """Seed a migrated database and print the impact time of each one-rule change."""
    migrate.upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    base = seed(db, count, distinct)
    print(f"{label}: {count} submitted intakes seeded in {time.perf_counter() - started:.1f} s")
    for name, change in CHANGES.items():
        draft = draft_with(base, change)
        times, reports = [], []
        for _ in range(RUNS):
            with db.session() as session:
                begun = time.perf_counter()
                reports.append(compute_impact(session, draft))
                times.append(time.perf_counter() - begun)
        figures = f"{statistics.median(times):5.2f} s median of {RUNS} (target <= 5 s)"
        print(f"  {name:<48} {figures}; {reports[-1].considered} intakes, {len(reports[-1].changed)} would change")
    db.dispose()


def main() -> None:
    """Run on SQLite, then on PostgreSQL when it answers."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--intakes", type=int, default=100_000)
    parser.add_argument("--distinct", type=int, default=2_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-impact-"))
    measure("SQLite", f"sqlite:///{folder / 'bench.db'}", args.intakes, args.distinct)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_impact_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        print(f"PostgreSQL: not reachable at {PG_ADMIN_URL}; skipped")
        return
    try:
        measure(
            "PostgreSQL",
            make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False),
            args.intakes,
            args.distinct,
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
