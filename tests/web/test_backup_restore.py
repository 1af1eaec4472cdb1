"""`triage backup` and `triage restore`: a seeded clinic backed up and restored into an empty database, on both databases."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from tests.helpers.apps import build_app
from tests.helpers.databases import create_pg_database, drop_pg_database
from triage.cli.main import cli
from triage.cli.report import write_report
from triage.db import audit, outbox, users, worklist
from triage.db import intakes as queries
from triage.db.backup import libpq_url
from triage.db.demo import seed_demo, seed_demo_staff
from triage.db.evaluations import ensure_stored_ruleset
from triage.db.models import AuditEvent, Base, Evaluation, Intake, RulesetVersion
from triage.db.session import Database
from triage.domain.questionnaire.questions import default_questionnaire


def run(app: Flask, *args: str) -> Result:
    """Invoke the CLI against this app (exceptions become the exit code, as for a user)."""
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def db_of(app: Flask) -> Database:
    """The app's database."""
    found: Database = app.extensions["triage_db"]
    return found


def seed_clinic(app: Flask, tmp_path: Path) -> None:
    """Demo intakes (submitted, evaluated), staff, a published ruleset, note, feedback, review, letter, email, audit rows."""
    db = db_of(app)
    ensure_stored_ruleset(db)
    with db.session() as session:
        seed_demo_staff(session)
        seed_demo(session)
    with db.session() as session:
        clinician = users.user_by_email(session, "clinician@demo.test")
        assert clinician is not None
        first = session.scalars(select(Intake).where(Intake.status == "submitted").order_by(Intake.id)).first()
        assert first is not None
        evaluation = session.scalars(select(Evaluation).where(Evaluation.intake_id == first.id)).one()
        differential = str((evaluation.result.get("differentials") or [{}])[0].get("id"))
        worklist.add_note(session, first.id, clinician.id, "Seen in clinic; café ☕ bloods booked.")
        assert worklist.record_feedback(session, first.id, evaluation.id, differential, clinician.id, False, "Too broad")
        assert worklist.mark_reviewed(session, first.id, clinician.id)
        outbox.enqueue(session, kind="alert", recipient="gi@clinic.test", dedupe_key="backup-test", subject="s", body="b")
        audit.record(session, actor="clinician@demo.test", role="clinician", action="intake.view", intake_id=first.id)
        first_id = first.id
    # The letter: a cached PDF and its audit row.
    write_report(app.extensions["triage_settings"], db, first_id, tmp_path / "letter.pdf")


def contents(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the models (column -> value), in primary-key order."""
    with db_of(app).session() as session:
        return {
            t.name: [dict(row._mapping) for row in session.execute(select(t).order_by(*t.primary_key.columns))]
            for t in Base.metadata.sorted_tables
        }


def audit_verifies(app: Flask) -> bool:
    """Whether `triage audit verify` passes on the app's database (the keyed chain, walked row by row)."""
    result = run(app, "audit", "verify")
    return result.exit_code == 0 and result.output.startswith("OK: ")


@pytest.fixture
def empty_target(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as db_url: a new SQLite file, or a new PostgreSQL database."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = create_pg_database("triage_restore")
    yield url
    drop_pg_database(url)


def test_round_trip_restores_every_row_hash_and_the_audit_chain(
    app: Flask, empty_target: str, tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    seed_clinic(app, tmp_path)
    before = contents(app)
    assert all(before[name] for name in ("intakes", "answers", "evaluations", "ruleset_versions", "clinician_notes"))
    assert all(before[name] for name in ("differential_feedback", "pdf_cache", "outbox_messages", "audit_events", "users"))
    out = tmp_path / "clinic.backup"
    made = run(app, "backup", "--out", str(out))
    assert made.exit_code == 0, made.output
    assert "backup of" in made.output and str(out) in made.output
    assert out.stat().st_mode & 0o077 == 0
    assert contents(app)["audit_events"][-1]["action"] == "backup.create"  # audited in the database it backed up

    target = build_app(empty_target, tmp_path)
    try:
        restored = run(target, "restore", str(out))
        assert restored.exit_code == 0, restored.output
        assert "into an empty database" in restored.output and "schema at revision" in restored.output
        assert "db upgrade" not in restored.output  # the backup's schema is this version's newest
        after = contents(target)
        assert set(after) == set(before)
        for name in before:
            if name != "audit_events":
                assert after[name] == before[name], name
        # The restore appends its own audit row after the restored chain, which still verifies.
        assert after["audit_events"][:-1] == before["audit_events"]
        assert after["audit_events"][-1]["action"] == "backup.restore" and after["audit_events"][-1]["outcome"] == "ok"
        assert audit_verifies(target)
        with db_of(target).session() as session:
            submitted = list(session.scalars(select(Intake).where(Intake.answers_sha256.is_not(None))))
            assert len(submitted) >= 5
            for intake in submitted:
                assert queries.answers_sha256(queries.load_answers(session, intake.id)) == intake.answers_sha256
            assert session.scalars(select(RulesetVersion).where(RulesetVersion.status == "published")).first()
            # The sequences came along: new rows get new ids.
            _token, intake = queries.create_invitation(
                session, ref="AFTER-RESTORE", questionnaire_version=default_questionnaire().version, expires_days=1
            )
            assert intake.id > max(row["id"] for row in before["intakes"])
            audit.record(session, actor="cli", role="cli", action="invitation.create", intake_id=intake.id)
        assert audit_verifies(target)
    finally:
        db_of(target).dispose()


def test_restore_refuses_a_database_holding_data_unless_forced(app: Flask, empty_target: str, tmp_path: Path) -> None:
    seed_clinic(app, tmp_path)
    out = tmp_path / "clinic.backup"
    assert run(app, "backup", "--out", str(out)).exit_code == 0
    with db_of(app).session() as session:
        queries.create_invitation(session, ref="LATER", questionnaire_version=default_questionnaire().version, expires_days=1)
    later = contents(app)
    refused = run(app, "restore", str(out))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "nothing restored: the database is not empty" in refused.output and "--force" in refused.output
    now = contents(app)
    assert {k: v for k, v in now.items() if k != "audit_events"} == {k: v for k, v in later.items() if k != "audit_events"}
    assert now["audit_events"][-1]["action"] == "backup.restore" and now["audit_events"][-1]["outcome"] == "refused"
    forced = run(app, "restore", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert "replacing" in forced.output
    with db_of(app).session() as session:
        assert session.scalar(select(Intake).where(Intake.ref == "LATER")) is None
    assert audit_verifies(app)


def test_bad_files_and_targets_give_a_clear_message_and_exit_1(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "exists.backup"
    out.write_bytes(b"keep me")
    taken = run(app, "backup", "--out", str(out))
    assert taken.exit_code == 1 and "already exists" in taken.output and "Traceback" not in taken.output
    assert out.read_bytes() == b"keep me"
    missing = run(app, "restore", str(tmp_path / "missing.backup"))
    assert missing.exit_code == 1 and "cannot read" in missing.output and "Traceback" not in missing.output
    junk = run(app, "restore", str(out))
    assert junk.exit_code == 1 and "is not a backup made by `triage backup`" in junk.output
    other = tmp_path / "other-kind.backup"
    if db_of(app).url.startswith("sqlite"):
        other.write_bytes(b"PGDMP\x01\x0e\x00")
    else:
        sqlite3.connect(other).execute("CREATE TABLE alembic_version (version_num TEXT)").connection.close()
    mismatch = run(app, "restore", str(other))
    assert mismatch.exit_code == 1 and "backup but the database is" in mismatch.output and "Traceback" not in mismatch.output
    with db_of(app).session() as session:
        actions = [(a.action, a.outcome) for a in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("backup.create", "failed") in actions and ("backup.restore", "failed") in actions


def test_pg_dump_fails_cleanly_on_a_missing_database_and_never_shows_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:5432/no_such_database_here"
    conninfo, env = libpq_url(url + "?sslmode=disable")
    assert conninfo == "postgresql://postgres@127.0.0.1:5432/no_such_database_here?sslmode=disable"
    assert env == {"PGPASSWORD": "s3cret-pw"}
    assert libpq_url("postgresql+psycopg://postgres@127.0.0.1/x")[1] == {}
    app = build_app(url, tmp_path)
    try:
        result = run(app, "backup", "--out", str(tmp_path / "x.backup"))
    finally:
        db_of(app).dispose()
    assert result.exit_code == 1 and "no backup written" in result.output
    assert "s3cret-pw" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.backup").exists()


def test_sqlite_backup_is_consistent_while_the_app_writes(sqlite_url: str, tmp_path: Path) -> None:
    app = build_app(sqlite_url, tmp_path)
    try:
        writer = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
        writer.execute("BEGIN IMMEDIATE")  # a write in progress, not committed: the backup must neither wait for nor see it
        writer.execute(
            "INSERT INTO app_settings (key, value, changed_at) VALUES ('uncommitted', 'x', ?)",
            (dt.datetime.now(dt.UTC).isoformat(),),
        )
        out = tmp_path / "live.backup"
        made = run(app, "backup", "--out", str(out))
        writer.rollback()
        writer.close()
        assert made.exit_code == 0, made.output
        copy = sqlite3.connect(out)
        assert copy.execute("SELECT count(*) FROM app_settings WHERE key = 'uncommitted'").fetchone() == (0,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        copy.close()
    finally:
        db_of(app).dispose()
