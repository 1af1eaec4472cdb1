"""Retention on SQLite and PostgreSQL, with the clock the test sets: what is past its period is gone from every table,
everything else is untouched, the worklist counts and the audit chain stay true, and a dry run changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from tests.helpers.retention import rows_naming, seed_intake, seed_message, snapshot
from tests.unit.test_worklist_columns import recomputed, stored
from triage.cli import retention as retention_cli
from triage.cli.main import cli
from triage.config import Settings
from triage.db import audit, clinic_profile, fhir, retention_run, users
from triage.db.clock import utcnow
from triage.db.models import AuditEvent, Intake, IntakeStatusCount, Invitation, OutboxMessage
from triage.db.research import research_intakes
from triage.db.session import Database
from triage.domain.retention import years_before

NOW = utcnow().replace(microsecond=0)
SETTINGS = Settings(TRIAGE_ENV="test")


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """The test's migrated database."""
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture
def clinician(database: Database) -> int:
    """A clinician who decided, noted and signed letters."""
    with database.session() as session:
        user, _uri = users.create_user(session, "clinician@example.org", "correct horse battery staple 9", ("clinician",))
        return user.id


def years_ago(years: int, days: int = 0) -> dt.datetime:
    """A moment this many years (and days) before the test's clock."""
    return years_before(NOW, years) - dt.timedelta(days=days)


def invitations_of(database: Database, intake_id: int) -> list[int]:
    """The ids of an intake's invitations."""
    with database.session() as session:
        return list(session.scalars(select(Invitation.id).where(Invitation.intake_id == intake_id)))


def audit_rows(database: Database, action: str) -> list[AuditEvent]:
    """The audit rows of one action, oldest first."""
    with database.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def worklist_is_true(database: Database) -> None:
    """The trigger-kept worklist columns and status counts equal a recomputation (tests/unit/test_worklist_columns.py)."""
    with database.session() as session:
        assert stored(session) == recomputed(session)
        by_status = dict(session.execute(select(Intake.status, func.count()).group_by(Intake.status)).all())
        counted = {s: n for s, n in session.execute(select(IntakeStatusCount.status, IntakeStatusCount.total)) if n}
        assert counted == by_status


def test_what_is_past_its_period_is_gone_from_every_table_and_the_rest_untouched(database: Database, clinician: int) -> None:
    with database.session() as session:
        old = seed_intake(session, "OLD-1", years_ago(8, days=1), clinician)
        recent = seed_intake(session, "NEW-1", NOW - dt.timedelta(days=30), clinician)
        old_sent = seed_message(session, "sent", NOW - dt.timedelta(days=91))
        old_failed = seed_message(session, "failed", NOW - dt.timedelta(days=91))
        seed_message(session, "queued", NOW - dt.timedelta(days=200))  # never sent: kept whatever its age
        seed_message(session, "sent", NOW - dt.timedelta(days=89))
    old_invitations = invitations_of(database, old)
    with database.session() as session:
        before = snapshot(session, skip=("audit_events", "app_settings", "intake_status_counts"))
        assert sum(rows_naming(session, old, old_invitations).values()) >= 15  # the seed filled every table it knows
        recent_rows = rows_naming(session, recent, invitations_of(database, recent))
        assert len(list(research_intakes(session))) == 2 and fhir.intake_data(session, old) is not None

    _periods, report = retention_run.run(database, SETTINGS, NOW, actor="cli", role="cli")

    assert (report.intakes, report.letters, report.messages) == (1, 1, 2)
    assert report.rows["answers"] == 1 and report.rows["pdf_cache"] == 1 and report.rows["invitation_tokens"] == 1
    with database.session() as session:
        assert set(rows_naming(session, old, old_invitations).values()) == {0}
        after = snapshot(session, skip=("audit_events", "app_settings", "intake_status_counts"))
        gone = {old_sent, old_failed}
        assert set(session.scalars(select(OutboxMessage.id))) & gone == set()
        assert session.get(Intake, recent) is not None
        # Nor in any export: the research export and the FHIR API read only what is stored.
        assert len(list(research_intakes(session))) == 1 and fhir.intake_data(session, old) is None
    # Everything not past its period is exactly as it was: the old intake's rows and the two old messages aside.
    for name, rows in before.items():
        kept = [row for row in rows if row in after[name]]
        assert kept == after[name], name
    with database.session() as session:
        assert rows_naming(session, recent, invitations_of(database, recent)) == recent_rows
    worklist_is_true(database)


def test_the_audit_chain_still_verifies_and_records_each_deletion(database: Database, clinician: int) -> None:
    with database.session() as session:
        old = seed_intake(session, "OLD-2", years_ago(9), clinician)
        recent = seed_intake(session, "NEW-2", years_ago(1), clinician)
    retention_run.run(database, SETTINGS, NOW, actor="cli", role="cli")
    with database.session() as session:
        assert audit.verify_chain(session).ok
        # The intake's earlier rows are kept (their intake_id is sealed in the chain); no row holds a patient's details.
        assert [r.intake_id for r in session.scalars(select(AuditEvent).where(AuditEvent.action == "intake.view"))] == [
            old,
            recent,
        ]
        details = " ".join(session.scalars(select(AuditEvent.detail)))
        assert "Pat Example" not in details and "pat@example.org" not in details and "OLD-2" not in details
    deleted = audit_rows(database, "intake.delete")
    assert [(r.intake_id, r.outcome, r.role) for r in deleted] == [(old, "deleted", "cli")]
    (run,) = audit_rows(database, "retention.run")
    assert (
        run.detail.startswith("deleted intakes 1, letters 1, messages 1 (rows: alerts 1,")
        and "periods: intakes 8 years" in run.detail
    )


def test_an_intake_with_a_letter_stays_until_the_letters_period_is_over_too(database: Database, clinician: int) -> None:
    with database.session() as session:
        clinic_profile.save_clinic_details(session, {"retention_intake_years": "8", "retention_letter_years": "10"})
        with_letter = seed_intake(session, "LET-1", years_ago(9), clinician)
        without = seed_intake(session, "LET-2", years_ago(9), clinician, letter=False)
    _periods, report = retention_run.run(database, SETTINGS, NOW)
    assert (report.intakes, report.letters) == (1, 0)
    with database.session() as session:
        assert session.get(Intake, with_letter) is not None and session.get(Intake, without) is None
    _periods, report = retention_run.run(database, SETTINGS, NOW + dt.timedelta(days=366 * 1 + 1))
    assert (report.intakes, report.letters) == (1, 1)
    worklist_is_true(database)


def test_recent_activity_keeps_an_old_intake(database: Database, clinician: int) -> None:
    with database.session() as session:
        intake_id = seed_intake(session, "ACT-1", years_ago(9), clinician)
        session.get(Intake, intake_id).reviewed_at = years_ago(7)  # type: ignore[union-attr]
    assert retention_run.run(database, SETTINGS, NOW)[1].intakes == 0


def test_a_dry_run_changes_nothing_and_counts_what_the_run_then_deletes(database: Database, clinician: int) -> None:
    with database.session() as session:
        for n in range(3):
            seed_intake(session, f"DRY-{n}", years_ago(10, days=n), clinician, letter=n == 0)
        seed_intake(session, "DRY-NEW", years_ago(2), clinician)
        seed_message(session, "sent", NOW - dt.timedelta(days=120))
        before = snapshot(session)
    _periods, found = retention_run.dry_run(database, SETTINGS, NOW)
    with database.session() as session:
        assert snapshot(session) == before
    assert (found.report.intakes, found.report.letters, found.report.messages) == (3, 1, 2)  # and DRY-NEW's message
    assert found.oldest["intakes"] is not None and found.oldest["intakes"].replace(tzinfo=dt.UTC) <= years_ago(10, days=2)
    _periods, done = retention_run.run(database, SETTINGS, NOW)
    assert (done.intakes, done.letters, done.messages) == (3, 1, 2)
    assert {k: v for k, v in done.rows.items() if v} == {k: v for k, v in found.report.rows.items() if v}


def test_batches_delete_more_rows_than_one_batch_holds(database: Database, clinician: int) -> None:
    with database.session() as session:
        old = [seed_intake(session, f"BAT-{n}", years_ago(9), clinician) for n in range(7)]
        for _ in range(5):
            seed_message(session, "sent", NOW - dt.timedelta(days=100))
    _periods, report = retention_run.run(database, SETTINGS, NOW, batch=3)
    assert (report.intakes, report.messages) == (7, 5)
    assert sorted(r.intake_id for r in audit_rows(database, "intake.delete")) == old
    assert len(audit_rows(database, "retention.run")) == 1
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Intake)) == 0
        assert audit.verify_chain(session).ok
    worklist_is_true(database)


def test_the_worker_job_runs_a_batch_a_round_and_at_most_once_a_day(
    database: Database, clinician: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention_run, "BATCH", 3)
    with database.session() as session:
        for n in range(7):
            seed_intake(session, f"JOB-{n}", years_ago(9), clinician)
    counts = []
    for _round in range(4):
        with database.session() as session:
            counts.append(retention_run.retention_daily(session, NOW, SETTINGS))
    assert counts == [3, 3, 1, 0]
    (run,) = audit_rows(database, "retention.run")
    assert run.actor == "worker" and run.detail.startswith("deleted intakes 7,")
    with database.session() as session:
        assert retention_run.last_run(session) == (NOW, "worker")
        assert retention_run.next_run(session, NOW) == NOW + dt.timedelta(days=1)
        seed_intake(session, "JOB-LATE", years_ago(9), clinician)
    with database.session() as session:
        assert retention_run.retention_daily(session, NOW + dt.timedelta(hours=23), SETTINGS) == 0
    with database.session() as session:
        assert retention_run.retention_daily(session, NOW + dt.timedelta(days=1), SETTINGS) == 1
    assert len(audit_rows(database, "retention.run")) == 2


def _cli(app: Flask, *args: str) -> Any:
    return CliRunner().invoke(cli, ["retention", "run", *args], obj=ScriptInfo(create_app=lambda: app))


def test_the_command_reports_counts_and_its_dry_run_deletes_nothing(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    db: Database = app.extensions["triage_db"]
    with db.session() as session:
        user, _uri = users.create_user(session, "c@example.org", "correct horse battery staple 9", ("clinician",))
        intake_id = seed_intake(session, "CLI-1", years_ago(1), user.id)
    monkeypatch.setattr(retention_cli, "utcnow", lambda: NOW + dt.timedelta(days=366 * 8))  # the command's clock
    dry = _cli(app, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would delete: intakes 1, letters 1, messages 0\n" in dry.output and "nothing was deleted" in dry.output
    assert "periods: intakes 8 years, letters 8 years, messages 90 days" in dry.output
    with db.session() as session:
        assert session.get(Intake, intake_id) is not None
    done = _cli(app, "--batch-size", "2")
    assert done.exit_code == 0, done.output
    assert "deleted: intakes 1, letters 1, messages 0\n" in done.output and "answers: 1 rows" in done.output
    with db.session() as session:
        assert session.get(Intake, intake_id) is None
    assert _cli(app, "--batch-size", "0").exit_code == 2
