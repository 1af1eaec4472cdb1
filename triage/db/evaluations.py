"""Evaluating intakes with the newest published ruleset (stored in the database), compiled once per process per content hash."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.db import audit, published_ref, ruleset_store, rulesets
from triage.db.intakes import StoredEvaluation
from triage.db.models import RulesetVersion
from triage.db.session import Database
from triage.domain.engine.case_documents import load_cases_from_documents
from triage.domain.engine.cases import run_case
from triage.domain.engine.evaluate import Ruleset, evaluate, load_ruleset, load_ruleset_from_documents, read_ruleset_documents
from triage.domain.engine.yaml_source import plain, read_yaml_file
from triage.domain.errors import ProblemList, RulesetError
from triage.domain.questionnaire.questions import Answer
from triage.paths import resource_dir

CACHE_SIZE = 8
TEST_FILE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.yaml$")
_cache: OrderedDict[str, Ruleset] = OrderedDict()
_cache_lock = threading.Lock()


@lru_cache(maxsize=1)
def bundled_ruleset() -> Ruleset:
    """The default ruleset from `rules/`, loaded and compiled once per process."""
    return load_ruleset()


def compiled(sha256: str, documents: Callable[[], Mapping[str, Any]]) -> Ruleset:
    """The compiled ruleset with this content hash, from the per-process cache or built from its documents."""
    with _cache_lock:
        found = _cache.get(sha256)
        if found is not None:
            _cache.move_to_end(sha256)
            return found
    ruleset = load_ruleset_from_documents(documents())
    with _cache_lock:
        _cache[ruleset.sha256] = ruleset
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return ruleset


def version_ruleset(version: RulesetVersion) -> Ruleset:
    """The compiled ruleset of a stored version (or draft)."""
    return compiled(version.sha256, lambda: version.documents)


def ruleset_in_force(session: Session, *, kept: bool = False) -> Ruleset:
    """The newest published version, or the bundled rules/ while none is stored yet; reads only, never writes.

    `kept` takes the reference this process read in the last seconds (triage.db.published_ref): the step save's pass.
    """
    found = published_ref.published_ref(session) if kept else rulesets.latest_published_ref(session)
    if found is None:
        return bundled_ruleset()
    version_id, sha = found
    return compiled(sha, lambda: _documents(session, version_id))


def current_ruleset(session: Session) -> Ruleset:
    """The ruleset new submissions are evaluated with: the newest published version.

    The default ruleset is stored as version 1 first if the database has none yet.
    """
    found = rulesets.latest_published_ref(session)
    if found is None:
        return version_ruleset(ensure_initial_version(session))
    version_id, sha = found
    return compiled(sha, lambda: _documents(session, version_id))


def _documents(session: Session, version_id: int) -> Mapping[str, Any]:
    row = session.get(RulesetVersion, version_id)
    return row.documents if row is not None else {}


def evaluate_for_storage(answers: Mapping[str, Answer], on: dt.date, ruleset: Ruleset) -> StoredEvaluation:
    """Evaluate answers and package the result, pinned to the ruleset version and hash and the derived facts' version.

    The stored version's id is set on storing.
    """
    result = evaluate(ruleset, dict(answers), on=on)
    data: dict[str, Any] = result.to_dict()
    return StoredEvaluation(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        result=data,
        fired_rules=list(data.get("fired_rules", [])),
        top_differential=result.top_differential,
        top_urgency=result.top_urgency,
        derived_facts_version=result.derived_facts_version,
    )


def run_stored_tests(ruleset: Ruleset, tests: Mapping[str, Any]) -> dict[str, Any]:
    """Run rule test cases kept as data (test file name to {"cases": [...]}) and report failures in plain words."""
    report: dict[str, Any] = {"total": 0, "passed": 0, "failures": [], "errors": []}
    bad = [name for name in tests if not TEST_FILE.match(name)]
    if bad:
        report["errors"] = [f"'{name}' is not a valid test file name" for name in bad]
        return report
    try:
        cases = load_cases_from_documents(tests, ruleset)
    except RulesetError as error:
        report["errors"] = [str(problem) for problem in error.problems]
        return report
    for case in cases:
        _result, failures = run_case(ruleset, case)
        if failures:
            report["failures"].append({"case": case.id, "file": case.file, "description": case.description, "problems": failures})
    report["total"], report["passed"] = len(cases), len(cases) - len(report["failures"])
    return report


def read_test_documents(directory: Path) -> dict[str, Any]:
    """The rule test files of a directory as plain data (file name to document); raises RulesetError."""
    problems = ProblemList(str(directory), item="case")
    documents = (
        {path.name: plain(read_yaml_file(path, problems.for_file(path.name))) for path in sorted(directory.glob("*.yaml"))}
        if directory.is_dir()
        else {}
    )
    problems.raise_if_any()
    return documents


@dataclass(frozen=True)
class ImportOutcome:
    """What `import_directory` did: the version it stored (or found), and whether it was new."""

    version: RulesetVersion
    created: bool
    report: Mapping[str, Any]


def import_directory(session: Session, directory: Path, actor: str, summary: str = "") -> ImportOutcome:
    """Store the ruleset in a directory (its rule tests in tests/) as the next published version.

    Raises RulesetError when it does not validate, RulesetRefused when a rule test fails; importing the
    content of the newest published version again changes nothing.
    """
    documents = plain(read_ruleset_documents(directory))
    ruleset = load_ruleset_from_documents(documents)
    current = rulesets.latest_published(session)
    if current is not None and current.sha256 == ruleset.sha256:
        return ImportOutcome(current, False, current.test_report or {})
    tests = read_test_documents(directory / "tests")
    report = run_stored_tests(ruleset, tests)
    if not rulesets.tests_green(report):
        lines = [f"{f['case']}: {'; '.join(f['problems'])}" for f in report["failures"]] + list(report["errors"])
        raise rulesets.RulesetRefused(
            "the rule tests must all pass before a ruleset is published:\n"
            + "\n".join(f"  - {line}" for line in lines or ["there are no rule tests"])
        )
    taken = rulesets.published_labels(session)
    if ruleset.version in taken:
        raise rulesets.RulesetRefused(
            f"the version text '{ruleset.version}' in ruleset.yaml is already used by version {taken[ruleset.version]}"
        )
    row = ruleset_store.add_published(
        session,
        documents=documents,
        tests=tests,
        sha256=ruleset.sha256,
        label=ruleset.version,
        report=report,
        actor=actor,
        summary=summary or f"Imported from {directory.name}/",
    )
    with _cache_lock:
        _cache[ruleset.sha256] = ruleset
    return ImportOutcome(row, True, report)


@dataclass(frozen=True)
class VersionOutcome:
    """A stored version's number, version text and content hash."""

    number: int
    label: str
    sha256: str


def ensure_initial_version(session: Session) -> RulesetVersion:
    """The newest published version, storing the bundled default ruleset as version 1 when there is none yet (idempotent)."""
    current = rulesets.latest_published(session)
    if current is not None:
        return current
    try:
        with session.begin_nested():
            outcome = import_directory(
                session, resource_dir("rules"), actor="system", summary="The default ruleset, stored on first use"
            )
            audit.record(
                session,
                actor="system",
                role="system",
                action="ruleset.import",
                ruleset_version=outcome.version.label,
                detail=f"version {outcome.version.number} (default rules/, first use)",
            )
    except IntegrityError:
        # Another process stored version 1 at the same moment: use theirs.
        stored = rulesets.latest_published(session)
        if stored is None:
            raise
        return stored
    return outcome.version


def ensure_stored_ruleset(database: Database) -> VersionOutcome:
    """Store the default ruleset as version 1 in its own transaction if the database has no version yet."""
    with database.session() as session:
        version = ensure_initial_version(session)
        return VersionOutcome(version.number or 0, version.label, version.sha256)
