"""Storing published ruleset versions: the next version text, the published row with its figures and pinned results, the guard."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from triage.db import published_ref
from triage.db.clock import utcnow
from triage.db.models import Evaluation, RulesetVersion
from triage.db.ruleset_accuracy import accuracy_at_publication
from triage.db.rulesets import PublishedVersionImmutable, published_by_sha
from triage.domain.engine.evaluate import load_ruleset_from_documents


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


def add_published(
    session: Session,
    *,
    documents: Mapping[str, Any],
    tests: Mapping[str, Any],
    sha256: str,
    label: str,
    report: Mapping[str, Any],
    actor: str,
    summary: str,
) -> RulesetVersion:
    """Store a validated, tested ruleset as the next published version, measured on the case library; pin earlier results.

    The figures are left out (None) when the case library cannot be read: storing the default ruleset at first use
    must not fail a patient's submission.
    """
    number = (session.scalar(select(func.max(RulesetVersion.number))) or 0) + 1
    now = utcnow()
    row = RulesetVersion(
        number=number,
        status="published",
        label=label,
        sha256=sha256,
        documents=dict(documents),
        tests=dict(tests),
        test_report=dict(report),
        accuracy=accuracy_at_publication(sha256, lambda: load_ruleset_from_documents(documents)),
        summary=summary,
        created_by=actor,
        created_at=now,
        editors=[actor],
        updated_by=actor,
        updated_at=now,
        published_by=actor,
        published_at=now,
    )
    session.add(row)
    session.flush()
    link_evaluations(session, row)
    published_ref.forget_after_commit(session)  # this process's step saves see the new version at once
    return row


def link_evaluations(session: Session, row: RulesetVersion) -> int:
    """Pin stored results made with this content (before it was stored as a version) to the version."""
    stale = session.scalars(
        select(Evaluation).where(Evaluation.ruleset_version_id.is_(None), Evaluation.ruleset_sha256 == row.sha256)
    )
    count = 0
    for evaluation in stale:
        evaluation.ruleset_version_id = row.id
        count += 1
    session.flush()
    return count


def _loaded_status(row: RulesetVersion) -> str | None:
    history = inspect(row).attrs.status.history
    if history.deleted:
        return str(history.deleted[0])
    return str(history.unchanged[0]) if history.unchanged else None


def guard_published_and_pin(session: Session, _context: Any, _instances: Any) -> None:
    """A before_flush guard (registered by Database): published versions never change; new results get their version id."""
    for obj in list(session.dirty) + list(session.deleted):
        if (
            isinstance(obj, RulesetVersion)
            and _loaded_status(obj) == "published"
            and (obj in session.deleted or session.is_modified(obj))
        ):
            raise PublishedVersionImmutable(f"ruleset version {obj.number} is published and cannot change")
    pending = [
        obj for obj in session.new if isinstance(obj, Evaluation) and obj.ruleset_version_id is None and obj.ruleset_sha256
    ]
    if pending:
        with session.no_autoflush:
            versions = published_by_sha(session, [e.ruleset_sha256 for e in pending])
        for evaluation in pending:
            version = versions.get(evaluation.ruleset_sha256)
            evaluation.ruleset_version_id = version.id if version is not None else None
