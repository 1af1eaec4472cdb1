"""A step save writes only what changed in at most three statements, and the red-flag pass reads the published version
at most once every few seconds per process, at once after a publication in it. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from triage.db import intakes as queries
from triage.db import published_ref, rulesets
from triage.db.evaluations import ensure_stored_ruleset
from triage.db.models import Answer, Intake
from triage.db.session import Database


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The test's database, with no published-version reference kept from an earlier test."""
    published_ref.forget()
    found = Database(db_url)
    yield found
    found.dispose()
    published_ref.forget()


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def new_intake(db: Database, version: str = "2026.11-1") -> int:
    """An invited intake with two answers stored by the first questionnaire version."""
    with db.session() as session:
        _token, intake = queries.create_invitation(session, ref="W-1", questionnaire_version=version, expires_days=1)
        queries.save_step(session, intake, {"full_name": "Pat Example", "height_cm": 165, "weight_kg": 70.5}, {})
        return intake.id


def rows(db: Database, intake_id: int) -> dict[str, tuple[object, str, dt.datetime]]:
    """Each stored answer's value, questionnaire version and time of its last write."""
    with db.session() as session:
        found = session.execute(
            select(Answer.question_id, Answer.value, Answer.questionnaire_version, Answer.updated_at).where(
                Answer.intake_id == intake_id
            )
        )
        return {qid: (value, version, updated) for qid, value, version, updated in found}


def test_a_save_inserts_new_answers_updates_changed_ones_removes_cleared_ones_in_three_statements(db: Database) -> None:
    intake_id = new_intake(db)
    before = rows(db, intake_id)
    with db.session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        intake.questionnaire_version = "2026.12-1"  # a later version asks the new question (as after an upgrade)
        session.flush()
        with counted(db) as sent:
            queries.save_step(session, intake, {"height_cm": 170, "weight_kg": None, "main_concern": ["pain"]}, {"x": ["1"]})
        assert sent == ["UPDATE", "DELETE", "INSERT"]  # the intake row claimed, then one delete and one upsert
        assert intake.pending_inputs == {"x": ["1"]} and intake.status == "in_progress"
    after = rows(db, intake_id)
    assert set(after) == {"full_name", "height_cm", "main_concern"}
    assert after["full_name"] == before["full_name"]  # not passed, not written (its time unchanged too)
    assert after["height_cm"][:2] == (170, "2026.11-1")  # the new value, under the version that first asked it
    assert after["main_concern"][:2] == (["pain"], "2026.12-1")


def test_a_save_with_no_answers_writes_only_the_intake_row(db: Database) -> None:
    intake_id = new_intake(db)
    with db.session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        with counted(db) as sent:
            queries.save_step(session, intake, {}, {"flags": ["rf1"]})
    assert sent == ["UPDATE"]


def test_a_submitted_intake_refuses_a_save_and_keeps_its_answers(db: Database) -> None:
    intake_id = new_intake(db)
    with db.session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        intake.status = "submitted"
    with db.session() as session:
        intake = session.get(Intake, intake_id)
        assert intake is not None
        with pytest.raises(queries.IntakeLocked):
            queries.save_step(session, intake, {"height_cm": 150}, {})
    assert rows(db, intake_id)["height_cm"][0] == 165


def test_the_published_reference_is_read_once_per_refresh_and_at_once_after_a_publication(db: Database) -> None:
    with db.session() as session, counted(db) as sent:
        first = published_ref.published_ref(session, now=100.0)
        assert first is None  # a new database: no version stored yet
        assert published_ref.published_ref(session, now=100.0 + published_ref.REFRESH_SECONDS / 2) is None
        assert len(sent) == 1  # the second read was kept
        published_ref.published_ref(session, now=100.0 + published_ref.REFRESH_SECONDS + 0.1)
        assert len(sent) == 2  # read again after the refresh time
    ensure_stored_ruleset(db)  # a publication in this process (version 1 when none is stored yet) forgets the kept one
    with db.session() as session:
        found = published_ref.published_ref(session, now=100.0 + published_ref.REFRESH_SECONDS + 0.2)
        assert found is not None and found == rulesets.latest_published_ref(session)
