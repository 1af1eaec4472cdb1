"""The change request's rules at the query level, on SQLite and PostgreSQL: approval preconditions, owner-only discard,
restoring a discarded draft (30 days) and an earlier version (as a new draft)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from triage.db import ruleset_restore, ruleset_review, rulesets
from triage.db.rulesets import RulesetRefused
from triage.web.rules.drafts import start_draft

ANA, BEN = "ana@example.org", "ben@example.org"


def draft(app: Flask) -> Any:
    """A database session factory with a draft opened by Ana."""
    db = app.extensions["triage_db"]
    with db.session() as session:
        start_draft(session, ANA)
    return db


def test_approval_needs_a_review_request_a_comment_and_every_part_opened_by_the_reviewer(app: Flask) -> None:
    db = draft(app)
    with db.session() as session:
        row = rulesets.open_draft(session)
        with pytest.raises(RulesetRefused, match="has not sent this draft for review"):
            ruleset_review.approve(session, row.id, row.lock_version, BEN, "Looks right")
    with db.session() as session:
        row = rulesets.open_draft(session)
        with pytest.raises(RulesetRefused, match="at least 10 characters"):
            ruleset_review.request_review(session, row.id, row.lock_version, ANA, "short")
    with db.session() as session:
        row = rulesets.open_draft(session)
        ruleset_review.request_review(session, row.id, row.lock_version, ANA, "Because the evidence changed.")
    with db.session() as session:
        row = rulesets.open_draft(session)
        with pytest.raises(RulesetRefused, match="your review comment"):
            ruleset_review.approve(session, row.id, row.lock_version, BEN, " ")
        lock = row.lock_version
        ruleset_review.record_open(session, row, BEN, "diff")
        ruleset_review.record_open(session, row, BEN, "diff")  # once is enough
        ruleset_review.record_open(session, row, ANA, "impact")  # someone else's opening does not count for Ben
        assert rulesets.open_draft(session).lock_version == lock  # opening never bumps the draft's lock
        assert ruleset_review.missing_parts(session, row, BEN) == ["the impact on past patients", "the rule tests"]
    with db.session() as session:
        row = rulesets.open_draft(session)
        with pytest.raises(RulesetRefused, match="open the impact on past patients, the rule tests before approving"):
            ruleset_review.approve(session, row.id, row.lock_version, BEN, "Looks right")
    with db.session() as session:
        row = rulesets.open_draft(session)
        for part in ("impact", "tests"):
            ruleset_review.record_open(session, row, BEN, part)
        approved = ruleset_review.approve(session, row.id, row.lock_version, BEN, "Looks right")
        assert (approved.approved_by, approved.approval_comment) == (BEN, "Looks right")
        assert ruleset_review.waiting(session, BEN) is None  # approved: nothing waits any more
    with db.session() as session:
        row = rulesets.open_draft(session)
        with pytest.raises(RulesetRefused, match="you changed this draft"):
            for part in ruleset_review.PARTS:
                ruleset_review.record_open(session, row, ANA, part)
            ruleset_review.approve(session, row.id, row.lock_version, ANA, "My own")


def test_only_the_author_or_an_admin_discards_and_a_discarded_draft_restores_within_30_days(app: Flask) -> None:
    db = draft(app)
    with db.session() as session:
        row = rulesets.open_draft(session)
        with pytest.raises(RulesetRefused, match=f"only the draft's author \\({ANA}\\) or an administrator"):
            rulesets.discard(session, row.id, row.lock_version, BEN)
    with db.session() as session:
        row = rulesets.open_draft(session)
        rulesets.discard(session, row.id, row.lock_version, BEN, admin=True)
        discarded_id = row.id
    with db.session() as session:
        [listed] = ruleset_restore.discarded_drafts(session)
        assert (listed.id, listed.review.discarded_by) == (discarded_id, BEN)
        start_draft(session, BEN)
    with db.session() as session:
        with pytest.raises(RulesetRefused, match="another draft is open"):
            ruleset_restore.restore_discarded(session, discarded_id, ANA)
    with db.session() as session:
        row = rulesets.open_draft(session)
        rulesets.discard(session, row.id, row.lock_version, BEN)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=31)
    with db.session() as session:
        with pytest.raises(RulesetRefused, match="30 days only"):
            ruleset_restore.restore_discarded(session, discarded_id, ANA, later)
        restored = ruleset_restore.restore_discarded(session, discarded_id, ANA)
        assert (restored.status, restored.draft_slot, restored.discarded_at, restored.approved_by) == ("draft", 1, None, None)
        assert rulesets.open_draft(session).id == discarded_id


def test_an_earlier_version_restores_as_a_new_draft_based_on_the_newest(app: Flask) -> None:
    db = draft(app)
    with db.session() as session:
        with pytest.raises(RulesetRefused, match="another draft is open"):
            ruleset_restore.restore_version(session, 1, ANA)
        with pytest.raises(RulesetRefused, match="no published version with that number"):
            ruleset_restore.restore_version(session, 7, ANA)
        row = rulesets.open_draft(session)
        rulesets.discard(session, row.id, row.lock_version, ANA)
    with db.session() as session:
        first = rulesets.by_number(session, 1)
        restored = ruleset_restore.restore_version(session, 1, BEN)
        assert (restored.restored_from_id, restored.based_on_id, restored.created_by) == (first.id, first.id, BEN)
        assert restored.tests == first.tests and rulesets.tests_green(restored.test_report)
        assert restored.label != first.label and restored.review_requested_by is None  # it is reviewed again
