"""Stored clinical sign-offs of rules: every sign-off as plain data, and recording one for a rule's current hash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, utcnow
from triage.db.models import Evaluation, RulesetVersion, RuleSignoff
from triage.domain.governance.signoff import Signoff, ruleset_statuses


class SignoffRefused(Exception):
    """A sign-off that cannot be recorded (already signed off in this state); the message says why in plain words."""


def _plain(row: RuleSignoff) -> Signoff:
    return Signoff(
        rule_id=row.rule_id,
        sha256=row.sha256,
        content=dict(row.content or {}),
        signed_by=row.signed_by,
        signed_at=row.signed_at,
        comment=row.comment,
        ruleset_label=row.ruleset_label,
    )


def all_signoffs(session: Session) -> list[Signoff]:
    """Every sign-off, newest first (a few per rule at most: one per state a clinician signed)."""
    rows = session.scalars(select(RuleSignoff).order_by(RuleSignoff.signed_at.desc(), RuleSignoff.id.desc()))
    return [_plain(r) for r in rows]


def signoffs_of(session: Session, rule_id: str) -> list[Signoff]:
    """One rule's sign-offs, newest first."""
    query = (
        select(RuleSignoff).where(RuleSignoff.rule_id == rule_id).order_by(RuleSignoff.signed_at.desc(), RuleSignoff.id.desc())
    )
    return [_plain(r) for r in session.scalars(query)]


def sign_off(
    session: Session,
    rule_id: str,
    content: Mapping[str, Any],
    sha256: str,
    *,
    title: str,
    ruleset_label: str,
    signed_by: str,
    comment: str,
) -> Signoff:
    """Record a clinician's sign-off of a rule in this state; refused when this state is already signed off."""
    taken = session.scalar(select(RuleSignoff).where(RuleSignoff.rule_id == rule_id, RuleSignoff.sha256 == sha256))
    if taken is not None:
        raise SignoffRefused(f"{taken.signed_by} already signed off this rule as it stands")
    row = RuleSignoff(
        rule_id=rule_id,
        sha256=sha256,
        content=dict(content),
        title=title[:300],
        ruleset_label=ruleset_label[:64],
        signed_by=signed_by,
        signed_at=utcnow(),
        comment=comment,
    )
    session.add(row)
    try:
        session.flush()  # a sign-off racing this one for the same state fails here on the unique constraint
    except IntegrityError:
        session.rollback()
        raise SignoffRefused("another clinician signed off this rule as it stands at the same moment") from None
    return _plain(row)


def reviewed_when_evaluated(session: Session, evaluation_id: int) -> tuple[int, int] | None:
    """How many of the evaluating ruleset's rules were clinically signed off, as they stood, when it evaluated.

    Read at the evaluation's time, so a letter already signed reads the same however many rules are signed off later;
    None when the ruleset that evaluated is not stored (an evaluation from before versions were kept).
    """
    found = session.execute(
        select(Evaluation.created_at, Evaluation.ruleset_sha256).where(Evaluation.id == evaluation_id)
    ).first()
    if found is None:
        return None
    evaluated_at, sha256 = as_utc(found[0]), found[1]
    documents = session.scalar(
        select(RulesetVersion.documents).where(RulesetVersion.sha256 == sha256).order_by(RulesetVersion.id).limit(1)
    )
    if documents is None:
        return None
    earlier = [s for s in all_signoffs(session) if as_utc(s.signed_at) <= evaluated_at]
    states = [state for _content, state in ruleset_statuses(documents, earlier).values()]
    return sum(1 for s in states if s.state == "signed"), len(states)
