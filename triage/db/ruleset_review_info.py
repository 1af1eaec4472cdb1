"""The change-request part of a ruleset version as plain data: rationale, reviewer's comment, discard and restore."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from triage.db.clock import iso_seconds
from triage.db.models import RulesetVersion


@dataclass(frozen=True)
class ReviewInfo:
    """A version's change request as plain data: who asked for review and why, the reviewer's comment, discard, restore."""

    rationale: str
    requested_by: str
    requested_at: str
    approval_comment: str
    approved_at: str
    discarded_by: str
    discarded_at: str
    restored_from: int | None


def review_info(row: RulesetVersion, numbers: Mapping[int, int | None]) -> ReviewInfo:
    """The change-request part of a version row."""
    return ReviewInfo(
        row.review_rationale or "",
        row.review_requested_by or "",
        iso_seconds(row.review_requested_at) or "",
        row.approval_comment or "",
        iso_seconds(row.approved_at) or "",
        row.discarded_by or "",
        iso_seconds(row.discarded_at) or "",
        numbers.get(row.restored_from_id) if row.restored_from_id else None,
    )
