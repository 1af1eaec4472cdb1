"""One library case against one result: counts for every accuracy measure, and each shortfall in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.domain.engine.case_library import LibraryCase
from triage.domain.engine.result import Result
from triage.domain.engine.result_items import DifferentialResult


@dataclass
class CaseCheck:
    """How one case fared: (found, expected) pairs per measure, counts that must stay zero, and the failures."""

    case: LibraryCase
    flags: tuple[int, int] = (0, 0)
    first: tuple[int, int] = (0, 0)
    top_3: tuple[int, int] = (0, 0)
    caveats: tuple[int, int] = (0, 0)
    tests: tuple[int, int] = (0, 0)
    violation: int = 0
    unwanted_tests: int = 0
    failures: list[str] = field(default_factory=list)


def _same_place(a: DifferentialResult, b: DifferentialResult) -> bool:
    return a.score == b.score and a.level == b.level


def _ranking(result: Result) -> str:
    return ", ".join(f"{d.id} ({d.score}, {d.level})" for d in result.differentials) or "none"


def _first_alone(result: Result, expected: str) -> bool:
    ranked = result.differentials
    if not ranked or ranked[0].id != expected or ranked[0].held_back:
        return False
    return len(ranked) == 1 or not _same_place(ranked[0], ranked[1])


def _in_top_3(result: Result, expected: str) -> bool:
    ranked = result.differentials
    for position, differential in enumerate(ranked):
        if differential.id == expected:
            # A tie with the third place counts as in the top 3: the ranking cannot tell them apart.
            return position < 3 or (len(ranked) >= 3 and _same_place(differential, ranked[2]))
    return False


def _suggested(result: Result) -> list[str]:
    # Tests deferred while an emergency stands are listed apart and are not suggestions for now.
    return [i.test for i in result.investigations if not i.deferred]


def _check_flags(check: CaseCheck, result: Result) -> None:
    expect, raised = check.case.expect, [f.id for f in result.red_flags]
    missed = [r for r in expect.red_flags if r not in raised]
    check.flags = (len(expect.red_flags) - len(missed), len(expect.red_flags))
    check.failures += [f"the red flag {r} was not raised (raised: {', '.join(raised) or 'none'})" for r in missed]
    if expect.no_red_flags and raised:
        check.failures.append(f"no red flag was expected, but these were raised: {', '.join(raised)}")


def _check_ranking(check: CaseCheck, result: Result) -> None:
    expect = check.case.expect
    if expect.first:
        hit = _first_alone(result, expect.first)
        check.first = (int(hit), 1)
        if not hit:
            check.failures.append(f"{expect.first} was expected to rank first alone; the ranking was {_ranking(result)}")
    if expect.in_top_3:
        missing = [d for d in expect.in_top_3 if not _in_top_3(result, d)]
        check.top_3 = (int(not missing), 1)
        check.failures += [f"{d} was expected in the top 3; the ranking was {_ranking(result)}" for d in missing]
    top = result.differentials[0] if result.differentials else None
    if top is not None and not top.held_back and top.id in expect.not_first:
        check.violation = 1
        check.failures.append(f"{top.id} must not rank first, but it did; the ranking was {_ranking(result)}")


def _check_caveats_and_tests(check: CaseCheck, result: Result) -> None:
    expect = check.case.expect
    given = [c.id for c in result.caveats]
    missed = [c for c in expect.caveats if c not in given]
    check.caveats = (len(expect.caveats) - len(missed), len(expect.caveats))
    check.failures += [f"the caveat {c} was not given (given: {', '.join(given) or 'none'})" for c in missed]
    suggested = _suggested(result)
    lowered = [t.lower() for t in suggested]
    absent = [t for t in expect.tests if not any(t.lower() in s for s in lowered)]
    check.tests = (len(expect.tests) - len(absent), len(expect.tests))
    check.failures += [f"no suggested test matches '{t}' (suggested: {'; '.join(suggested) or 'none'})" for t in absent]
    unwanted = [s for s in suggested if any(t.lower() in s.lower() for t in expect.no_tests)]
    check.unwanted_tests = len(unwanted)
    check.failures += [f"the test '{s}' was suggested but should not be" for s in unwanted]


def check_library_case(case: LibraryCase, result: Result) -> CaseCheck:
    """Compare a result with a library case's expectations."""
    check = CaseCheck(case)
    _check_flags(check, result)
    _check_ranking(check, result)
    _check_caveats_and_tests(check, result)
    wanted = case.expect.too_few_answers
    said = result.answers_too_few
    if wanted is not None and wanted != said:
        check.failures.append(
            "the result should say the answers are too few to rely on, but it does not"
            if wanted
            else "the result says the answers are too few to rely on, but they are enough"
        )
    return check
