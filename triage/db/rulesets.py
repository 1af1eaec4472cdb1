"""Named queries for ruleset versions: list, find, and the draft's life (open, save, approve, discard; see ruleset_publish)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from triage.db.clock import iso_seconds, utcnow
from triage.db.models import AppSetting, RulesetVersion
from triage.db.ruleset_accuracy import figures_json
from triage.db.ruleset_review_info import ReviewInfo, review_info

FOUR_EYES_KEY = "rules_four_eyes"


class PublishedVersionImmutable(RuntimeError):
    """Code tried to change or delete a published ruleset version."""


class DraftConflict(RuntimeError):
    """Someone else saved the draft since this editor loaded it (optimistic locking); nothing was written."""


class RulesetRefused(RuntimeError):
    """An approval or publication that the rules do not allow; the message says why in plain words."""


@dataclass(frozen=True)
class VersionInfo:
    """A ruleset version as plain data for pages and the command line."""

    id: int
    number: int | None
    status: str
    label: str
    sha256: str
    summary: str
    created_by: str
    created_at: str
    updated_by: str
    updated_at: str
    editors: tuple[str, ...]
    approved_by: str | None
    approval_valid: bool
    published_by: str | None
    published_at: str | None
    based_on: int | None
    lock: int
    tests: Mapping[str, Any]
    accuracy: Mapping[str, Any] | None = None  # the case library's figures, stored at publication
    review: ReviewInfo | None = None  # the change request: rationale, reviewer's comment, discard and restore

    @property
    def tests_green(self) -> bool:
        """Whether every rule test passed on the last run (and there is at least one)."""
        return tests_green(self.tests)

    def as_json(self) -> dict[str, Any]:
        """The listing of `triage rules versions --json`."""
        keys: tuple[str, ...] = ("number", "status", "label", "sha256", "summary", "created_by", "created_at", "published_by")
        keys += ("published_at", "approved_by", "based_on")
        data = {k: getattr(self, k) for k in keys}
        data["tests"] = {"total": self.tests.get("total", 0), "passed": self.tests.get("passed", 0)}
        data["accuracy"] = figures_json(self.accuracy)
        return data


def tests_green(report: Mapping[str, Any]) -> bool:
    """Whether a stored test report is all green."""
    return bool(report.get("total")) and not report.get("failures") and not report.get("errors")


def info(row: RulesetVersion, numbers: Mapping[int, int | None] | None = None) -> VersionInfo:
    """Plain data for one version (numbers: version id to number, to name what a draft is based on)."""
    based = (numbers or {}).get(row.based_on_id) if row.based_on_id else None
    return VersionInfo(
        row.id,
        row.number,
        row.status,
        row.label,
        row.sha256,
        row.summary,
        row.created_by,
        iso_seconds(row.created_at) or "",
        row.updated_by,
        iso_seconds(row.updated_at) or "",
        tuple(row.editors or ()),
        row.approved_by,
        row.approved_by is not None and row.approved_sha256 == row.sha256,
        row.published_by,
        iso_seconds(row.published_at),
        based,
        row.lock_version,
        dict(row.test_report or {}),
        dict(row.accuracy) if row.accuracy else None,
        review_info(row, numbers or {}),
    )


def latest_published(session: Session) -> RulesetVersion | None:
    """The newest published version (the one new submissions use)."""
    return session.scalar(
        select(RulesetVersion).where(RulesetVersion.status == "published").order_by(RulesetVersion.number.desc()).limit(1)
    )


def latest_published_ref(session: Session) -> tuple[int, str] | None:
    """(id, sha256) of the newest published version, without loading its documents."""
    row = session.execute(
        select(RulesetVersion.id, RulesetVersion.sha256)
        .where(RulesetVersion.status == "published")
        .order_by(RulesetVersion.number.desc())
        .limit(1)
    ).first()
    return (row.id, row.sha256) if row else None


def by_number(session: Session, number: int) -> RulesetVersion | None:
    """A published version by its number."""
    return session.scalar(select(RulesetVersion).where(RulesetVersion.number == number))


def published_by_sha(session: Session, shas: Iterable[str]) -> dict[str, RulesetVersion]:
    """The newest published version with each of these content hashes."""
    rows = session.scalars(
        select(RulesetVersion)
        .where(RulesetVersion.status == "published", RulesetVersion.sha256.in_(list(set(shas))))
        .order_by(RulesetVersion.number)
    )
    return {row.sha256: row for row in rows}


def open_draft(session: Session) -> RulesetVersion | None:
    """The draft being edited, if there is one (there is at most one at a time)."""
    return session.scalar(select(RulesetVersion).where(RulesetVersion.status == "draft"))


def list_versions(session: Session) -> list[VersionInfo]:
    """Every published version, newest first, then the open draft."""
    rows = list(
        session.scalars(
            select(RulesetVersion)
            .where(RulesetVersion.status != "discarded")
            .order_by(RulesetVersion.number.desc().nulls_last(), RulesetVersion.id.desc())
        )
    )
    numbers = {row.id: row.number for row in rows}
    return [info(row, numbers) for row in rows]


def published_labels(session: Session) -> dict[str, int]:
    """The version text of every published version, with its number."""
    rows = session.execute(select(RulesetVersion.label, RulesetVersion.number).where(RulesetVersion.status == "published"))
    return {label: int(number or 0) for label, number in rows}


def create_draft(
    session: Session,
    base: RulesetVersion,
    *,
    documents: Mapping[str, Any],
    sha256: str,
    label: str,
    report: Mapping[str, Any],
    actor: str,
    tests: Mapping[str, Any] | None = None,
    restored_from: int | None = None,
) -> RulesetVersion:
    """Open the one draft, copied from a published version; DraftConflict when another draft is already open.

    A rollback passes the earlier version's tests and id (`restored_from`); the draft is still based on `base`.
    """
    now = utcnow()
    row = RulesetVersion(
        status="draft",
        draft_slot=1,
        label=label,
        sha256=sha256,
        documents=dict(documents),
        tests=dict(base.tests or {} if tests is None else tests),
        restored_from_id=restored_from,
        test_report=dict(report),
        summary="",
        based_on_id=base.id,
        created_by=actor,
        created_at=now,
        editors=[actor],
        updated_by=actor,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise DraftConflict("another editor opened a draft at the same moment") from None
    return row


def checked_draft(session: Session, draft_id: int, lock: int) -> RulesetVersion:
    """The open draft with this id, if nobody saved it since `lock`; DraftConflict otherwise."""
    row = session.get(RulesetVersion, draft_id)
    if row is None or row.status != "draft":
        raise DraftConflict("the draft was published or discarded in the meantime")
    if row.lock_version != lock:
        raise DraftConflict(f"{row.updated_by} saved the draft at {iso_seconds(row.updated_at)} after you opened this page")
    return row


def flush_draft(session: Session) -> None:
    """Write the draft's change; DraftConflict when another editor saved it at the same moment."""
    try:
        session.flush()
    except StaleDataError:
        raise DraftConflict("another editor saved the draft at the same moment") from None


def save_draft(
    session: Session,
    draft_id: int,
    lock: int,
    *,
    documents: Mapping[str, Any],
    tests: Mapping[str, Any],
    sha256: str,
    label: str,
    report: Mapping[str, Any],
    actor: str,
) -> RulesetVersion:
    """Store a new state of the draft if nobody saved it since `lock`; any earlier approval lapses."""
    row = checked_draft(session, draft_id, lock)
    row.documents, row.tests, row.sha256, row.label, row.test_report = dict(documents), dict(tests), sha256, label, dict(report)
    row.updated_by, row.updated_at = actor, utcnow()
    row.editors = sorted({*(row.editors or []), actor})
    row.approved_by = row.approved_at = row.approved_sha256 = row.approval_comment = None
    flush_draft(session)
    return row


def four_eyes_required(session: Session) -> bool:
    """Whether publishing needs a second rules editor's approval (default yes; an admin may switch it off)."""
    return session.scalar(select(AppSetting.value).where(AppSetting.key == FOUR_EYES_KEY)) != "0"


def set_four_eyes(session: Session, required: bool) -> None:
    """Record the four-eyes switch."""
    row = session.get(AppSetting, FOUR_EYES_KEY)
    value = "1" if required else "0"
    if row is None:
        session.add(AppSetting(key=FOUR_EYES_KEY, value=value, changed_at=utcnow()))
    else:
        row.value, row.changed_at = value, utcnow()
    session.flush()


def approve(session: Session, draft_id: int, lock: int, actor: str) -> RulesetVersion:
    """A second rules editor approves exactly this state of the draft."""
    row = checked_draft(session, draft_id, lock)
    if actor in (row.editors or []):
        raise RulesetRefused("you changed this draft, so a second rules editor must approve it")
    if not tests_green(row.test_report or {}):
        raise RulesetRefused("every rule test must pass before the draft can be approved")
    row.approved_by, row.approved_at, row.approved_sha256 = actor, utcnow(), row.sha256
    flush_draft(session)
    return row


def discard(session: Session, draft_id: int, lock: int, actor: str, *, admin: bool = False) -> RulesetVersion:
    """Close the draft without publishing it (its row is kept, restorable for a while); only its author or an admin may."""
    row = checked_draft(session, draft_id, lock)
    if actor != row.created_by and not admin:
        raise RulesetRefused(f"only the draft's author ({row.created_by}) or an administrator can discard it")
    row.status, row.draft_slot = "discarded", None
    row.discarded_by, row.discarded_at = actor, utcnow()
    flush_draft(session)
    return row
