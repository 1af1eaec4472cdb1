"""Named queries for ruleset versions: list, drafts, store, approve, publish, and the data the impact and feedback views read."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Text, cast, event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from triage.db.models import Answer, AppSetting, DifferentialFeedback, Evaluation, Intake, RulesetVersion, utcnow

FOUR_EYES_KEY = "rules_four_eyes"
EVALUATED = ("submitted", "reviewed")


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

    @property
    def tests_green(self) -> bool:
        """Whether every rule test passed on the last run (and there is at least one)."""
        return tests_green(self.tests)

    def as_json(self) -> dict[str, Any]:
        """The listing of `triage rules versions --json`."""
        keys = ("number", "status", "label", "sha256", "summary", "created_by", "created_at", "published_by", "published_at", "approved_by", "based_on")
        data = {k: getattr(self, k) for k in keys}
        data["tests"] = {"total": self.tests.get("total", 0), "passed": self.tests.get("passed", 0)}
        return data


def tests_green(report: Mapping[str, Any]) -> bool:
    """Whether a stored test report is all green."""
    return bool(report.get("total")) and not report.get("failures") and not report.get("errors")


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment).isoformat(timespec="seconds")


def info(row: RulesetVersion, numbers: Mapping[int, int | None] | None = None) -> VersionInfo:
    """Plain data for one version (numbers: version id to number, to name what a draft is based on)."""
    based = (numbers or {}).get(row.based_on_id) if row.based_on_id else None
    return VersionInfo(
        row.id, row.number, row.status, row.label, row.sha256, row.summary, row.created_by, _iso(row.created_at) or "",
        row.updated_by, _iso(row.updated_at) or "", tuple(row.editors or ()), row.approved_by,
        row.approved_by is not None and row.approved_sha256 == row.sha256, row.published_by, _iso(row.published_at),
        based, row.lock_version, dict(row.test_report or {}),
    )


def latest_published(session: Session) -> RulesetVersion | None:
    """The newest published version (the one new submissions use)."""
    return session.scalar(select(RulesetVersion).where(RulesetVersion.status == "published").order_by(RulesetVersion.number.desc()).limit(1))


def latest_published_ref(session: Session) -> tuple[int, str] | None:
    """(id, sha256) of the newest published version, without loading its documents."""
    row = session.execute(select(RulesetVersion.id, RulesetVersion.sha256).where(RulesetVersion.status == "published").order_by(RulesetVersion.number.desc()).limit(1)).first()
    return (row.id, row.sha256) if row else None


def by_number(session: Session, number: int) -> RulesetVersion | None:
    """A published version by its number."""
    return session.scalar(select(RulesetVersion).where(RulesetVersion.number == number))


def published_by_sha(session: Session, shas: Iterable[str]) -> dict[str, RulesetVersion]:
    """The newest published version with each of these content hashes."""
    rows = session.scalars(select(RulesetVersion).where(RulesetVersion.status == "published", RulesetVersion.sha256.in_(list(set(shas)))).order_by(RulesetVersion.number))
    return {row.sha256: row for row in rows}


def open_draft(session: Session) -> RulesetVersion | None:
    """The draft being edited, if there is one (there is at most one at a time)."""
    return session.scalar(select(RulesetVersion).where(RulesetVersion.status == "draft"))


def list_versions(session: Session) -> list[VersionInfo]:
    """Every published version, newest first, then the open draft."""
    rows = list(session.scalars(select(RulesetVersion).where(RulesetVersion.status != "discarded").order_by(RulesetVersion.number.desc().nulls_last(), RulesetVersion.id.desc())))
    numbers = {row.id: row.number for row in rows}
    return [info(row, numbers) for row in rows]


def next_label(label: str, taken: Iterable[str]) -> str:
    """A fresh version text for a draft: the last number in the label counted up ("2026.1" -> "2026.2")."""
    used = set(taken)
    match = re.match(r"^(.*?)(\d+)$", label)
    stem, n = (match.group(1), int(match.group(2))) if match else (f"{label}.", 0)
    candidate = f"{stem}{n + 1}"
    while candidate in used:
        n += 1
        candidate = f"{stem}{n + 1}"
    return candidate[:64]


def published_labels(session: Session) -> dict[str, int]:
    """The version text of every published version, with its number."""
    rows = session.execute(select(RulesetVersion.label, RulesetVersion.number).where(RulesetVersion.status == "published"))
    return {label: int(number or 0) for label, number in rows}


def add_published(session: Session, *, documents: Mapping[str, Any], tests: Mapping[str, Any], sha256: str, label: str, report: Mapping[str, Any], actor: str, summary: str) -> RulesetVersion:
    """Store a validated, tested ruleset as the next published version and pin earlier results with its hash to it."""
    number = (session.scalar(select(func.max(RulesetVersion.number))) or 0) + 1
    now = utcnow()
    row = RulesetVersion(
        number=number, status="published", label=label, sha256=sha256, documents=dict(documents), tests=dict(tests), test_report=dict(report),
        summary=summary, created_by=actor, created_at=now, editors=[actor], updated_by=actor, updated_at=now, published_by=actor, published_at=now,
    )
    session.add(row)
    session.flush()
    link_evaluations(session, row)
    return row


def link_evaluations(session: Session, row: RulesetVersion) -> int:
    """Pin stored results made with this content (before it was stored as a version) to the version."""
    stale = session.scalars(select(Evaluation).where(Evaluation.ruleset_version_id.is_(None), Evaluation.ruleset_sha256 == row.sha256))
    count = 0
    for evaluation in stale:
        evaluation.ruleset_version_id = row.id
        count += 1
    session.flush()
    return count


def create_draft(session: Session, base: RulesetVersion, *, documents: Mapping[str, Any], sha256: str, label: str, report: Mapping[str, Any], actor: str) -> RulesetVersion:
    """Open the one draft, copied from a published version; DraftConflict when another draft is already open."""
    now = utcnow()
    row = RulesetVersion(
        status="draft", draft_slot=1, label=label, sha256=sha256, documents=dict(documents), tests=dict(base.tests or {}), test_report=dict(report),
        summary="", based_on_id=base.id, created_by=actor, created_at=now, editors=[actor], updated_by=actor, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise DraftConflict("another editor opened a draft at the same moment") from None
    return row


def _checked_draft(session: Session, draft_id: int, lock: int) -> RulesetVersion:
    row = session.get(RulesetVersion, draft_id)
    if row is None or row.status != "draft":
        raise DraftConflict("the draft was published or discarded in the meantime")
    if row.lock_version != lock:
        raise DraftConflict(f"{row.updated_by} saved the draft at {_iso(row.updated_at)} after you opened this page")
    return row


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise DraftConflict("another editor saved the draft at the same moment") from None


def save_draft(session: Session, draft_id: int, lock: int, *, documents: Mapping[str, Any], tests: Mapping[str, Any], sha256: str, label: str, report: Mapping[str, Any], actor: str) -> RulesetVersion:
    """Store a new state of the draft if nobody saved it since `lock`; any earlier approval lapses."""
    row = _checked_draft(session, draft_id, lock)
    row.documents, row.tests, row.sha256, row.label, row.test_report = dict(documents), dict(tests), sha256, label, dict(report)
    row.updated_by, row.updated_at = actor, utcnow()
    row.editors = sorted({*(row.editors or []), actor})
    row.approved_by = row.approved_at = row.approved_sha256 = None
    _flush(session)
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
    row = _checked_draft(session, draft_id, lock)
    if actor in (row.editors or []):
        raise RulesetRefused("you changed this draft, so a second rules editor must approve it")
    if not tests_green(row.test_report or {}):
        raise RulesetRefused("every rule test must pass before the draft can be approved")
    row.approved_by, row.approved_at, row.approved_sha256 = actor, utcnow(), row.sha256
    _flush(session)
    return row


def _without_version(documents: Mapping[str, Any]) -> dict[str, Any]:
    header = documents.get("ruleset.yaml")
    return {**documents, "ruleset.yaml": {k: v for k, v in header.items() if k != "version"} if isinstance(header, Mapping) else header}


def publish(session: Session, draft_id: int, lock: int, actor: str, summary: str) -> RulesetVersion:
    """Publish the draft as the next numbered version; from then on it never changes."""
    row = _checked_draft(session, draft_id, lock)
    current = latest_published(session)
    if not tests_green(row.test_report or {}):
        raise RulesetRefused("every rule test must pass before publishing")
    if four_eyes_required(session) and (row.approved_by is None or row.approved_sha256 != row.sha256):
        raise RulesetRefused("a second rules editor must approve this draft before it is published")
    if current is not None and _without_version(current.documents) == _without_version(row.documents):
        raise RulesetRefused(f"the draft's rules are the same as version {current.number}'s; there is nothing to publish")
    taken = published_labels(session)
    if row.label in taken:
        raise RulesetRefused(f"the version text '{row.label}' is already used by version {taken[row.label]}; change it in the ruleset settings")
    row.number = (session.scalar(select(func.max(RulesetVersion.number))) or 0) + 1
    row.status, row.draft_slot, row.summary = "published", None, summary
    row.published_by, row.published_at = actor, utcnow()
    _flush(session)
    return row


def discard(session: Session, draft_id: int, lock: int) -> RulesetVersion:
    """Close the draft without publishing it (its row is kept)."""
    row = _checked_draft(session, draft_id, lock)
    row.status, row.draft_slot = "discarded", None
    _flush(session)
    return row


StoredRow = tuple[int, int, str, str, Any]  # intake id, evaluation id, ruleset sha256, fired rules as JSON text, submitted at


def submitted_date(value: Any) -> dt.date:
    """The UTC date of a submission time as newest_evaluations returns it (text on SQLite, a datetime on PostgreSQL)."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return dt.date.fromisoformat(str(value)[:10]) if value else utcnow().date()


def newest_evaluations(session: Session, last: int | None = None) -> list[StoredRow]:
    """The newest evaluation of every submitted intake (or of the last N submitted), newest intake first, as plain tuples.

    The fired rules come back as JSON text, so that rows a change cannot touch are never parsed. The
    intake's date is its submission time (UTC), as re-evaluation uses it; stored results are not read.
    """
    newest = select(func.max(Evaluation.id).label("id")).group_by(Evaluation.intake_id).subquery()
    sqlite = session.get_bind().dialect.name == "sqlite"
    submitted = cast(Intake.submitted_at, String) if sqlite else Intake.submitted_at
    query = (
        select(Evaluation.intake_id, Evaluation.id, Evaluation.ruleset_sha256, cast(Evaluation.fired_rules, Text), submitted)
        .join(newest, newest.c.id == Evaluation.id)
        .join(Intake, Intake.id == Evaluation.intake_id)
        .where(Intake.status.in_(EVALUATED))
        .order_by(Intake.submitted_at.desc(), Intake.id.desc())
    )
    if last:
        query = query.limit(last)
    return [tuple(row) for row in session.connection().execute(query)]  # type: ignore[misc]


IN_CHUNK = 900  # bound parameters per query: below SQLite's oldest limit (999)


def _chunks(ids: Iterable[int] | None) -> list[list[int] | None]:
    if ids is None:
        return [None]
    ordered = sorted(set(ids))
    return [ordered[i:i + IN_CHUNK] for i in range(0, len(ordered), IN_CHUNK)]


def answers_of(session: Session, intake_ids: Iterable[int] | None, questions: Iterable[str] | None) -> dict[int, dict[str, Any]]:
    """Stored answers by intake, reading only these questions (all when None) of these intakes (all submitted when None)."""
    found: dict[int, dict[str, Any]] = {}
    # Answers repeat (choices, small numbers): each distinct JSON text is decoded once. Values are only read.
    decoded: dict[str, Any] = {}
    for chunk in _chunks(intake_ids):
        query = select(Answer.intake_id, Answer.question_id, cast(Answer.value, Text))
        if questions is not None:
            query = query.where(Answer.question_id.in_(sorted(set(questions))))
        if chunk is not None:
            query = query.where(Answer.intake_id.in_(chunk))
        else:
            query = query.join(Intake, Intake.id == Answer.intake_id).where(Intake.status.in_(EVALUATED))
        for intake_id, question_id, text in session.connection().execute(query):
            value = decoded.get(text, decoded)
            if value is decoded:
                value = decoded[text] = json.loads(text)
            found.setdefault(intake_id, {})[question_id] = value
    return found


def stored_results(session: Session, evaluation_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Stored results by evaluation id."""
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(evaluation_ids):
        found.update({eid: dict(result) for eid, result in session.execute(select(Evaluation.id, Evaluation.result).where(Evaluation.id.in_(chunk or [])))})
    return found


def newest_evaluation(session: Session, intake_id: int) -> Evaluation | None:
    """The newest stored evaluation of a submitted intake."""
    return session.scalar(
        select(Evaluation).join(Intake, Intake.id == Evaluation.intake_id).where(Evaluation.intake_id == intake_id, Intake.status.in_(EVALUATED)).order_by(Evaluation.id.desc()).limit(1)
    )


def feedback_with_fired(session: Session) -> list[tuple[str, bool, str, list[str]]]:
    """Every clinician verdict on a differential with the rules that fired in the evaluation it was given on."""
    query = select(DifferentialFeedback.differential_id, DifferentialFeedback.agrees, DifferentialFeedback.reason, Evaluation.fired_rules).join(
        Evaluation, Evaluation.id == DifferentialFeedback.evaluation_id
    ).order_by(DifferentialFeedback.id.desc())
    return [(d, bool(agrees), reason or "", list(fired or ())) for d, agrees, reason, fired in session.execute(query)]


def _loaded_status(row: RulesetVersion) -> str | None:
    history = inspect(row).attrs.status.history
    if history.deleted:
        return str(history.deleted[0])
    return str(history.unchanged[0]) if history.unchanged else None


@event.listens_for(Session, "before_flush")
def _guard_published_and_pin(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, RulesetVersion) and _loaded_status(obj) == "published" and (obj in session.deleted or session.is_modified(obj)):
            raise PublishedVersionImmutable(f"ruleset version {obj.number} is published and cannot change")
    pending = [obj for obj in session.new if isinstance(obj, Evaluation) and obj.ruleset_version_id is None and obj.ruleset_sha256]
    if pending:
        with session.no_autoflush:
            versions = published_by_sha(session, [e.ruleset_sha256 for e in pending])
        for evaluation in pending:
            version = versions.get(evaluation.ruleset_sha256)
            evaluation.ruleset_version_id = version.id if version is not None else None
