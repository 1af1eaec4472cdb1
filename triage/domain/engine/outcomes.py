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
from itertools import compress
from typing import Any

from triage.domain.engine.facts import Fact
from triage.domain.engine.gap_pass import gap_pass
from triage.domain.engine.plan import Plan
from triage.domain.questionnaire.questions import Question, Questionnaire


def fact_questions(plan: Plan, facts: Mapping[str, Fact], questionnaire: Questionnaire) -> dict[str, tuple[Question, ...]]:
    """For each fact the plan reads, the questions of the questionnaire behind it, in the order the fact lists them."""
    by_id = questionnaire.by_id
    return {fact: tuple(by_id[q] for q in facts[fact].reads if q in by_id) for fact, _ in plan.facts if fact in facts}


# Per fact of a plan (in the plan's order): its id and, for each question behind it, the question's id and the
# condition that shows it (None: always shown). Worked out once per ruleset (blank_reads).
BlankReads = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


def blank_reads(plan: Plan, reads: Mapping[str, tuple[Question, ...]]) -> BlankReads:
    """What blank_questions needs of each fact of the plan, in the plan's order."""
    return tuple((fact, tuple((q.id, q.shown_when) for q in reads.get(fact, ()))) for fact, _ in plan.facts)


def blank_questions(
    plan: Plan,
    unanswered: tuple[bool, ...],
    reads: Mapping[str, tuple[Question, ...]],
    answers: Mapping[str, Any],
    aligned: BlankReads = (),
) -> dict[str, list[str]]:
    """For each unanswered fact of the plan, the questions behind it the patient was shown but left blank (if any).

    `reads` gives each fact's questions (those of the questionnaire, in the order the fact lists them); `aligned` is
    the same as blank_reads gives it, when worked out already. A question several facts read is looked at once.
    """
    if len(unanswered) != len(plan.facts):
        raise ValueError("one unanswered flag per fact of the plan is needed")
    blanks: dict[str, list[str]] = {}
    seen: dict[str, bool] = {}
    get = answers.get
    for fact, questions in compress(aligned or blank_reads(plan, reads), unanswered):  # answered facts skipped in C
        found: list[str] | None = None
        for question, shown_when in questions:
            shown_blank = seen.get(question)
            if shown_blank is None:
                value = get(question)
                # As Question.is_shown decides it, without a method call per question.
                shown_blank = seen[question] = (value is None or value == "" or value == []) and (
                    shown_when is None or shown_when.holds(answers)
                )
            if shown_blank:
                if found is None:
                    found = blanks[fact] = []
                found.append(question)
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
        aligned = getattr(ruleset, "blank_reads", ())
        return cls(plan, values, blank_questions(plan, unanswered, reads, answers, aligned))

    def value(self, k: int) -> bool:
        """Whether node k holds."""
        return self.values[self.plan.slot[k]]

    def undecided(self, k: int) -> bool:
        """Whether node k's outcome depends on a question left blank."""
        return self._reach is not None and self._reach[self.plan.slot[k]] != 0

    def undecided_rules(self) -> list[int]:
        """The rules whose outcome depends on a question left blank, in ruleset order."""
        return [] if self._reach is None else self.plan.fired_indexes(self._reach)

    def hanging_rules(self) -> dict[frozenset[str], list[int]]:
        """The undecided rules grouped by the blank facts they still depend on: each group's rules in ruleset order,
        the groups in the order of their first rule (as undecided_rules and undecided_facts would group them)."""
        if self._reach is None or self._pass is None:
            return {}
        by_bits: dict[int, list[int]] = {}
        roots = self.plan.root_values(self._reach)
        # Only the undecided rules are visited (the decided ones are skipped in C); grouping by the number first spares
        # a method call and a decode per rule.
        for index in compress(range(len(roots)), roots):
            bits = roots[index]
            found = by_bits.get(bits)
            if found is None:
                by_bits[bits] = [index]
            else:
                found.append(index)
        facts_of = self._pass.facts_of
        return {facts_of(bits): indexes for bits, indexes in by_bits.items()}

    def undecided_facts(self, rule: int) -> frozenset[str]:
        """Facts of comparisons an undecided rule still depends on (reached only through undecided nodes)."""
        if self._reach is None or self._pass is None:
            return frozenset()
        bits = self._reach[self.plan.slot[self.plan.roots[rule]]]
        found = self._facts_of.get(bits)
        if found is None:  # rules that hang on the same blanks share one set
            found = self._facts_of[bits] = self._pass.facts_of(bits)
        return found
