"""The compiled evaluator agrees with a plain tree-walking reference interpreter, on random trees and answers."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.domain.engine.conditions import AllOf, AnyOf, AtLeast, Compare, Node, NotOf
from triage.domain.engine.evaluate import evaluate, fired_rules, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.outcomes import Outcomes
from triage.domain.questionnaire.derived import facts_for_rules
from triage.domain.questionnaire.synthetic import random_intake

SETTINGS = settings(
    max_examples=100, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
ON = dt.date(2026, 11, 1)

# A spread of facts of every kind (questions and derived facts) from the real data dictionary.
CHOICE_FACTS = {
    "bristol_type": ["1", "2", "6", "7", "not_sure"],
    "smoking": ["never", "former", "current"],
    "ibs_subtype": ["diarrhoea", "mixed"],
}
MULTI_FACTS = {"symptoms": ["bloating", "diarrhoea", "fatigue", "heartburn"], "conditions": ["celiac", "ibs", "none"]}
NUMBER_FACTS = {"age_years": (0, 100), "worst_symptom_severity": (0, 10), "weight_kg": (20, 150), "weight_loss_percent": (0, 40)}
BOOLEAN_FACTS = ["eats_gluten", "consent_true"]


def reference(node: Node, facts: dict[str, Any]) -> bool:
    """The plain meaning of a condition, written independently of the compiler."""
    if isinstance(node, AllOf):
        return all(reference(item, facts) for item in node.items)
    if isinstance(node, AnyOf):
        return any(reference(item, facts) for item in node.items)
    if isinstance(node, NotOf):
        return not reference(node.item, facts)
    if isinstance(node, AtLeast):
        return sum(reference(item, facts) for item in node.items) >= node.n
    value = answered_value(node, facts.get(node.fact))
    if node.op == "answered":
        return value is not None
    if node.op == "unanswered":
        return value is None
    if value is None:
        return False
    if node.op == "equals":
        return bool(value == node.value)
    if node.op == "one_of":
        return value in node.value
    if node.op == "includes":
        return node.value in value
    if node.op == "gte":
        return bool(value >= node.value)
    if node.op == "lte":
        return bool(value <= node.value)
    return bool(node.value[0] <= value <= node.value[1])


def answered_value(node: Compare, value: Any) -> Any:
    """A value of the wrong type for its fact counts as unanswered."""
    ok = {
        "number": type(value) in (int, float),
        "multi": type(value) is list and len(value) > 0,
        "boolean": type(value) is bool,
    }.get(node.kind, type(value) is str and value != "")
    return value if ok else None


def kleene(node: Node, facts: dict[str, Any], blank: set[str]) -> bool | None:
    """Three-valued meaning: None when the outcome depends on a blank fact."""
    if isinstance(node, Compare):
        if node.fact in blank and node.op not in ("answered", "unanswered"):
            return None
        return reference(node, facts)
    if isinstance(node, NotOf):
        inner = kleene(node.item, facts, blank)
        return None if inner is None else not inner
    results = [kleene(item, facts, blank) for item in node.items]
    if isinstance(node, AllOf):
        return False if False in results else (True if all(r is True for r in results) else None)
    if isinstance(node, AnyOf):
        return True if True in results else (False if all(r is False for r in results) else None)
    true, unknown = results.count(True), results.count(None)
    n = node.n
    return True if true >= n else (False if true + unknown < n else None)


def still_needed(node: Node, facts: dict[str, Any], blank: set[str]) -> set[str]:
    """Blank facts an undecided condition depends on, following undecided parts only."""
    if kleene(node, facts, blank) is not None:
        return set()
    if isinstance(node, Compare):
        return {node.fact}
    items = (node.item,) if isinstance(node, NotOf) else node.items
    return set().union(*(still_needed(item, facts, blank) for item in items))


def comparisons() -> st.SearchStrategy[dict[str, Any]]:
    choice = st.sampled_from(sorted(CHOICE_FACTS)).flatmap(
        lambda f: st.one_of(
            st.sampled_from(CHOICE_FACTS[f]).map(lambda v: {"question": f, "equals": v}),
            st.lists(st.sampled_from(CHOICE_FACTS[f]), min_size=1, max_size=3).map(lambda vs: {"question": f, "one_of": vs}),
        )
    )
    multi = st.sampled_from(sorted(MULTI_FACTS)).flatmap(
        lambda f: st.sampled_from(MULTI_FACTS[f]).map(lambda v: {"question": f, "includes": v})
    )

    def number_ops(f: str) -> st.SearchStrategy[dict[str, Any]]:
        low, high = NUMBER_FACTS[f]
        value = st.integers(low, high) | st.floats(low, high, allow_nan=False).map(lambda x: round(x, 1))
        return st.one_of(
            value.map(lambda v: {"question": f, "gte": v}),
            value.map(lambda v: {"question": f, "lte": v}),
            value.map(lambda v: {"question": f, "equals": v}),
            st.tuples(value, value).map(lambda p: {"question": f, "between": sorted(p)}),
        )

    number = st.sampled_from(sorted(NUMBER_FACTS)).flatmap(number_ops)
    boolean = st.tuples(st.sampled_from(BOOLEAN_FACTS), st.booleans()).map(lambda p: {"question": p[0], "equals": p[1]})
    presence = st.tuples(
        st.sampled_from(["symptoms", "age_years", "smoking", "eats_gluten", "date_of_birth"]),
        st.sampled_from(["answered", "unanswered"]),
    )
    return st.one_of(choice, multi, number, boolean, presence.map(lambda p: {"question": p[0], p[1]: True}))


def combine(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    items = st.lists(children, min_size=1, max_size=4)
    return st.one_of(
        items.map(lambda xs: {"all": xs}),
        items.map(lambda xs: {"any": xs}),
        children.map(lambda x: {"not": x}),
        items.flatmap(lambda xs: st.integers(1, len(xs)).map(lambda n: {"at_least": {"n": n, "of": xs}})),
    )


CONDITIONS = st.recursive(comparisons(), combine, max_leaves=12)


def fact_values() -> st.SearchStrategy[dict[str, Any]]:
    wrong = st.sampled_from([[], "", 3, 2.5, True, ["x"], "text", None])
    values: dict[str, st.SearchStrategy[Any]] = {}
    for f, choices in CHOICE_FACTS.items():
        values[f] = st.sampled_from(choices) | wrong
    for f, choices in MULTI_FACTS.items():
        values[f] = st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique=True) | wrong
    for f, (low, high) in NUMBER_FACTS.items():
        values[f] = st.integers(low, high) | st.floats(low, high, allow_nan=False) | wrong
    for f in BOOLEAN_FACTS:
        values[f] = st.booleans() | wrong
    values["date_of_birth"] = st.just("1980-01-01") | wrong
    return st.fixed_dictionaries({}, optional=values)


def ruleset_for(conditions: list[dict[str, Any]]) -> Any:
    header = {
        "version": "prop",
        "title": "Property test",
        "note": "Not a diagnosis.",
        "differentials": [{"id": "ibs", "name": "IBS", "description": "d", "thresholds": {"low": 1, "moderate": 2, "high": 3}}],
    }
    rules = [
        {
            "id": f"r{i}",
            "title": "t",
            "explanation": "e",
            "kind": "caveat",
            "when": c,
            "source": "s",
            "author": "a",
            "reviewed": None,
        }
        for i, c in enumerate(conditions)
    ]
    return load_ruleset_from_documents({"ruleset.yaml": header, "p.yaml": {"topic": "p", "rules": rules}})


@SETTINGS
@given(st.lists(CONDITIONS, min_size=1, max_size=4), st.lists(fact_values(), min_size=1, max_size=4), st.data())
def test_compiled_evaluation_matches_the_reference(
    conditions: list[dict[str, Any]], intakes: list[dict[str, Any]], data: st.DataObject
) -> None:
    ruleset = ruleset_for(conditions)
    plan = ruleset.plan
    for facts in intakes:
        values, unanswered = plan.run(facts)
        for k, node in enumerate(plan.nodes):
            assert values[plan.slot[k]] == reference(node, facts), node
        assert plan.fired(facts) == [rule.id for rule in ruleset.rules if reference(rule.when, facts)]
        assert {f for (f, _), m in zip(plan.facts, unanswered, strict=True) if m} == {
            f for f, _ in plan.facts if answered_value(Compare(f, _kind(ruleset, f), "answered", True), facts.get(f)) is None
        }
        blank = set(data.draw(st.sets(st.sampled_from([f for f, _ in plan.facts]))))
        blank = {f for f in blank if answered_value(Compare(f, _kind(ruleset, f), "answered", True), facts.get(f)) is None}
        outcomes = Outcomes(plan, values, {f: ["q"] for f in blank})
        for k, node in enumerate(plan.nodes):
            expected = kleene(node, facts, blank)
            assert outcomes.undecided(k) == (expected is None), node
            if expected is not None:
                assert outcomes.value(k) == expected
        for i, rule in enumerate(ruleset.rules):
            assert outcomes.undecided_facts(i) == still_needed(rule.when, facts, blank)
        assert outcomes.undecided_rules() == [
            i for i, rule in enumerate(ruleset.rules) if kleene(rule.when, facts, blank) is None
        ]


def _kind(ruleset: Any, fact: str) -> str:
    return str(ruleset.facts[fact].kind)


@settings(max_examples=30, derandomize=True, deadline=None)
@given(st.integers(0, 10**6), st.floats(0.2, 1.0))
def test_default_ruleset_paths_agree_with_the_reference_on_synthetic_intakes(seed: int, rate: float) -> None:
    ruleset = DEFAULT
    answers = random_intake(ruleset.questionnaire, random.Random(seed), ON, answer_rate=rate)
    facts = facts_for_rules(answers, ON)
    expected = [rule.id for rule in ruleset.rules if reference(rule.when, facts)]
    assert fired_rules(ruleset, answers, ON) == expected
    result = evaluate(ruleset, answers, on=ON)
    assert list(result.fired_rules) == expected
    assert result == evaluate(ruleset, answers, on=ON)  # deterministic


DEFAULT = load_ruleset()
