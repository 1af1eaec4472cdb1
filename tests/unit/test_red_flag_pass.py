"""The red-flag pass of a step save gives exactly the red flags of a full evaluation, on whole and partial answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from triage.domain.engine.cases import RuleCase, load_rule_tests
from triage.domain.engine.evaluate import Ruleset, evaluate, load_ruleset
from triage.domain.engine.red_flags import Flag, by_urgency, flags_of_result, red_flag_plan, red_flags
from triage.domain.scales import Urgency
from triage.paths import resource_dir

RULESET = load_ruleset()
CASES = load_rule_tests(resource_dir("rules") / "tests", RULESET)


def full_flags(ruleset: Ruleset, case: RuleCase, answers: dict[str, object]) -> list[tuple[str, Urgency]]:
    """(rule id, urgency) of every red flag of the full explained evaluation, in its order."""
    return [(flag.id, flag.urgency) for flag in evaluate(ruleset, answers, on=case.on).red_flags]


def pass_flags(ruleset: Ruleset, case: RuleCase, answers: dict[str, object]) -> list[tuple[str, Urgency]]:
    """(rule id, urgency) of every flag of the red-flag pass, in its order."""
    return [(flag.rule_id, flag.urgency) for flag in red_flags(ruleset, answers, on=case.on)]


def answers_so_far(case: RuleCase) -> Iterator[dict[str, object]]:
    """The case's answers as a patient gives them: questionnaire order, one more answer each time."""
    order = RULESET.question_order
    given: dict[str, object] = {}
    for question_id in sorted(case.answers, key=lambda q: order.get(q, len(order))):
        given[question_id] = case.answers[question_id]
        yield dict(given)


def test_there_are_cases_and_some_raise_red_flags_of_every_tier() -> None:
    assert len(CASES) > 20
    tiers = {urgency for case in CASES for _, urgency in full_flags(RULESET, case, case.answers)}
    assert tiers == set(Urgency.flag_tiers())


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_pass_gives_the_red_flags_of_a_full_evaluation(case: RuleCase) -> None:
    assert pass_flags(RULESET, case, case.answers) == full_flags(RULESET, case, case.answers)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_pass_agrees_on_every_partial_answer_set(case: RuleCase) -> None:
    for answers in answers_so_far(case):
        assert pass_flags(RULESET, case, answers) == full_flags(RULESET, case, answers), sorted(answers)


def test_the_red_flag_rules_are_compiled_once_per_ruleset_hash() -> None:
    first = red_flag_plan(RULESET)
    assert red_flag_plan(RULESET) is first and first.sha256 == RULESET.sha256
    assert red_flag_plan(load_ruleset()) is first  # another load of the same content: the same plan
    red_flag_rules = [rule.id for rule in RULESET.rules if rule.kind == "red_flag"]
    assert [flag.rule_id for flag in first.flags] == red_flag_rules
    assert len(first.plan.roots) == len(red_flag_rules) < len(RULESET.rules)


def test_flags_read_back_from_a_stored_result_and_grouped_by_tier() -> None:
    case = next(c for c in CASES if c.id == "upper_gi_bleed_on_iron_and_aspirin")
    stored = evaluate(RULESET, case.answers, on=case.on).to_dict()
    flags = flags_of_result(stored["red_flags"])
    assert flags == red_flags(RULESET, case.answers, on=case.on)
    grouped = by_urgency(flags)
    assert grouped[Urgency.EMERGENCY] == ("rf_haematemesis", "rf_melaena")
    assert flags_of_result([{"id": "x", "urgency": "unheard-of"}, {"urgency": "urgent"}]) == ()
    assert flags_of_result([{"id": "rf_x", "urgency": "soon"}]) == (Flag("rf_x", Urgency.SOON),)
