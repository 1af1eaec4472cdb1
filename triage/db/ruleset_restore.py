"""Undoing on the rules: a discarded draft comes back within 30 days; any earlier version comes back as a new draft."""

from __future__ import annotations

import copy
import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db import ruleset_store, rulesets
from triage.db.clock import as_utc, utcnow
from triage.db.evaluations import ensure_initial_version, run_stored_tests
from triage.db.models import RulesetVersion
from triage.db.rulesets import DraftConflict, RulesetRefused, VersionInfo
from triage.domain.engine.evaluate import load_ruleset_from_documents

RESTORE_DAYS = 30
HEADER_FILE = "ruleset.yaml"


def _cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=RESTORE_DAYS)


def discarded_drafts(session: Session, now: dt.datetime | None = None) -> list[VersionInfo]:
    """The drafts discarded in the last 30 days, newest first: they can still be restored."""
    cutoff = _cutoff(now or utcnow())
    rows = session.scalars(
        select(RulesetVersion)
        .where(RulesetVersion.status == "discarded", RulesetVersion.discarded_at.is_not(None))
        .order_by(RulesetVersion.id.desc())
    )
    return [rulesets.info(row) for row in rows if row.discarded_at and as_utc(row.discarded_at) >= cutoff]


def restore_discarded(session: Session, version_id: int, actor: str, now: dt.datetime | None = None) -> RulesetVersion:
    """Open a discarded draft again as it was (approval and review request lapse); RulesetRefused when too old or taken."""
    row = session.get(RulesetVersion, version_id)
    if row is None or row.status != "discarded" or row.discarded_at is None:
        raise RulesetRefused("there is no discarded draft with that number")
    if as_utc(row.discarded_at) < _cutoff(now or utcnow()):
        raise RulesetRefused(f"a discarded draft can be restored for {RESTORE_DAYS} days only")
    if rulesets.open_draft(session) is not None:
        raise RulesetRefused("another draft is open; publish or discard it first")
    row.status, row.draft_slot, row.discarded_by, row.discarded_at = "draft", 1, None, None
    row.approved_by = row.approved_at = row.approved_sha256 = row.approval_comment = None
    row.review_requested_by = row.review_requested_at = None  # it goes through review again
    row.updated_by, row.updated_at = actor, utcnow()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise DraftConflict("another editor opened a draft at the same moment") from None
    return row


def restore_version(session: Session, number: int, actor: str) -> RulesetVersion:
    """A new draft holding an earlier published version's rules and tests, based on the newest version (a rollback)."""
    old = rulesets.by_number(session, number)
    if old is None or old.status != "published":
        raise RulesetRefused("there is no published version with that number")
    if rulesets.open_draft(session) is not None:
        raise RulesetRefused("another draft is open; publish or discard it first")
    base = ensure_initial_version(session)
    documents = copy.deepcopy(old.documents)
    label = ruleset_store.next_label(base.label, rulesets.published_labels(session))
    if isinstance(documents.get(HEADER_FILE), dict):
        documents[HEADER_FILE]["version"] = label
    ruleset = load_ruleset_from_documents(documents)
    tests = copy.deepcopy(old.tests or {})
    report = run_stored_tests(ruleset, tests)
    return rulesets.create_draft(
        session,
        base,
        documents=documents,
        sha256=ruleset.sha256,
        label=ruleset.version,
        report=report,
        actor=actor,
        tests=tests,
        restored_from=old.id,
    )
