"""Accuracy of a ruleset on the case library: red-flag sensitivity, first and top-3 ranking, caveats and tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.accuracy_checks import CaseCheck, check_library_case
from triage.domain.engine.case_library import LibraryCase
from triage.domain.engine.evaluate import evaluate
from triage.domain.engine.ruleset import Ruleset
from triage.domain.questionnaire.rules_view import answers_for_rules

# key, label, target: the bar issue 13 sets for cases the rules were not written from. A target of None is a count
# that must be zero (violations, unwanted tests).
MEASURES: tuple[tuple[str, str, float | None], ...] = (
    ("red_flag_sensitivity", "Red-flag sensitivity (every expected flag raised)", 100.0),
    ("first", "Expected condition ranked first (alone)", 90.0),
    ("top_3", "Expected conditions in the top 3", 95.0),
    ("caveats", "Expected caveats given", 100.0),
    ("tests", "Expected tests suggested", 95.0),
    ("not_first_violations", "A condition ranked first that must not be", None),
    ("unwanted_tests", "Tests suggested that should not be", None),
)


@dataclass(frozen=True)
class Measure:
    """One figure: how many of how many, as a percentage, against its target (or a count that must be zero)."""

    key: str
    label: str
    numerator: int
    denominator: int
    target_percent: float | None
    detail: str = ""

    @property
    def percent(self) -> float | None:
        """The share in per cent, or None for a count or when no case asks for this."""
        if self.target_percent is None or not self.denominator:
            return None
        return round(100.0 * self.numerator / self.denominator, 1)

    @property
    def met(self) -> bool:
        """Whether the target is reached (a count: whether it is zero)."""
        if self.target_percent is None:
            return self.numerator == 0
        return self.percent is None or self.percent >= self.target_percent

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "key": self.key,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "target_percent": self.target_percent,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Measure:
        """Read back the stored form."""
        target = data.get("target_percent")
        return cls(
            str(data["key"]),
            str(data["label"]),
            int(data["numerator"]),
            int(data["denominator"]),
            None if target is None else float(target),
            str(data.get("detail", "")),
        )


@dataclass(frozen=True)
class CaseOutcome:
    """One case's verdict: every way the result fell short, in plain words, and whether its red flags were all raised."""

    id: str
    title: str
    failures: tuple[str, ...]
    red_flags_met: bool | None

    @property
    def passed(self) -> bool:
        """True when the result met every expectation of the case."""
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {"id": self.id, "title": self.title, "failures": list(self.failures), "red_flags_met": self.red_flags_met}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseOutcome:
        """Read back the stored form."""
        met = data.get("red_flags_met")
        return cls(
            str(data["id"]), str(data["title"]), tuple(str(f) for f in data["failures"]), None if met is None else bool(met)
        )


@dataclass(frozen=True)
class AccuracyReport:
    """The figures of one ruleset version on one case library, with the verdict on every case."""

    ruleset_version: str
    ruleset_sha256: str
    measures: tuple[Measure, ...]
    cases: tuple[CaseOutcome, ...]
    # The derived facts' version the figures were measured with (None: measured before it was recorded).
    derived_facts_version: int | None = None

    @property
    def violations(self) -> int:
        """How many cases ranked first a condition that must not be."""
        found = self.measure("not_first_violations")
        return found.numerator if found else 0

    def measure(self, key: str) -> Measure | None:
        """The measure with this key, if the report has it."""
        return next((m for m in self.measures if m.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON stored with a published version and printed by `triage rules accuracy --json`."""
        return {
            "ruleset": {"version": self.ruleset_version, "hash": self.ruleset_sha256}
            | ({} if self.derived_facts_version is None else {"derived_facts": self.derived_facts_version}),
            "measures": [m.to_dict() for m in self.measures],
            "cases": [c.to_dict() for c in self.cases],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccuracyReport:
        """Read back a stored report."""
        return cls(
            str(data["ruleset"]["version"]),
            str(data["ruleset"]["hash"]),
            tuple(Measure.from_dict(m) for m in data["measures"]),
            tuple(CaseOutcome.from_dict(c) for c in data["cases"]),
            _version(data["ruleset"].get("derived_facts")),
        )


def _version(value: Any) -> int | None:
    """A stored derived facts' version: a whole number from 1, or None when absent."""
    if value is None:
        return None
    if value.__class__ is not int or value < 1:
        raise ValueError(f"the ruleset's 'derived_facts' is not a version number but {value!r}")
    return int(value)


def measures_of(checks: Sequence[CaseCheck]) -> tuple[Measure, ...]:
    """The figures over a set of case checks."""

    def count(attribute: str) -> tuple[int, int]:
        pairs = [getattr(check, attribute) for check in checks]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    flag_cases = [c for c in checks if c.flags[1]]
    flags_found, flags_expected = count("flags")
    totals = {
        "red_flag_sensitivity": (sum(1 for c in flag_cases if c.flags[0] == c.flags[1]), len(flag_cases)),
        "first": count("first"),
        "top_3": count("top_3"),
        "caveats": count("caveats"),
        "tests": count("tests"),
        "not_first_violations": (sum(c.violation for c in checks), len(checks)),
        "unwanted_tests": (sum(c.unwanted_tests for c in checks), len(checks)),
    }
    details = {"red_flag_sensitivity": f"{flags_expected - flags_found} of {flags_expected} expected flags missed"}
    return tuple(Measure(key, label, *totals[key], target, details.get(key, "")) for key, label, target in MEASURES)


def measure_accuracy(ruleset: Ruleset, cases: Sequence[LibraryCase]) -> AccuracyReport:
    """Evaluate every library case with the ruleset and compute the figures (pure and deterministic)."""
    checks = []
    for case in cases:
        answers = answers_for_rules(case.answers, case.questionnaire_version)
        checks.append(check_library_case(case, evaluate(ruleset, answers, on=case.on)))
    outcomes = tuple(
        CaseOutcome(c.case.id, c.case.title, tuple(c.failures), (c.flags[0] == c.flags[1]) if c.flags[1] else None)
        for c in checks
    )
    return AccuracyReport(ruleset.version, ruleset.sha256, measures_of(checks), outcomes, ruleset.derived_facts_version)


def compare_red_flags(published: AccuracyReport, draft: AccuracyReport) -> list[str]:
    """The ids of cases whose expected red flags the published version raised and the draft does not."""
    draft_met = {c.id: c.red_flags_met for c in draft.cases}
    return [c.id for c in published.cases if c.red_flags_met and draft_met.get(c.id) is False]


def _figure(measure: Measure) -> str:
    if measure.target_percent is None:
        return f"{measure.numerator}"
    if measure.percent is None:
        return "no case asks"
    return f"{measure.percent:g} % ({measure.numerator}/{measure.denominator})"


def _derived_words(report: AccuracyReport) -> str:
    return "" if report.derived_facts_version is None else f", derived facts {report.derived_facts_version}"


def render_accuracy_text(report: AccuracyReport, per_case: bool = True) -> str:
    """The figures as a plain table (target and whether it is met), then each case that fell short and why."""
    passed = sum(c.passed for c in report.cases)
    lines = [
        f"Ruleset {report.ruleset_version} ({report.ruleset_sha256[:12]}{_derived_words(report)}) on {len(report.cases)}"
        " library cases:"
        f" {passed} met every expectation",
        "",
    ]
    width = max(len(m.label) for m in report.measures)
    for m in report.measures:
        target = "must be 0" if m.target_percent is None else f"target {m.target_percent:g} %"
        verdict = "met" if m.met else "MISSED"
        detail = f"  ({m.detail})" if m.detail else ""
        lines.append(f"  {m.label:<{width}}  {_figure(m):>18}  {target:<12} {verdict}{detail}")
    if per_case:
        failing = [c for c in report.cases if not c.passed]
        if failing:
            lines += ["", "Cases that fell short:"]
        for case in failing:
            lines.append(f"  {case.id} ({case.title})")
            lines += [f"    - {failure}" for failure in case.failures]
    return "\n".join(lines)
