"""The draft as a change request: the author's rationale, what reviewers opened, approval with a comment, reviewers' mail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db import outbox, rulesets
from triage.db.clock import utcnow
from triage.db.models import RulesetReviewOpen, RulesetVersion, User
from triage.db.rulesets import RulesetRefused
from triage.db.users import parse_roles

PARTS = {"diff": "what the draft changes", "impact": "the impact on past patients", "tests": "the rule tests"}
MIN_RATIONALE = 10
MAX_TEXT = 2000
MIN_COMMENT = 3
MAIL_KIND = "rules_review"


@dataclass(frozen=True)
class Waiting:
    """A draft that asks for review, as the header and the rules page show it."""

    label: str
    requested_by: str
    rationale: str


def text_problem(text: str, minimum: int, what: str) -> str | None:
    """What is wrong with a rationale or comment, in plain words (None when it will do)."""
    if len(text.strip()) < minimum:
        return f"Write {what} (at least {minimum} characters)."
    if len(text) > MAX_TEXT:
        return f"Keep {what} under {MAX_TEXT} characters."
    return None


def request_review(session: Session, draft_id: int, lock: int, actor: str, rationale: str) -> RulesetVersion:
    """The author asks for review with a rationale (RulesetRefused when it is too short or the tests fail)."""
    row = rulesets.checked_draft(session, draft_id, lock)
    problem = text_problem(rationale, MIN_RATIONALE, "why the rules change")
    if problem:
        raise RulesetRefused(problem)
    if not rulesets.tests_green(row.test_report or {}):
        raise RulesetRefused("every rule test must pass before the draft is sent for review")
    row.review_rationale, row.review_requested_by, row.review_requested_at = rationale.strip(), actor, utcnow()
    rulesets.flush_draft(session)
    return row


def reviewers(session: Session, author_emails: Iterable[str]) -> list[str]:
    """Every active rules editor who did not change the draft: the people who may approve it."""
    skip = set(author_emails)
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [u.email for u in users if "rules_editor" in parse_roles(u.roles) and u.email not in skip]


def notify_reviewers(session: Session, row: RulesetVersion, link: str) -> int:
    """Queue one email per possible reviewer (no health data: the version text, the author and a link)."""
    sent = 0
    for email in reviewers(session, row.editors or []):
        body = (
            f"{row.review_requested_by} asks you to review the rules draft {row.label}.\n\n"
            f"Open the draft, what it changes, its impact on past patients and its rule tests, then approve it "
            f"with a comment or leave a note for the author:\n{link}\n"
        )
        queued = outbox.enqueue(
            session,
            kind=MAIL_KIND,
            recipient=email,
            dedupe_key=f"{MAIL_KIND}:{row.id}:{row.sha256[:16]}:{email}",
            subject=f"Rules draft {row.label} waits for your review",
            body=body,
        )
        sent += queued is not None
    return sent


def record_open(session: Session, row: RulesetVersion, reviewer: str, part: str) -> None:
    """Remember that this reviewer opened this part of the draft in its current state (once)."""
    exists = session.scalar(
        select(RulesetReviewOpen.id).where(
            RulesetReviewOpen.version_id == row.id,
            RulesetReviewOpen.sha256 == row.sha256,
            RulesetReviewOpen.reviewer == reviewer,
            RulesetReviewOpen.part == part,
        )
    )
    if exists is not None:
        return
    try:
        with session.begin_nested():
            session.add(RulesetReviewOpen(version_id=row.id, sha256=row.sha256, reviewer=reviewer, part=part))
    except IntegrityError:
        pass  # the same reviewer opened it twice at the same moment: one row is enough


def opened_parts(session: Session, row: RulesetVersion, reviewer: str) -> set[str]:
    """The parts this reviewer opened of the draft in its current state."""
    found = session.scalars(
        select(RulesetReviewOpen.part).where(
            RulesetReviewOpen.version_id == row.id,
            RulesetReviewOpen.sha256 == row.sha256,
            RulesetReviewOpen.reviewer == reviewer,
        )
    )
    return set(found)


def missing_parts(session: Session, row: RulesetVersion, reviewer: str) -> list[str]:
    """What this reviewer still has to open before approving, in plain words."""
    seen = opened_parts(session, row, reviewer)
    return [words for part, words in PARTS.items() if part not in seen]


def approve(session: Session, draft_id: int, lock: int, actor: str, comment: str) -> RulesetVersion:
    """Approve with a comment, once review was asked for and the reviewer opened the diff, impact and tests of this state."""
    row = rulesets.checked_draft(session, draft_id, lock)
    if not row.review_requested_by:
        raise RulesetRefused("the author has not sent this draft for review yet")
    problem = text_problem(comment, MIN_COMMENT, "your review comment")
    if problem:
        raise RulesetRefused(problem.rstrip("."))
    missing = missing_parts(session, row, actor)
    if missing:
        raise RulesetRefused(f"open {', '.join(missing)} before approving (the server checks this)")
    row.approval_comment = comment.strip()  # written with the approval in one flush (a refusal rolls both back)
    return rulesets.approve(session, draft_id, lock, actor)


def waiting(session: Session, email: str) -> Waiting | None:
    """The draft waiting for this person's review (sent for review, not changed by them, not yet approved)."""
    # Only the few columns the header needs: it asks on every staff page, and the documents are large.
    v = RulesetVersion
    row = session.execute(
        select(v.label, v.review_requested_by, v.review_rationale, v.editors, v.approved_by, v.approved_sha256, v.sha256).where(
            v.status == "draft"
        )
    ).first()
    if row is None or not row.review_requested_by or email in (row.editors or []):
        return None
    if row.approved_by is not None and row.approved_sha256 == row.sha256:
        return None
    return Waiting(row.label, row.review_requested_by, row.review_rationale or "")
