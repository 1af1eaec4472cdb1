"""Upgrading a database of the previous release (schema 0005) that holds a clinic's data, as `triage db upgrade` does.

On SQLite and PostgreSQL: data written at 0005 (an invitation, a submitted intake with its answers and evaluation, a staff
account, a note, a published ruleset version, audit rows) survives the upgrade to head row for row, the current code
reads it (answers hash, result, password, audit chain, ruleset), the new tables work (an alert escalated by the worker's
job, outbox messages a worker claims), and a downgrade back to 0005 gives back exactly the old rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.helpers.databases import create_pg_database, drop_pg_database, require_pg
from triage.config import Settings
from triage.db import audit, migrate, outbox, users
from triage.db.alert_queue import escalate_due, unacknowledged_counts
from triage.db.decisions import DECISIONS
from triage.db.evaluations import bundled_ruleset
from triage.db.intake_record import intake_record
from triage.db.intakes import answers_sha256, invitation_for_token, token_digest
from triage.db.models import Alert, Intake, RulesetVersion
from triage.db.session import Database
from triage.domain.engine.evaluate import evaluate, load_ruleset_from_documents, read_ruleset_documents
from triage.domain.questionnaire.questions import default_questionnaire
from triage.paths import resource_dir

# The schema of the last release; its data must come through every later migration.
PREVIOUS_RELEASE = "0005"
ROOT = Path(__file__).resolve().parents[2]
ANSWERS = json.loads((ROOT / "tests" / "golden" / "demo" / "DEMO-001.answers.json").read_text(encoding="utf-8"))
AUDIT_KEY = "upgrade-test-audit-key-0123456789abcdefghijkl"
TOKEN = "previous-release-patient-link-token"
PASSWORD = "correct horse battery staple 42"
CREATED = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
SUBMITTED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
NEW_TABLES = {"alerts", "patient_interrupts", "triage_decisions", "outbox_messages", "patient_sessions"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def old_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database migrated to the previous release's schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'previous.db'}"
    else:
        require_pg()
        url = create_pg_database("triage_upgrade")
    migrate.upgrade(url, PREVIOUS_RELEASE)
    yield url
    if request.param == "postgresql":
        drop_pg_database(url)


def insert(conn: Connection, table: str, *rows: dict[str, Any]) -> None:
    """INSERT rows into a table as the database has it now (reflected, so JSON and times are typed right; unset is NULL)."""
    conn.execute(Table(table, MetaData(), autoload_with=conn).insert(), list(rows))


def write_previous_release_data(url: str) -> None:
    """A small clinic's data, written at schema 0005 with that schema's columns."""
    ruleset = bundled_ruleset()
    evaluated = evaluate(ruleset, ANSWERS, on=SUBMITTED.date())
    result = evaluated.to_dict()
    version = default_questionnaire().version
    engine = create_engine(url)
    with engine.begin() as conn:
        insert(
            conn,
            "users",
            {
                "id": 1,
                "email": "clinician@clinic.test",
                "password_hash": users.hash_password(PASSWORD),
                "roles": "clinician",
                "totp_enrolled": False,
                "active": True,
                "failed_logins": 0,
                "password_changed_at": CREATED,
                "created_at": CREATED,
            },
        )
        insert(
            conn,
            "ruleset_versions",
            {
                "id": 1,
                "number": 1,
                "status": "published",
                "label": ruleset.version,
                "sha256": ruleset.sha256,
                "documents": read_ruleset_documents(resource_dir("rules")),
                "tests": {},
                "test_report": {"total": 0, "passed": 0, "failures": [], "errors": []},
                "summary": "The default ruleset",
                "created_by": "system",
                "created_at": CREATED,
                "editors": [],
                "updated_by": "system",
                "updated_at": CREATED,
                "published_by": "system",
                "published_at": CREATED,
                "lock_version": 1,
            },
        )
        insert(
            conn,
            "intakes",
            {
                "id": 1,
                "ref": "MRN-0042",
                "status": "submitted",
                "questionnaire_version": version,
                "appointment_date": dt.date(2026, 12, 14),
                "created_at": CREATED,
                "updated_at": SUBMITTED,
                "submitted_at": SUBMITTED,
                "answers_sha256": answers_sha256(ANSWERS),
                "pending_inputs": {},
                "reviewed_by": 1,
                "reviewed_at": SUBMITTED + dt.timedelta(hours=2),
            },
        )
        insert(
            conn,
            "invitations",
            {
                "id": 1,
                "token_sha256": token_digest(TOKEN),
                "intake_id": 1,
                "created_at": CREATED,
                "expires_at": CREATED + dt.timedelta(days=30),
                "created_by": "clinician@clinic.test",
            },
        )
        insert(
            conn,
            "answers",
            *[
                {"intake_id": 1, "question_id": qid, "questionnaire_version": version, "value": value, "updated_at": CREATED}
                for qid, value in ANSWERS.items()
            ],
        )
        insert(
            conn,
            "evaluations",
            {
                "id": 1,
                "intake_id": 1,
                "ruleset_version": ruleset.version,
                "ruleset_sha256": ruleset.sha256,
                "result": result,
                "fired_rules": result["fired_rules"],
                "top_differential": evaluated.top_differential,
                "top_urgency": evaluated.top_urgency,
                "reason": "submitted",
                "created_at": SUBMITTED,
                "ruleset_version_id": 1,
            },
        )
        insert(
            conn, "clinician_notes", {"intake_id": 1, "user_id": 1, "text": "Coeliac serology first.", "created_at": SUBMITTED}
        )
    # The audit rows as that release wrote them: the audit table is the same at 0005 and at head.
    with Session(engine, info={audit.AUDIT_KEY_INFO: AUDIT_KEY}) as session, session.begin():
        audit.record(session, actor="clinician@clinic.test", role="admin", action="invite.create", intake_id=1)
        audit.record(session, actor="patient", role="patient", action="intake.submit", intake_id=1)
        audit.record(session, actor="clinician@clinic.test", role="clinician", action="intake.view", intake_id=1)
    engine.dispose()


def snapshot(url: str, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the given tables (only the given columns), by first column (the id; empty tables aside, it is unique)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        quoted = {table: ", ".join(f'"{name}"' for name in names) for table, names in columns.items()}
        rows = {
            table: [tuple(row) for row in conn.execute(text(f"SELECT {names} FROM {table} ORDER BY 1"))]
            for table, names in quoted.items()
        }
    engine.dispose()
    return rows


def old_columns(url: str) -> dict[str, list[str]]:
    """The tables and columns of the database now (the previous release's schema), alembic_version aside."""
    engine = create_engine(url)
    inspector = inspect(engine)
    found = {t: [c["name"] for c in inspector.get_columns(t)] for t in inspector.get_table_names() if t != "alembic_version"}
    engine.dispose()
    return found


def check_current_code_reads_it(db: Database) -> None:
    """The named queries of this version read the old rows: answers intact, result, password, chain, ruleset, link."""
    with db.session() as session:
        record = intake_record(session, 1)
        assert record is not None and record.ref == "MRN-0042" and record.integrity_ok
        assert record.answers == ANSWERS
        assert record.evaluation is not None and record.evaluation.ruleset_sha256 == bundled_ruleset().sha256
        assert record.result == evaluate(bundled_ruleset(), ANSWERS, on=SUBMITTED.date()).to_dict()
        assert [n.text for n in record.notes] == ["Coeliac serology first."]
        assert record.decision is None and record.alerts == ()
        user = users.user_by_email(session, "clinician@clinic.test")
        assert user is not None and users.verify_password(user, PASSWORD)
        invitation = invitation_for_token(session, TOKEN)
        assert invitation is not None and invitation.intake_id == 1
        stored = session.get(RulesetVersion, 1)
        assert stored is not None and load_ruleset_from_documents(stored.documents).sha256 == stored.sha256
        report = audit.verify_chain(session)
        assert report.ok and report.rows == 3, report.reason


def check_new_tables_work(db: Database) -> None:
    """An emergency alert on the old intake, escalated by the worker's job; outbox messages a worker can claim."""
    now = dt.datetime.now(dt.UTC)
    settings = Settings.model_validate({"TRIAGE_ENV": "test", "ESCALATION_EMAIL": "oncall@clinic.test"})
    with db.session() as session:
        session.add(Alert(intake_id=1, urgency="emergency", rule_ids=["rf_gi_bleed"], raised_at=now - dt.timedelta(hours=1)))
        session.get_one(Intake, 1).decision = DECISIONS[0]
    with db.session() as session:
        assert unacknowledged_counts(session)["emergency"] == 1
        assert escalate_due(session, now, settings) == 1
        assert outbox.enqueue(session, kind="alert", recipient="gi@clinic.test", dedupe_key="alert:1", intake_id=1)
    with db.session() as session:
        later = dt.datetime.now(dt.UTC)  # both messages are due from the moment they were queued
        claimed = [outbox.claim_next(session, later, dt.timedelta(minutes=1), ("email",)) for _ in range(3)]
    assert sorted(c.recipient for c in claimed if c is not None) == ["gi@clinic.test", "oncall@clinic.test"]


def check_guards_survive(url: str) -> None:
    """The audit log is still append-only and a published ruleset version still frozen (database triggers)."""
    engine = create_engine(url)
    for statement in (
        "UPDATE audit_events SET detail = 'x'",
        "DELETE FROM audit_events",
        "UPDATE ruleset_versions SET label = 'x'",
    ):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def test_upgrade_from_the_previous_release_keeps_the_data(old_db: str) -> None:
    write_previous_release_data(old_db)
    columns = old_columns(old_db)
    before = snapshot(old_db, columns)
    assert {table: len(rows) for table, rows in before.items() if rows} == {
        "users": 1,
        "ruleset_versions": 1,
        "intakes": 1,
        "invitations": 1,
        "answers": len(ANSWERS),
        "evaluations": 1,
        "clinician_notes": 1,
        "audit_events": 3,
    }

    migrate.upgrade(old_db)

    assert snapshot(old_db, columns) == before
    assert NEW_TABLES <= set(old_columns(old_db))
    check_guards_survive(old_db)
    db = Database(old_db, audit_key=AUDIT_KEY)
    try:
        check_current_code_reads_it(db)
        check_new_tables_work(db)
    finally:
        db.dispose()

    migrate.downgrade(old_db, PREVIOUS_RELEASE)

    assert old_columns(old_db) == columns
    after = snapshot(old_db, columns)
    # The audit log only grows: the escalation's row, written at head, stays after the downgrade.
    assert [row[4] for row in after.pop("audit_events")] == [row[4] for row in before.pop("audit_events")] + ["alert.escalate"]
    assert after == before
    check_guards_survive(old_db)
