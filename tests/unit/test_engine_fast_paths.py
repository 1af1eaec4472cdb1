"""The engine's optimised paths give exactly what the unoptimised ones give, over random answer sets.

Optimised: only the derived facts a compiled ruleset reads are computed (Ruleset.facts_of), the three-valued
pass is a generated function (gap_pass.py), blanks are found once per question, ranks are set as results are
built, and a ruleset whose documents pass one combined walk skips the three separate checks. Unoptimised:
every derived fact (facts_for_rules), the tree-walking pass of tests/helpers/engine_reference.py, ranks set
afterwards (with_ranks), the three checks one by one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.engine_reference import reference_blanks, reference_undecided
from triage.domain.engine.builder import build_result
from triage.domain.engine.evaluate import evaluate, fired_rules, load_ruleset
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.ranking import with_ranks
from triage.domain.engine.red_flags import compile_red_flags, red_flags
from triage.domain.engine.yaml_source import (
    MAX_DEPTH,
    documents_pass_checks,
    number_problems,
    ruleset_size_problem,
    shape_problem,
)
from triage.domain.errors import ProblemList
from triage.domain.questionnaire.derived import facts_for_rules
from triage.domain.questionnaire.synthetic import random_intake

RULESET = load_ruleset()
SETTINGS = settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Values of the wrong type for many questions: they must count as unanswered on both paths alike.
WRONG = [None, "", [], 0, 3, 2.5, True, False, "not_sure", "yes", ["x"], ["not_sure"], "1980-13-45", -1]


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[dict[str, Any], dt.date]:
    """A synthetic intake (any share of the questions answered), some answers swapped for wrong-typed values."""
    seed = draw(st.integers(0, 10**9))
    rate = draw(st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.8, 1.0]))
    on = dt.date(2026, 11, 1) + dt.timedelta(days=draw(st.integers(-4000, 4000)))
    rng = random.Random(seed)
    answers = random_intake(RULESET.questionnaire, rng, on, answer_rate=rate)
    keys = sorted(RULESET.questionnaire.by_id)
    for _ in range(draw(st.integers(0, 6))):
        answers[rng.choice(keys)] = rng.choice(WRONG)
    return answers, on


@SETTINGS
@given(answer_sets())
def test_evaluation_equals_the_unoptimised_path(case: tuple[dict[str, Any], dt.date]) -> None:
    answers, on = case
    every_fact = facts_for_rules(answers, on)
    read = RULESET.facts_of(answers, on)
    for fact, _kind in RULESET.plan.facts:
        assert read.get(fact) == every_fact.get(fact), fact
    unoptimised = build_result(RULESET, answers, every_fact, Outcomes.of(RULESET, every_fact, answers), on)
    result = evaluate(RULESET, answers, on=on)
    assert result == unoptimised
    assert fired_rules(RULESET, answers, on) == list(result.fired_rules) == RULESET.plan.fired(every_fact)
    unranked = [dataclasses.replace(d, rank=0, tied=False) for d in result.differentials]
    assert with_ranks(unranked) == result.differentials


@SETTINGS
@given(answer_sets())
def test_the_generated_gap_pass_equals_the_reference_pass(case: tuple[dict[str, Any], dt.date]) -> None:
    answers, on = case
    facts = facts_for_rules(answers, on)
    values, unanswered = RULESET.plan.run(facts)
    blanks = reference_blanks(RULESET, unanswered, answers)
    outcomes = Outcomes.of(RULESET, facts, answers)
    assert outcomes.blanks == blanks
    expected = reference_undecided(RULESET.plan, values, blanks)
    assert outcomes.undecided_rules() == list(expected)
    assert {rule: outcomes.undecided_facts(rule) for rule in outcomes.undecided_rules()} == expected


@SETTINGS
@given(answer_sets())
def test_the_red_flag_pass_reads_only_its_facts_and_agrees(case: tuple[dict[str, Any], dt.date]) -> None:
    answers, on = case
    plan = compile_red_flags(RULESET)
    assert red_flags(RULESET, answers, on) == plan.fired(facts_for_rules(answers, on))
    assert {d.id for d in plan.derived} <= {fact for fact, _ in plan.plan.facts}


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=3),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, 0.1234567891, math.inf, object(), b"x", (1, 2)]),
)
KEYS = st.one_of(st.text(max_size=3), st.integers(0, 3))
DOCUMENTS = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30
)


def _nested(depth: int) -> Any:
    document: Any = "leaf"
    for _ in range(depth):
        document = {"a": [document]}
    return document


def _checks_find_nothing(documents: dict[str, Any], limit: int) -> bool:
    problems = ProblemList("ruleset.yaml")
    for name, document in documents.items():
        number_problems(name, document, problems)
    return (
        ruleset_size_problem(documents, limit) is None
        and all(shape_problem(document) is None for document in documents.values())
        and not problems.items
    )


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["ruleset.yaml", "a.yaml", "b.yaml"]), DOCUMENTS, max_size=3), st.integers(1, 60))
def test_the_one_walk_check_passes_exactly_what_the_three_checks_pass(documents: dict[str, Any], limit: int) -> None:
    assert documents_pass_checks(documents, limit) == _checks_find_nothing(documents, limit)


def test_the_one_walk_check_refuses_depth_as_the_shape_check_does() -> None:
    for depth in (MAX_DEPTH // 2 - 1, MAX_DEPTH // 2, MAX_DEPTH // 2 + 1, MAX_DEPTH):
        documents = {"a.yaml": _nested(depth)}
        assert documents_pass_checks(documents) == _checks_find_nothing(documents, 50_000), depth
    assert documents_pass_checks(RULESET.documents)
