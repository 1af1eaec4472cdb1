"""The incremental impact calculation agrees with evaluating every intake in full, for many kinds of one-rule change."""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from triage.domain.engine.evaluate import Ruleset, RulesetError, evaluate, load_ruleset, load_ruleset_from_documents
from triage.domain.engine.impact import (
    DraftImpact,
    ImpactReport,
    IntakeImpact,
    Scorer,
    change_set,
    compare_summaries,
    summary_of_result,
)
from triage.domain.questionnaire.questions import default_questionnaire
from triage.domain.questionnaire.synthetic import random_intake

ON = dt.date(2026, 11, 1)
BASE = load_ruleset()
Documents = dict[str, Any]


def _intakes(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [random_intake(default_questionnaire(), rng, ON, answer_rate=rng.choice([0.5, 0.9])) for _ in range(count)]


INTAKES = _intakes(60, 7)


def rules_of(documents: Documents) -> list[dict[str, Any]]:
    """Every rule dict of the documents (mutable, in file order)."""
    return [rule for name, doc in sorted(documents.items()) if name != "ruleset.yaml" for rule in doc["rules"]]


def reweigh(documents: Documents, rng: random.Random) -> None:
    """Change one differential rule's weight."""
    rule = rng.choice([r for r in rules_of(documents) if r["kind"] == "differential"])
    rule["weight"] = rng.choice([w for w in range(-10, 11) if w not in (0, rule["weight"])])


def flip_kind(documents: Documents, rng: random.Random) -> None:
    """Turn one caveat into a red flag (its effect changes, its condition does not)."""
    rule = rng.choice([r for r in rules_of(documents) if r["kind"] == "caveat"])
    rule.update(kind="red_flag", urgency=rng.choice(["soon", "urgent", "emergency"]), action="Act.")


def negate(documents: Documents, rng: random.Random) -> None:
    """Put NOT around one rule's condition."""
    rule = rng.choice(rules_of(documents))
    rule["when"] = {"not": rule["when"]}


def retire(documents: Documents, rng: random.Random) -> None:
    """Remove one rule that uses no parameter (so the ruleset stays valid)."""
    candidates = [
        (name, r)
        for name, doc in documents.items()
        if name != "ruleset.yaml"
        for r in doc["rules"]
        if "param" not in repr(r["when"])
    ]
    name, rule = rng.choice(candidates)
    documents[name]["rules"].remove(rule)


def add_rule(documents: Documents, rng: random.Random) -> None:
    """Add a red flag and a differential rule on common answers."""
    documents["celiac.yaml"]["rules"].append(
        {
            **rules_of(documents)[0],
            "id": "new_red_flag",
            "kind": "red_flag",
            "urgency": "soon",
            "action": "Act.",
            "when": {"question": "symptoms", "includes": "bloating"},
        }
    )
    for key in ("differential", "weight"):
        documents["celiac.yaml"]["rules"][-1].pop(key, None)
    documents["ibd.yaml"]["rules"].append(
        {
            **rules_of(documents)[0],
            "id": "new_weight",
            "kind": "differential",
            "differential": "ibs",
            "weight": rng.choice([3, 6]),
            "when": {"question": "smoking", "equals": "never"},
        }
    )


def move_threshold(documents: Documents, rng: random.Random) -> None:
    """Change one differential's thresholds and whether red flags hold it back."""
    differential = rng.choice(documents["ruleset.yaml"]["differentials"])
    low = rng.randint(1, 4)
    differential["thresholds"] = {"low": low, "moderate": low + rng.randint(1, 3), "high": low + rng.randint(4, 8)}
    differential["held_back_by_red_flags"] = not differential.get("held_back_by_red_flags", False)


def change_parameter(documents: Documents, rng: random.Random) -> None:
    """Change one age parameter (every rule using it changes its condition)."""
    parameters = documents["ruleset.yaml"]["parameters"]
    name = rng.choice([n for n, p in parameters.items() if p.get("unit") == "years"])
    parameters[name]["value"] = rng.choice([35, 45, 65])


def _comparisons(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict) and "question" in node:
        return [node]
    if isinstance(node, dict):
        return [c for body in node.values() for c in _comparisons(body)]
    if isinstance(node, list):
        return [c for item in node for c in _comparisons(item)]
    return []


def nudge(documents: Documents, rng: random.Random) -> None:
    """Move one number in one comparison, or pick another choice: the rule keeps its shape."""
    rule = rng.choice(
        [
            r
            for r in rules_of(documents)
            if any(isinstance(c.get("gte", c.get("lte", c.get("equals"))), (int, str)) for c in _comparisons(r["when"]))
        ]
    )
    node = rng.choice(
        [c for c in _comparisons(rule["when"]) if isinstance(c.get("gte", c.get("lte", c.get("equals"))), (int, str))]
    )
    op = next(k for k in ("gte", "lte", "equals") if k in node)
    if isinstance(node[op], bool) or not isinstance(node[op], int):
        fact = BASE.facts[node["question"]]
        node[op] = rng.choice(list(fact.choices) or [node[op]]) if isinstance(node[op], str) else not node[op]
    else:
        node[op] = max(0, node[op] + rng.choice([-3, -1, 1, 2, 5]))


CHANGES: list[Callable[[Documents, random.Random], None]] = [
    reweigh,
    flip_kind,
    negate,
    retire,
    add_rule,
    move_threshold,
    change_parameter,
    nudge,
]


def full_impact(old: Ruleset, new: Ruleset, intakes: list[dict[str, Any]]) -> list[IntakeImpact]:
    """The oracle: evaluate every intake in full with both rulesets."""
    found = []
    for i, answers in enumerate(intakes):
        before = summary_of_result(evaluate(old, answers, on=ON).to_dict())
        after = summary_of_result(evaluate(new, answers, on=ON).to_dict())
        impact = compare_summaries(i, i, before, after)
        if impact is not None:
            found.append(impact)
    return found


def fast_impact(old: Ruleset, new: Ruleset, intakes: list[dict[str, Any]]) -> list[IntakeImpact]:
    """The incremental path, from each intake's stored fired rules and only the answers the changed rules read."""
    calculator = DraftImpact(new, old)
    found = []
    for i, answers in enumerate(intakes):
        fired = json.dumps(list(evaluate(old, answers, on=ON).fired_rules))
        needed = {k: v for k, v in answers.items() if k in calculator.changes.questions}
        impact = calculator.compare_stored(i, i, fired, needed, ON)
        if impact is not None:
            found.append(impact)
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.sampled_from(CHANGES), st.integers(0, 10_000))
def test_the_fast_path_agrees_with_full_evaluation(change: Callable[[Documents, random.Random], None], seed: int) -> None:
    documents = copy.deepcopy(BASE.documents)
    change(documents, random.Random(seed))
    try:
        new = load_ruleset_from_documents(documents)
    except RulesetError:
        assume(False)  # e.g. a parameter moved past the other end of a 'between'
    assert fast_impact(BASE, new, INTAKES) == full_impact(BASE, new, INTAKES)


def test_the_scorer_ranks_exactly_as_the_result_builder() -> None:
    scorer = Scorer(BASE)
    for answers in _intakes(200, 11):
        result = evaluate(BASE, answers, on=ON)
        assert scorer.summary(result.fired_rules) == summary_of_result(result.to_dict())


def test_a_one_rule_change_re_evaluates_one_rule_reading_only_its_answers() -> None:
    documents = copy.deepcopy(BASE.documents)
    rule = next(r for r in rules_of(documents) if r["id"] == "cd_iron_deficiency")
    rule["weight"] = 1
    changes = change_set(BASE, load_ruleset_from_documents(documents))
    assert changes.reevaluate == () and changes.effect == frozenset({"cd_iron_deficiency"}) and changes.questions == frozenset()
    rule["when"] = {"question": "known_anaemia", "one_of": ["iron_deficiency", "b12_deficiency"]}
    changes = change_set(BASE, load_ruleset_from_documents(documents))
    assert changes.reevaluate == ("cd_iron_deficiency",) and changes.questions == frozenset({"known_anaemia"})
    assert changes.dropped == frozenset({"cd_iron_deficiency"})


def test_age_facts_read_the_date_of_birth_and_need_the_intake_date() -> None:
    documents = copy.deepcopy(BASE.documents)
    documents["ruleset.yaml"]["parameters"]["upper_gi_cancer_age"]["value"] = 40
    calculator = DraftImpact(load_ruleset_from_documents(documents), BASE)
    assert "date_of_birth" in calculator.changes.questions and "age_years" in calculator.changes.facts


@pytest.mark.parametrize(
    ("before", "after", "counts"),
    [
        ((frozenset(), "ibs", {"ibs": "high"}), (frozenset({"rf"}), "ibs", {"ibs": "high"}), (1, 0, 0, 0)),
        ((frozenset({"rf"}), "ibs", {"ibs": "high"}), (frozenset(), "gerd", {"gerd": "low", "ibs": "low"}), (0, 1, 1, 1)),
    ],
)
def test_the_report_counts_each_kind_of_change(
    before: tuple[Any, ...], after: tuple[Any, ...], counts: tuple[int, int, int, int]
) -> None:
    from triage.domain.engine.impact import Summary

    impact = compare_summaries(1, 1, Summary(*before), Summary(*after))
    assert impact is not None
    report = ImpactReport(1, (impact,))
    assert (report.flags_gained, report.flags_lost, report.top_changed, report.level_changed) == counts
    assert compare_summaries(1, 1, Summary(*before), Summary(*before)) is None


def test_a_changed_comparison_is_probed_before_the_rest_of_its_rule_is_read() -> None:
    documents = copy.deepcopy(BASE.documents)
    documents["ruleset.yaml"]["parameters"]["upper_gi_cancer_age"]["value"] = 50
    calculator = DraftImpact(load_ruleset_from_documents(documents), BASE)
    changes = calculator.changes
    assert changes.full == () and changes.probed and all(len(pairs) == 1 for pairs in changes.probed.values())
    assert changes.first_questions == frozenset({"date_of_birth"})
    rules = frozenset(changes.probed)
    assert calculator.more_questions(rules) > {"date_of_birth"}
    assert calculator.differing({"date_of_birth": "1974-06-01"}, ON) == rules  # 52: over the new age, under the old one
    assert calculator.differing({"date_of_birth": "1940-06-01"}, ON) == frozenset()
    assert calculator.reads_dates
