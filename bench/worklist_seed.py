"""A synthetic clinic history for bench/worklist.py, bulk-loaded at schema 0008 so that migration 0009 fills it.

Loading before the worklist columns exist times the migration's batched fill as a clinic upgrading would see it, and
skips a trigger call per row. The mix: a sixth invited, a sixth in progress (some with alerts), the rest sent, most
of those reviewed; one evaluation each (a tenth re-evaluated), urgency none 55 %, soon 25 %, urgent 15 %,
emergency 5 %; alerts for the urgent tiers, nearly all acknowledged; decisions on most, assigned among 8 clinicians.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text

BEFORE_WORKLIST = "0008"  # the revision just before the worklist columns
BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
CLINICIANS = 8
STATUSES = ("invited",) * 2 + ("in_progress",) * 2 + ("submitted",) * 3 + ("reviewed",) * 5
URGENCIES = (None,) * 11 + ("soon",) * 5 + ("urgent",) * 3 + ("emergency",)
DIFFERENTIALS = ("celiac_disease", "ibs", "crohns_disease", "gerd", "h_pylori", "ulcerative_colitis")
DECISIONS = ("emergency_now", "urgent", "soon", "routine", "no_appointment_advice")
CHUNK = 50_000
INTAKE_COLUMNS = (
    "id",
    "ref",
    "status",
    "questionnaire_version",
    "appointment_date",
    "created_at",
    "updated_at",
    "submitted_at",
    "answers_sha256",
    "pending_inputs",
    "reviewed_by",
    "reviewed_at",
    "decision",
    "assigned_to",
)
EVALUATION_COLUMNS = (
    "intake_id",
    "ruleset_version",
    "ruleset_sha256",
    "result",
    "fired_rules",
    "top_differential",
    "top_urgency",
    "reason",
    "created_at",
)
ALERT_COLUMNS = ("intake_id", "urgency", "rule_ids", "raised_at", "raised_while", "acknowledged_at", "action", "note")
USER_COLUMNS = (
    "id",
    "email",
    "password_hash",
    "roles",
    "totp_enrolled",
    "active",
    "failed_logins",
    "password_changed_at",
    "created_at",
)
RESULT = '{"red_flags": [], "differentials": []}'


def reference(n: int) -> str:
    """The clinic's reference of the n-th intake."""
    return f"W-{n:07d}"


def _when(moment: dt.datetime, sqlite: bool) -> Any:
    # SQLAlchemy's text form of a UTC time on SQLite (so the app reads what it would have written); PostgreSQL takes it as is.
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else moment


def _load(conn: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]], sqlite: bool) -> None:
    """Bulk-load rows: COPY on PostgreSQL, executemany in chunks on SQLite."""
    if not sqlite:
        with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            conn.executemany(statement, chunk)
            chunk = []
    conn.executemany(statement, chunk)


def _intakes(count: int, sqlite: bool, plan: dict[int, tuple[str, str | None]]) -> Iterator[tuple[Any, ...]]:
    chance = random.Random(1)
    for n in range(1, count + 1):
        status = STATUSES[chance.randrange(len(STATUSES))]
        created = BASE + dt.timedelta(minutes=n)
        sent = status in ("submitted", "reviewed")
        submitted = created + dt.timedelta(hours=chance.randint(1, 72)) if sent else None
        urgency = URGENCIES[chance.randrange(len(URGENCIES))] if sent else None
        decided = sent and chance.random() < 0.8
        assignee = chance.randint(1, CLINICIANS) if decided and chance.random() < 0.75 else None
        plan[n] = (status, urgency)
        updated = (submitted or created) + dt.timedelta(minutes=chance.randint(0, 600))
        yield (
            n,
            reference(n),
            status,
            "bench",
            (BASE + dt.timedelta(days=chance.randint(0, 900))).date(),
            _when(created, sqlite),
            _when(updated, sqlite),
            _when(submitted, sqlite) if submitted else None,
            "0" * 64 if sent else None,
            "{}",
            1 if status == "reviewed" else None,
            _when(updated, sqlite) if status == "reviewed" else None,
            DECISIONS[chance.randrange(len(DECISIONS))] if decided else None,
            assignee,
        )


def _evaluations(plan: dict[int, tuple[str, str | None]], sqlite: bool) -> Iterator[tuple[Any, ...]]:
    chance = random.Random(2)
    for n, (status, urgency) in plan.items():
        if status not in ("submitted", "reviewed"):
            continue
        moment = _when(BASE + dt.timedelta(minutes=n, hours=80), sqlite)
        if n % 10 == 0:  # re-evaluated: the older result had another urgency; the newer one stands
            older = URGENCIES[chance.randrange(len(URGENCIES))]
            yield (n, "bench", "0" * 64, RESULT, "[]", DIFFERENTIALS[(n + 1) % 6], older, "submit", moment)
        yield (n, "bench", "0" * 64, RESULT, "[]", DIFFERENTIALS[n % 6], urgency, "reevaluate", moment)


def _alerts(plan: dict[int, tuple[str, str | None]], sqlite: bool) -> Iterator[tuple[Any, ...]]:
    chance = random.Random(3)
    for n, (status, urgency) in plan.items():
        flagged = urgency in ("urgent", "emergency") or (status == "in_progress" and chance.random() < 0.1)
        if not flagged:
            continue
        raised = BASE + dt.timedelta(minutes=n, hours=1)
        acknowledged = chance.random() < 0.999
        yield (
            n,
            urgency or ("emergency" if chance.random() < 0.3 else "urgent"),
            '["rf_bench"]',
            _when(raised, sqlite),
            "submitted" if urgency else "in_progress",
            _when(raised + dt.timedelta(minutes=20), sqlite) if acknowledged else None,
            "called_patient" if acknowledged else None,
            "",
        )


def seed(conn: Any, count: int, sqlite: bool) -> None:
    """Load `count` intakes with their evaluations and alerts, and the clinicians they are assigned to (raw DB-API)."""
    users = (
        (i, f"clinician{i}@bench.example", "!", "clinician", True, True, 0, _when(BASE, sqlite), _when(BASE, sqlite))
        for i in range(1, 1 + CLINICIANS)
    )
    _load(conn, "users", USER_COLUMNS, users, sqlite)
    plan: dict[int, tuple[str, str | None]] = {}
    _load(conn, "intakes", INTAKE_COLUMNS, _intakes(count, sqlite, plan), sqlite)
    _load(conn, "evaluations", EVALUATION_COLUMNS, _evaluations(plan, sqlite), sqlite)
    _load(conn, "alerts", ALERT_COLUMNS, _alerts(plan, sqlite), sqlite)


def move_sequences(conn: Any) -> None:
    """Move PostgreSQL's id sequences past the loaded ids (the rows were given their ids)."""
    for table in ("users", "intakes"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
