"""Accuracy of stored ruleset versions on the case library: measured once per content, stored with each published version."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.domain.engine.accuracy import AccuracyReport, measure_accuracy
from triage.domain.engine.case_library import DEFAULT_CASES, LibraryCase, load_case_library
from triage.domain.engine.ruleset import Ruleset
from triage.domain.errors import RulesetError

CACHE_SIZE = 16
# The figures the versions page and `triage rules versions --json` show, in this order.
FIGURES: tuple[tuple[str, str], ...] = (
    ("red_flag_sensitivity", "Red-flag sensitivity"),
    ("first", "First"),
    ("top_3", "Top 3"),
    ("caveats", "Caveats"),
    ("tests", "Tests"),
    ("not_first_violations", "Violations"),
)
log = logging.getLogger(__name__)
_libraries: OrderedDict[tuple[str, str], tuple[LibraryCase, ...]] = OrderedDict()
_reports: OrderedDict[tuple[str, str], AccuracyReport] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Library:
    """A read case library: its cases and the hash of its files (figures are only comparable on the same hash)."""

    directory: Path
    sha256: str
    cases: tuple[LibraryCase, ...]


def library_sha256(directory: Path) -> str:
    """A hash of every case file's name and bytes (an unreadable folder hashes as empty)."""
    digest = hashlib.sha256()
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\1unreadable")
        digest.update(b"\0")
    return digest.hexdigest()


def _remember(cache: OrderedDict[tuple[str, str], Any], key: tuple[str, str], value: Any) -> None:
    with _lock:
        cache[key] = value
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)


def read_library(directory: Path = DEFAULT_CASES) -> Library:
    """The case library in a folder, read once per content; raises RulesetError naming the file and line at fault."""
    # Ids are not checked against a ruleset here: a version that lacks a rule a case expects simply misses it.
    key = (str(directory.resolve()), library_sha256(directory))
    with _lock:
        cases = _libraries.get(key)
    if cases is None:
        cases = tuple(load_case_library(directory))
        _remember(_libraries, key, cases)
    return Library(directory, key[1], cases)


def measured(ruleset: Ruleset, library: Library) -> AccuracyReport:
    """The ruleset's figures on the library, computed once per process per (ruleset, library) content."""
    key = (ruleset.sha256, library.sha256)
    with _lock:
        found = _reports.get(key)
    if found is None:
        found = measure_accuracy(ruleset, library.cases)
        _remember(_reports, key, found)
    return found


def stored_form(report: AccuracyReport, library: Library) -> dict[str, Any]:
    """What the accuracy column holds: the report, and which library (hash, size) it was measured on."""
    return {**report.to_dict(), "library": {"sha256": library.sha256, "cases": len(library.cases)}}


def stored_report(stored: Mapping[str, Any] | None) -> AccuracyReport | None:
    """The report kept in the accuracy column (None when the version was never measured or the value is unreadable)."""
    if not stored:
        return None
    try:
        return AccuracyReport.from_dict(stored)
    except (KeyError, TypeError, ValueError):
        log.warning("a stored accuracy report cannot be read; it is shown as not measured")
        return None


def stored_library_sha256(stored: Mapping[str, Any] | None) -> str | None:
    """The hash of the library a stored report was measured on."""
    library = (stored or {}).get("library")
    return str(library.get("sha256")) if isinstance(library, Mapping) and library.get("sha256") else None


def accuracy_at_publication(
    sha256: str, compile_ruleset: Callable[[], Ruleset], directory: Path = DEFAULT_CASES
) -> dict[str, Any] | None:
    """The accuracy column for a version being stored, or None when the case library cannot be read (logged)."""
    # Storing the default ruleset at first use must never fail a patient's submission over the case library.
    try:
        library = read_library(directory)
    except RulesetError as error:
        log.warning("the case library cannot be read, so this version is stored unmeasured: %s", error)
        return None
    with _lock:
        found = _reports.get((sha256, library.sha256))
    report = found if found is not None else measured(compile_ruleset(), library)
    return stored_form(report, library)


def figure_text(report: AccuracyReport, key: str) -> str:
    """One figure as a person reads it: '87.5 % (7/8)', a count, or 'no case asks'."""
    measure = report.measure(key)
    if measure is None:
        return "not measured"
    if measure.target_percent is None:
        return str(measure.numerator)
    if measure.percent is None:
        return "no case asks"
    return f"{measure.percent:g} % ({measure.numerator}/{measure.denominator})"


def figures(report: AccuracyReport | None) -> list[dict[str, Any]]:
    """The versions page's figures of one report, each with its text and whether its target is met (empty when None)."""
    if report is None:
        return []
    rows = []
    for key, label in FIGURES:
        measure = report.measure(key)
        rows.append({"key": key, "label": label, "text": figure_text(report, key), "met": bool(measure and measure.met)})
    return rows


def figures_json(stored: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The figures of a stored report for `triage rules versions --json` (None when the version was never measured)."""
    report = stored_report(stored)
    if report is None:
        return None
    measures = {}
    for key, _label in FIGURES:
        m = report.measure(key)
        if m is not None:
            measures[key] = {
                "numerator": m.numerator,
                "denominator": m.denominator,
                "percent": m.percent,
                "target_percent": m.target_percent,
                "met": m.met,
            }
    library = (stored or {}).get("library")
    return {
        "measures": measures,
        "violations": report.violations,
        "cases": len(report.cases),
        "library_sha256": stored_library_sha256(stored),
        "library_cases": library.get("cases") if isinstance(library, Mapping) else None,
    }
