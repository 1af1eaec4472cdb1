"""A rule test case's `first:` is met only when that condition ranks first alone: a tie for first is a tie, not a win
(as `triage rules accuracy` counts it)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from triage.domain.engine.cases import Expectation, RuleCase, check_case
from triage.domain.engine.evaluate import evaluate, load_ruleset

ON = dt.date(2026, 12, 8)
ANSWERS = {"date_of_birth": "1990-01-01", "sex_at_birth": "female", "symptoms": ["diarrhoea", "bloating"]}


def _case(first: str) -> RuleCase:
    return RuleCase("tie", "a tie for first", "x.yaml", ON, dict(ANSWERS), Expectation(first=first))


def test_first_alone_passes_and_a_tie_for_first_fails_naming_the_tie() -> None:
    result = evaluate(load_ruleset(), ANSWERS, on=ON)
    top, second = result.differentials[0], result.differentials[1]
    alone = dataclasses.replace(
        result,
        differentials=(
            dataclasses.replace(top, rank=1, tied=False, held_back=False),
            dataclasses.replace(second, rank=2, tied=False, held_back=False),
            *result.differentials[2:],
        ),
    )
    assert check_case(_case(top.id), alone) == []
    tied = dataclasses.replace(
        alone,
        differentials=(
            dataclasses.replace(top, rank=1, tied=True, held_back=False),
            dataclasses.replace(second, rank=1, tied=True, held_back=False),
            *result.differentials[2:],
        ),
    )
    failures = check_case(_case(top.id), tied)
    assert len(failures) == 1 and "rank first alone (tied for first)" in failures[0]
