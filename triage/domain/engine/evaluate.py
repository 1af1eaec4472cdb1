"""The rules engine's public face: load a ruleset once, then evaluate intakes (fast or fully explained).

from triage.domain.engine.evaluate import load_ruleset, evaluate
ruleset = load_ruleset()                      # the bundled rules/, validated and compiled
result = evaluate(ruleset, answers, on=date)  # pure and deterministic
stored = result.to_dict()                     # JSON for the database; Result.from_dict reads it back
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from triage.domain.engine.builder import build_result
from triage.domain.engine.export import export_ruleset
from triage.domain.engine.facts import value_fits
from triage.domain.engine.nodes import AllOf, AnyOf, AtLeast, Compare, NotOf
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.result import Result
from triage.domain.engine.rule_files import Rule
from triage.domain.engine.ruleset import Ruleset, load_ruleset, load_ruleset_from_documents, read_ruleset_documents
from triage.domain.errors import RuleProblem, RulesetError

__all__ = [
    "Result",
    "Rule",
    "RuleProblem",
    "Ruleset",
    "RulesetError",
    "evaluate",
    "explain_rule",
    "export_ruleset",
    "fired_rules",
    "load_ruleset",
    "load_ruleset_from_documents",
    "read_ruleset_documents",
]

_OP_WORDS = {
    "equals": "is",
    "one_of": "is one of",
    "includes": "includes",
    "gte": "is at least",
    "lte": "is at most",
    "between": "is between",
    "answered": "was answered",
    "unanswered": "was left unanswered",
}


def fired_rules(ruleset: Ruleset, answers: Mapping[str, Any], on: dt.date | None = None) -> list[str]:
    """The fast path: ids of the rules that fire for these typed answers, in ruleset order."""
    return ruleset.plan.fired(ruleset.facts_of(answers, on or dt.date.today()))


def evaluate(ruleset: Ruleset, answers: Mapping[str, Any], on: dt.date | None = None) -> Result:
    """Evaluate typed answers (as validate_answers returns them) on a date; pure and deterministic.

    Answers of the wrong type for their question count as unanswered rather than raising.
    """
    on = on or dt.date.today()
    facts = ruleset.facts_of(answers, on)
    return build_result(ruleset, answers, facts, Outcomes.of(ruleset, facts, answers), on)


def _word(outcomes: Outcomes, k: int) -> str:
    word = "yes" if outcomes.value(k) else "no"
    return f"{word} (depends on an unanswered question)" if outcomes.undecided(k) else word


def _describe(node: Any, ruleset: Ruleset, facts: Mapping[str, Any]) -> str:
    if isinstance(node, Compare):
        fact = ruleset.facts[node.fact]
        value = facts.get(node.fact)
        given = fact.display(value if value_fits(fact.kind, value) else None)
        expected = "" if node.op in ("answered", "unanswered") else f" {_value_words(node.value)}"
        params = f" (parameter {', '.join(node.params)})" if node.params else ""
        return f"{node.fact} {_OP_WORDS[node.op]}{expected}{params} [patient: {given}]"
    if isinstance(node, AtLeast):
        return f"at least {node.n} of these"
    return {AllOf: "all of these", AnyOf: "any of these", NotOf: "not this"}[type(node)]


def _value_words(value: Any) -> str:
    if isinstance(value, tuple):
        return (
            " and ".join(str(v) for v in value)
            if len(value) == 2 and all(isinstance(v, (int, float)) for v in value)
            else ", ".join(map(str, value))
        )
    return str(value).lower() if isinstance(value, bool) else str(value)


def explain_rule(ruleset: Ruleset, rule_id: str, answers: Mapping[str, Any], on: dt.date | None = None) -> list[str]:
    """Every condition of one rule with its outcome for these answers, one line per condition (for rule authors)."""
    rule_index = next((i for i, rule in enumerate(ruleset.rules) if rule.id == rule_id), None)
    if rule_index is None:
        raise KeyError(rule_id)
    facts = ruleset.facts_of(answers, on or dt.date.today())
    outcomes = Outcomes.of(ruleset, facts, answers)
    lines: list[str] = []

    def walk(k: int, depth: int) -> None:
        """One line per node, indented by depth."""
        lines.append(f"{'  ' * depth}- {_describe(ruleset.plan.nodes[k], ruleset, facts)}: {_word(outcomes, k)}")
        for child in ruleset.plan.children[k]:
            walk(child, depth + 1)

    root = ruleset.plan.roots[rule_index]
    lines.append(f"rule {rule_id}: {'fires' if outcomes.value(root) else 'does not fire'}")
    walk(root, 1)
    return lines
