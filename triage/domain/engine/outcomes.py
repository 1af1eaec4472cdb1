"""The recorded outcome of every condition node for one intake, and which rules are still undecided.

`value(k)` is the outcome that decides firing: a comparison on an unanswered question is false,
and `not` turns that into true. Three-valued (Kleene) codes tell whether an outcome depends on a
question the patient was shown but left blank: 0 known false, 1 undecided, 2 known true; with
that order `all` is the minimum, `any` the maximum and `not` is 2 - code. A question that was
not shown (a follow-up that does not apply) counts as known. Codes are worked out once per
distinct sub-condition by a generated function (gap_pass.py) the first time a plan meets a blank;
that is how the result lists the questions to ask at the visit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from triage.domain.engine.facts import Fact
from triage.domain.engine.gap_pass import gap_pass
from triage.domain.engine.plan import Plan
from triage.domain.questionnaire.questions import Question, Questionnaire


def fact_questions(plan: Plan, facts: Mapping[str, Fact], questionnaire: Questionnaire) -> dict[str, tuple[Question, ...]]:
    """For each fact the plan reads, the questions of the questionnaire behind it, in the order the fact lists them."""
    by_id = questionnaire.by_id
    return {fact: tuple(by_id[q] for q in facts[fact].reads if q in by_id) for fact, _ in plan.facts if fact in facts}


def blank_questions(
    plan: Plan, unanswered: tuple[bool, ...], reads: Mapping[str, tuple[Question, ...]], answers: Mapping[str, Any]
) -> dict[str, list[str]]:
    """For each unanswered fact of the plan, the questions behind it the patient was shown but left blank (if any).

    `reads` gives each fact's questions (those of the questionnaire, in the order the fact lists them); a
    question several facts read is looked at once.
    """
    blanks: dict[str, list[str]] = {}
    seen: dict[str, bool] = {}
    for (fact, _), blank in zip(plan.facts, unanswered, strict=True):
        if not blank:
            continue
        questions = []
        for question in reads.get(fact, ()):
            shown_blank = seen.get(question.id)
            if shown_blank is None:
                value = answers.get(question.id)
                shown_blank = seen[question.id] = (value is None or value == "" or value == []) and question.is_shown(answers)
            if shown_blank:
                questions.append(question.id)
        if questions:
            blanks[fact] = questions
    return blanks


class Outcomes:
    """Every condition node's outcome for one intake, and where a blank is read, what it leaves undecided."""

    def __init__(self, plan: Plan, values: tuple[bool, ...], blanks: Mapping[str, list[str]]):
        self.plan = plan
        self.values = values
        self.blanks = blanks  # fact -> the shown-but-unanswered questions behind it
        self._pass = gap_pass(plan) if blanks else None
        # Per distinct node, the bit set of the blank facts its outcome still depends on (0: decided).
        self._reach = self._pass.reach(values, blanks) if self._pass is not None else None
        self._facts_of: dict[int, frozenset[str]] = {}

    @classmethod
    def of(cls, ruleset: Any, facts: Mapping[str, Any], answers: Mapping[str, Any]) -> Outcomes:
        """Evaluate every rule's condition for these facts (answers decide which blanks were shown)."""
        plan: Plan = ruleset.plan
        values, unanswered = plan.run(facts)
        reads = ruleset.fact_questions or fact_questions(plan, ruleset.facts, ruleset.questionnaire)
        return cls(plan, values, blank_questions(plan, unanswered, reads, answers))

    def value(self, k: int) -> bool:
        """Whether node k holds."""
        return self.values[self.plan.slot[k]]

    def undecided(self, k: int) -> bool:
        """Whether node k's outcome depends on a question left blank."""
        return self._reach is not None and self._reach[self.plan.slot[k]] != 0

    def undecided_rules(self) -> list[int]:
        """The rules whose outcome depends on a question left blank, in ruleset order."""
        return [] if self._reach is None else self.plan.fired_indexes(self._reach)

    def undecided_facts(self, rule: int) -> frozenset[str]:
        """Facts of comparisons an undecided rule still depends on (reached only through undecided nodes)."""
        if self._reach is None or self._pass is None:
            return frozenset()
        bits = self._reach[self.plan.slot[self.plan.roots[rule]]]
        found = self._facts_of.get(bits)
        if found is None:  # rules that hang on the same blanks share one set
            found = self._facts_of[bits] = self._pass.facts_of(bits)
        return found
