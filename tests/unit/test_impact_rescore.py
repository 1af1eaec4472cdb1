"""A draft that changes only differential weights is compared by rescoring, and that gives exactly what evaluating
both versions in full gives, for any weights, including ties, sign changes and differentials held back by a red flag."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.test_impact import BASE, CHANGES, CURRENT, OLD, _intakes, drafted, past, reweigh, rules_of
from triage.domain.engine.evaluate import RulesetError, evaluate
from triage.domain.engine.impact_compare import changes_between
from triage.domain.engine.impact_rescore import Rescorer, comparison, weights_only
from triage.domain.questionnaire.synthetic import random_intake
from triage.domain.questionnaire.upgrade import upgrade_answers

ON = dt.date(2026, 11, 1)
INTAKES = _intakes(60, 11)
DIFFERENTIAL_RULES = [r["id"] for r in rules_of(BASE.documents) if r["kind"] == "differential"]
WEIGHTS = st.integers(-10, 10).filter(bool)  # a weight of 0 is a ruleset error


def full_changes(draft: Any, version: str, answers: dict[str, Any]) -> tuple[Any, ...]:
    """The oracle: both versions evaluated in full (old answers upgraded first), compared."""
    given = upgrade_answers(answers) if version == OLD else dict(answers)
    return changes_between(evaluate(BASE, given, on=ON), evaluate(draft, given, on=ON))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.dictionaries(st.sampled_from(DIFFERENTIAL_RULES), WEIGHTS, min_size=1, max_size=12), st.integers(0, 10_000))
def test_rescoring_gives_what_evaluating_both_versions_in_full_gives(weights: dict[str, int], seed: int) -> None:
    def reweighed(documents: dict[str, Any]) -> None:
        for rule in rules_of(documents):
            if rule["id"] in weights:
                rule["weight"] = weights[rule["id"]]

    draft = drafted(reweighed)
    assert weights_only(BASE, draft)
    rescorer = Rescorer(BASE, draft)
    rng = random.Random(seed)  # a few more intakes, drawn anew for each example
    intakes = {**INTAKES, **{-k: (CURRENT, random_intake(BASE.questionnaire, rng, ON, answer_rate=0.7)) for k in (1, 2, 3)}}
    for intake in past(intakes):
        version, answers = intakes[intake.intake_id]
        assert rescorer.changes(answers, intake) == full_changes(draft, version, answers)


def test_weights_shared_by_every_differential_rule_keep_ties_as_a_full_evaluation_does() -> None:
    # Every differential rule weighing the same makes ties common: ranks shared, then the order of declaration.
    def even(documents: dict[str, Any]) -> None:
        for rule in rules_of(documents):
            if rule["kind"] == "differential":
                rule["weight"] = 2

    draft = drafted(even)
    compare = comparison(BASE, draft)
    changed = 0
    for intake, (version, answers) in zip(past(INTAKES), INTAKES.values(), strict=True):
        found = compare(answers, intake)
        assert found == full_changes(draft, version, answers)
        changed += bool(found)
    assert changed > len(INTAKES) // 2  # the comparison is of real changes: most intakes rank differently


def test_only_a_draft_changing_differential_weights_alone_is_rescored() -> None:
    assert weights_only(BASE, drafted(lambda d: reweigh(d, random.Random(3))))
    assert weights_only(BASE, BASE)
    for change in CHANGES:
        if change is reweigh:
            continue
        try:
            draft = drafted(lambda documents, change=change: change(documents, random.Random(5)))  # type: ignore[misc]
        except RulesetError:
            continue
        assert not weights_only(BASE, draft), change.__name__


def test_a_weight_change_together_with_a_condition_change_is_evaluated_in_full() -> None:
    def both(documents: dict[str, Any]) -> None:
        reweigh(documents, random.Random(1))
        rule = next(r for r in rules_of(documents) if r["id"] == "cd_iron_deficiency")
        rule["when"] = {"not": rule["when"]}

    draft = drafted(both)
    assert not weights_only(BASE, draft)
    compare = comparison(BASE, draft)
    for intake, (version, answers) in zip(past(INTAKES), INTAKES.values(), strict=True):
        assert compare(answers, intake) == full_changes(draft, version, answers)
