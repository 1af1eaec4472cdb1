"""The engine's unoptimised paths, kept as the reference the optimised ones must agree with (property tests).

The three-valued pass walks the distinct nodes in Python with codes 0/1/2 (as the engine did before the
pass was generated), and the blanks are found question by question with `unanswered_questions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.facts import unanswered_questions
from triage.domain.engine.plan import OP_ALL, OP_ANSWERED, OP_ANY, OP_COMPARE, OP_NOT, Plan

UNDECIDED = 1


def kleene_at_least(n: int, codes: list[int]) -> int:
    """Three-valued 'at least n of' over codes 0 (false), 1 (undecided), 2 (true)."""
    true, undecided = codes.count(2), codes.count(UNDECIDED)
    return 2 if true >= n else (0 if true + undecided < n else UNDECIDED)


def reference_blanks(ruleset: Any, unanswered: tuple[bool, ...], answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """For each unanswered fact, the shown-but-blank questions behind it (facts without any left out)."""
    blanks = {}
    for (fact, _), blank in zip(ruleset.plan.facts, unanswered, strict=True):
        if blank:
            questions = unanswered_questions(ruleset.facts[fact], ruleset.questionnaire, answers)
            if questions:
                blanks[fact] = questions
    return blanks


def reference_codes(
    plan: Plan, values: tuple[bool, ...], missing: Mapping[str, Any]
) -> tuple[dict[int, int], dict[int, frozenset[str]]]:
    """Kleene codes of the distinct nodes that read a blank fact, and the blank facts each undecided one depends on."""
    relevant = sorted({s for fact in missing for s in plan.slots_reading.get(fact, ())})
    codes: dict[int, int] = {}
    reach: dict[int, frozenset[str]] = {}
    for s in relevant:
        op = plan.slot_ops[s]
        if op == OP_COMPARE:
            codes[s] = UNDECIDED
            reach[s] = plan.slot_facts[s]
            continue
        if op == OP_ANSWERED:
            codes[s] = 2 if values[s] else 0
            continue
        kids = [codes[c] if c in codes else (2 if values[c] else 0) for c in plan.slot_children[s]]
        if op == OP_NOT:
            code = 2 - kids[0]
        elif op == OP_ALL:
            code = min(kids)
        elif op == OP_ANY:
            code = max(kids)
        else:
            code = kleene_at_least(plan.slot_nodes[s].n, kids)  # type: ignore[union-attr]
        codes[s] = code
        if code == UNDECIDED:
            reach[s] = frozenset().union(*(reach[c] for c, k in zip(plan.slot_children[s], kids, strict=True) if k == UNDECIDED))
    return codes, reach


def reference_undecided(plan: Plan, values: tuple[bool, ...], blanks: Mapping[str, Any]) -> dict[int, frozenset[str]]:
    """Each undecided rule's index with the blank facts it still depends on."""
    codes, reach = reference_codes(plan, values, blanks)
    candidates = {rule for fact in blanks for rule in plan.rules_reading.get(fact, ())}
    undecided = sorted(rule for rule in candidates if codes.get(plan.slot[plan.roots[rule]]) == UNDECIDED)
    return {rule: reach.get(plan.slot[plan.roots[rule]], frozenset()) for rule in undecided}
