"""Recording that the signed-in editor opened a part of the draft (diff, impact, tests): the approval checks it."""

from __future__ import annotations

from flask import g
from sqlalchemy.orm import Session

from triage.db import ruleset_review, rulesets
from triage.web.access import current_staff, database, signed_in_staff


def note_opened(session: Session, part: str) -> None:
    """Remember that this editor saw this part of the draft in its current state (a row of its own: the lock stays)."""
    row = rulesets.open_draft(session)
    if row is not None:
        ruleset_review.record_open(session, row, signed_in_staff().email, part)


def review_waiting() -> ruleset_review.Waiting | None:
    """For the staff header: the draft waiting for the signed-in rules editor's review (read once per request)."""
    staff = current_staff()
    if staff is None or "rules_editor" not in staff.roles:
        return None
    if "rules_review_waiting" not in g:
        with database().session() as session:
            g.rules_review_waiting = ruleset_review.waiting(session, staff.email)
    found: ruleset_review.Waiting | None = g.rules_review_waiting
    return found
