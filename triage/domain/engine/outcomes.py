"""The recorded outcome of every condition node for one intake, and which rules are still undecided.

`value(k)` is the outcome that decides firing: a comparison on an unanswered question is false,
and `not` turns that into true. Three-valued (Kleene) codes tell whether an outcome depends on a
question the patient was shown but left blank: 0 known false, 1 undecided, 2 known true; with
that order `all` is the minimum, `any` the maximum and `not` is 2 - code. A question that was
not shown (a follow-up that does not apply) counts as known. Codes are worked out once per
distinct sub-condition, only for those that read a blank question; that is how the result lists
the questions to ask at the visit.
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


def _codes(plan: Plan, values: tuple[bool, ...], missing: Mapping[str, Any]) -> tuple[dict[int, int], dict[int, frozenset[str]]]:
    """Kleene codes of the distinct nodes that read a blank fact (every other node is known), and for each
    undecided node the blank facts it still depends on, reached only through undecided nodes."""
    relevant = sorted({s for fact in missing for s in plan.slots_reading.get(fact, ())})
    codes: dict[int, int] = {}
    reach: dict[int, frozenset[str]] = {}
    for s in relevant:  # distinct nodes are numbered children first
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


class Outcomes:
    """Every condition node's outcome for one intake, with three-valued codes where a blank is read."""

    def __init__(self, plan: Plan, values: tuple[bool, ...], blanks: Mapping[str, list[str]]):
        self.plan = plan
        self.values = values
        self.blanks = blanks  # fact -> the shown-but-unanswered questions behind it
        self.codes, self._reach = _codes(plan, values, blanks) if blanks else ({}, {})

    @classmethod
    def of(cls, ruleset: Any, facts: Mapping[str, Any], answers: Mapping[str, Any]) -> Outcomes:
        """Evaluate every rule's condition for these facts (answers decide which blanks were shown)."""
        plan: Plan = ruleset.plan
        values, unanswered = plan.run(facts)
        blanks = {}
        for (fact, _), blank in zip(plan.facts, unanswered, strict=True):
            if blank:
                questions = unanswered_questions(ruleset.facts[fact], ruleset.questionnaire, answers)
                if questions:
                    blanks[fact] = questions
        return cls(plan, values, blanks)

    def value(self, k: int) -> bool:
        """Whether node k holds."""
        return self.values[self.plan.slot[k]]

    def undecided(self, k: int) -> bool:
        """Whether node k's outcome depends on a question left blank."""
        return self.codes.get(self.plan.slot[k]) == UNDECIDED

    def undecided_rules(self) -> list[int]:
        """The rules whose outcome depends on a question left blank, in ruleset order."""
        plan, codes = self.plan, self.codes
        candidates = {rule for fact in self.blanks for rule in plan.rules_reading.get(fact, ())}
        return sorted(rule for rule in candidates if codes.get(plan.slot[plan.roots[rule]]) == UNDECIDED)

    def undecided_facts(self, rule: int) -> frozenset[str]:
        """Facts of comparisons an undecided rule still depends on (reached only through undecided nodes)."""
        return self._reach.get(self.plan.slot[self.plan.roots[rule]], frozenset())
