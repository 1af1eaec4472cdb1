"""The bundled case library (rules/cases): at least 80 cited published cases covering every conclusion twice."""

from __future__ import annotations

from collections import Counter

import pytest

from triage.domain.engine.case_library import DEFAULT_CASES, LibraryCase, load_case_library
from triage.domain.engine.ruleset import Ruleset, load_ruleset


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    """The default ruleset."""
    return load_ruleset()


@pytest.fixture(scope="module")
def library(ruleset: Ruleset) -> list[LibraryCase]:
    """The bundled library, checked against the default ruleset's ids."""
    return load_case_library(DEFAULT_CASES, ruleset)


def test_the_library_holds_at_least_80_cases_each_from_its_own_cited_report(library: list[LibraryCase]) -> None:
    assert len(library) >= 80
    titles = Counter(case.source.title.strip().lower() for case in library)
    assert [title for title, n in titles.items() if n > 1] == []
    assert all(case.source.published.strip() and case.diagnosis.strip() for case in library)


def _expected(library: list[LibraryCase]) -> Counter[str]:
    named: Counter[str] = Counter()
    for case in library:
        e = case.expect
        named.update(set(e.red_flags) | set(e.caveats) | set(e.in_top_3) | ({e.first} if e.first else set()))
    return named


# Conclusions the library expects only once, each with the search that failed to find a second published case.
# Each exception must still be expected by one case; the list may only shrink.
ONCE_ONLY = {
    "cav_normal_calprotectin_small_bowel": "about 30 searches (case reports, teaching cases, patient stories; English, "
    "Spanish, French) found cohort studies but no second case with a normal calprotectin before small-bowel Crohn's",
}


def test_every_differential_red_flag_and_caveat_is_expected_in_at_least_two_cases(
    ruleset: Ruleset, library: list[LibraryCase]
) -> None:
    named = _expected(library)
    wanted = [d.id for d in ruleset.differentials] + [r.id for r in ruleset.rules if r.kind in ("red_flag", "caveat")]
    assert {name: named[name] for name in wanted if named[name] < (1 if name in ONCE_ONLY else 2)} == {}
    assert {name for name in ONCE_ONLY if named[name] >= 2} == set()  # found a second case: drop the exception


@pytest.mark.parametrize("tag", ["atypical", "older_onset", "two_conditions", "near_empty", "contradictory"])
def test_hard_presentations_are_in_the_library(library: list[LibraryCase], tag: str) -> None:
    assert sum(tag in case.tags for case in library) >= 2
