"""Published ruleset versions never change (ORM guard and DB trigger); drafts are optimistically locked; results stay pinned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from triage.db import intakes as queries
from triage.db import rulesets
from triage.db.demo import demo_patients
from triage.db.evaluations import current_ruleset, ensure_initial_version, evaluate_for_storage, version_ruleset
from triage.db.models import Evaluation, RulesetVersion
from triage.db.rulesets import DraftConflict, PublishedVersionImmutable
from triage.db.session import Database
from triage.domain.engine.evaluate import evaluate
from triage.domain.questionnaire.answers import validate_answers
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.rules.drafts import start_draft, store


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The test database with the default ruleset stored as version 1 and a draft open."""
    database = Database(db_url)
    with database.session() as session:
        ensure_initial_version(session)
        start_draft(session, "editor@example.org")
    yield database
    database.dispose()


def published_id(db: Database) -> int:
    """The id of version 1."""
    with db.session() as session:
        row = rulesets.by_number(session, 1)
        assert row is not None
        return row.id


def test_the_orm_refuses_to_change_or_delete_a_published_version(db: Database) -> None:
    with pytest.raises(PublishedVersionImmutable), db.session() as session:
        row = session.get(RulesetVersion, published_id(db))
        assert row is not None
        row.documents = {"ruleset.yaml": {}}
        session.flush()
    with pytest.raises(PublishedVersionImmutable), db.session() as session:
        row = session.get(RulesetVersion, published_id(db))
        session.delete(row)
        session.flush()
    with db.session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        with pytest.raises(DraftConflict):  # save_draft never touches anything but the open draft
            rulesets.save_draft(
                session, published_id(db), 1, documents={}, tests={}, sha256="0" * 64, label="x", report={}, actor="x"
            )


@pytest.mark.parametrize(
    "statement", ["UPDATE ruleset_versions SET summary = 'changed' WHERE id = :id", "DELETE FROM ruleset_versions WHERE id = :id"]
)
def test_the_database_refuses_raw_changes_to_a_published_version(db: Database, statement: str) -> None:
    version_id = published_id(db)
    with pytest.raises(DatabaseError, match="cannot change"), db.engine.begin() as conn:
        conn.execute(text(statement), {"id": version_id})
    with db.session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None
        draft_id = draft.id
    with db.engine.begin() as conn:  # a draft is not frozen
        conn.execute(text("UPDATE ruleset_versions SET summary = 'work in progress' WHERE id = :id"), {"id": draft_id})
    with db.session() as session:
        row = session.get(RulesetVersion, version_id)
        assert row is not None and row.summary != "changed" and row.status == "published"


def test_two_sessions_saving_the_same_draft_the_second_is_refused(db: Database) -> None:
    first, second = db.sessions(), db.sessions()
    try:
        draft_a, draft_b = rulesets.open_draft(first), rulesets.open_draft(second)
        assert draft_a is not None and draft_b is not None and draft_a.lock_version == draft_b.lock_version == 1
        documents = draft_a.documents
        store(
            first,
            draft_a.id,
            1,
            documents | {"ruleset.yaml": documents["ruleset.yaml"] | {"note": "first editor"}},
            draft_a.tests,
            "a@example.org",
        )
        first.commit()
        # The second editor loaded the draft before the first save: the version counter catches it at the UPDATE.
        with pytest.raises(DraftConflict):
            store(
                second,
                draft_b.id,
                1,
                documents | {"ruleset.yaml": documents["ruleset.yaml"] | {"note": "second editor"}},
                draft_b.tests,
                "b@example.org",
            )
        second.rollback()
    finally:
        first.close()
        second.close()
    with db.session() as session:
        draft = rulesets.open_draft(session)
        assert draft is not None and draft.documents["ruleset.yaml"]["note"] == "first editor" and draft.lock_version == 2
        with pytest.raises(DraftConflict):  # a stale lock from a page is refused before anything is written
            store(session, draft.id, 1, draft.documents, draft.tests, "b@example.org")


def test_a_stored_result_is_reproduced_by_its_pinned_version(db: Database) -> None:
    questionnaire = default_questionnaire()
    on = dt.date(2026, 11, 20)
    with db.session() as session:
        for patient in demo_patients():
            _token, intake = queries.create_invitation(
                session, ref=patient["ref"], questionnaire_version=questionnaire.version, expires_days=5
            )
            queries.save_step(session, intake, validate_answers(questionnaire, patient["answers"], on), {})
            queries.submit_intake(session, intake, lambda a: evaluate_for_storage(a, on, current_ruleset(session)))
    with db.session() as session:
        for evaluation in session.scalars(select(Evaluation)):
            version = session.get(RulesetVersion, evaluation.ruleset_version_id)
            assert version is not None and version.status == "published" and version.sha256 == evaluation.ruleset_sha256
            again = evaluate(version_ruleset(version), queries.load_answers(session, evaluation.intake_id), on=on)
            assert again.to_dict() == evaluation.result
