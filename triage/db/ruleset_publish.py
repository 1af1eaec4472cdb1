"""Publishing the draft: the rules' refusals, then the accuracy gate (no lost red flag unless an admin overrides, audited)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.db import published_ref, rulesets
from triage.db.clock import utcnow
from triage.db.evaluations import version_ruleset
from triage.db.models import RulesetVersion
from triage.db.ruleset_accuracy import Library, measured, read_library, stored_form, stored_library_sha256, stored_report
from triage.db.rulesets import RulesetRefused
from triage.domain.engine.accuracy import AccuracyReport, compare_red_flags
from triage.domain.engine.case_library import DEFAULT_CASES
from triage.domain.errors import RulesetError

MIN_REASON = 10
MAX_REASON = 1000
SENSITIVITY = "red_flag_sensitivity"


@dataclass(frozen=True)
class PublishCheck:
    """The draft's figures beside the published version's on the current case library, and why publishing is held."""

    draft: AccuracyReport | None
    published: AccuracyReport | None
    published_number: int | None
    library: Library | None
    problems: tuple[str, ...]
    lost_cases: tuple[str, ...]

    @property
    def library_cases(self) -> int:
        """How many library cases the figures rest on (0 when the library cannot be read)."""
        return len(self.library.cases) if self.library else 0

    @property
    def held(self) -> bool:
        """Whether only an administrator's written override lets this draft be published."""
        return bool(self.problems)


class AccuracyRefused(RulesetRefused):
    """The draft does worse on the case library's red flags and nobody allowed to override gave a reason."""

    def __init__(self, message: str, check: PublishCheck) -> None:
        super().__init__(message)
        self.check = check


def _published_report(row: RulesetVersion, library: Library) -> AccuracyReport:
    # The stored figures serve only when they were measured on this very library; otherwise measure again.
    stored = stored_report(row.accuracy)
    if stored is not None and stored_library_sha256(row.accuracy) == library.sha256:
        return stored
    return measured(version_ruleset(row), library)


def _sensitivity(report: AccuracyReport) -> float | None:
    found = report.measure(SENSITIVITY)
    return found.percent if found else None


def _problems(draft: AccuracyReport, published: AccuracyReport, number: int | None) -> tuple[list[str], list[str]]:
    problems = []
    before, after = _sensitivity(published), _sensitivity(draft)
    if before is not None and after is not None and after < before:
        problems.append(f"red-flag sensitivity falls from {before:g} % (version {number}) to {after:g} % (the draft)")
    lost = compare_red_flags(published, draft)
    if lost:
        problems.append(
            f"the draft misses red flags that version {number} raised in {len(lost)} library "
            f"{'case' if len(lost) == 1 else 'cases'}: {', '.join(lost)}"
        )
    return problems, lost


def check_draft(session: Session, draft: RulesetVersion, directory: Path = DEFAULT_CASES) -> PublishCheck:
    """Measure the draft and the newest published version on the case library and say what holds the draft back."""
    try:
        library = read_library(directory)
    except RulesetError as error:
        problem = f"the case library cannot be read, so the draft's accuracy is unknown: {error}"
        return PublishCheck(None, None, None, None, (problem,), ())
    current = rulesets.latest_published(session)
    draft_report = measured(version_ruleset(draft), library)
    if current is None:
        return PublishCheck(draft_report, None, None, library, (), ())
    published = _published_report(current, library)
    problems, lost = _problems(draft_report, published, current.number)
    return PublishCheck(draft_report, published, current.number, library, tuple(problems), tuple(lost))


def override_problem(reason: str) -> str | None:
    """What is wrong with an override's written reason, in plain words (None when it will do)."""
    if len(reason) < MIN_REASON:
        return f"Write the reason for publishing anyway (at least {MIN_REASON} characters); it goes into the audit log."
    if len(reason) > MAX_REASON:
        return f"Keep the reason under {MAX_REASON} characters."
    return None


def publish(
    session: Session,
    draft_id: int,
    lock: int,
    actor: str,
    summary: str,
    *,
    override: str | None = None,
    directory: Path = DEFAULT_CASES,
) -> tuple[RulesetVersion, PublishCheck]:
    """Publish the draft as the next version with its figures; AccuracyRefused when held and no override reason is given.

    The caller decides who may override (administrators); this only requires that a held draft carries a reason.
    """
    row = rulesets.checked_draft(session, draft_id, lock)
    refuse_unpublishable(session, row)
    check = check_draft(session, row, directory)
    if check.held and not (override or "").strip():
        raise AccuracyRefused("; ".join(check.problems), check)
    accuracy = stored_form(check.draft, check.library) if check.draft and check.library else None
    write_publication(session, row, actor, summary, accuracy)
    return row, check


def write_publication(
    session: Session, row: RulesetVersion, actor: str, summary: str, accuracy: Mapping[str, Any] | None
) -> None:
    """Number the draft, mark it published and store its figures in one write; from then on it never changes."""
    # One UPDATE with the status: afterwards the database's triggers freeze the row, figures included.
    row.accuracy = dict(accuracy) if accuracy is not None else None
    row.number = (session.scalar(select(func.max(RulesetVersion.number))) or 0) + 1
    row.status, row.draft_slot, row.summary = "published", None, summary
    row.published_by, row.published_at = actor, utcnow()
    rulesets.flush_draft(session)
    published_ref.forget_after_commit(session)  # this process's step saves see the new version at once


def _without_version(documents: Mapping[str, Any]) -> dict[str, Any]:
    header = documents.get("ruleset.yaml")
    return {
        **documents,
        "ruleset.yaml": {k: v for k, v in header.items() if k != "version"} if isinstance(header, Mapping) else header,
    }


def refuse_unpublishable(session: Session, row: RulesetVersion) -> None:
    """RulesetRefused, in plain words, when the rules do not allow this draft to be published now."""
    current = rulesets.latest_published(session)
    if not rulesets.tests_green(row.test_report or {}):
        raise RulesetRefused("every rule test must pass before publishing")
    if rulesets.four_eyes_required(session) and (row.approved_by is None or row.approved_sha256 != row.sha256):
        raise RulesetRefused("a second rules editor must approve this draft before it is published")
    if current is not None and _without_version(current.documents) == _without_version(row.documents):
        raise RulesetRefused(f"the draft's rules are the same as version {current.number}'s; there is nothing to publish")
    taken = rulesets.published_labels(session)
    if row.label in taken:
        raise RulesetRefused(
            f"the version text '{row.label}' is already used by version {taken[row.label]}; change it in the ruleset settings"
        )
