"""Which past intakes could read differently under a draft than under the published version, decided from the changed rules.

An intake's result is a function of the rules that fire for it, the rules still undecided on a blank
answer, the "not sure" answers the rules read, and each rule's effect. Rules identical in both versions
fire (and stay undecided) alike, so the two results can differ only when some changed rule fires, hangs
on a blank or reads a "not sure" under either version. Those rules alone are compiled (once) and run on
the few answers they read, plus those that decide whether their questions were shown (a blank is a
question shown and left unanswered); every intake they could touch is then evaluated in full with both
versions. A change outside the rules and differentials (a setting the screen does not know) makes every
intake a candidate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from triage.domain.engine.facts import unanswered_questions
from triage.domain.engine.impact_changes import questions_of
from triage.domain.engine.nodes import Compare, Node, NotOf, facts_read
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.plan import Plan, compile_plan
from triage.domain.engine.ruleset import Ruleset
from triage.domain.questionnaire.derived import derived_reading, facts_reading

HEADER = "ruleset.yaml"
# Header keys the screen understands: the version text and title change no result, a parameter's value is already
# part of every condition that uses it, and a changed differential touches its own rules. The note reads the same
# for every patient, so it is not a change to one patient's result.
KNOWN_HEADER_KEYS = frozenset({"version", "title", "note", "parameters", "differentials"})
# What the engine reads from a ruleset besides its rules (read by name: older rulesets may lack some of them).
ENGINE_SETTINGS = ("relevant_questions", "min_answered_questions", "question_order")
NOT_SURE = "not_sure"  # an alarm answer the result lists to ask at the visit whenever some rule reads it


def _without(document: Any, keys: Iterable[str]) -> Any:
    return {k: v for k, v in document.items() if k not in set(keys)} if isinstance(document, Mapping) else document


def _parameters_in_conditions(ruleset: Ruleset) -> set[str]:
    found: set[str] = set()
    stack: list[Node] = [rule.when for rule in ruleset.rules]
    while stack:
        node = stack.pop()
        if isinstance(node, Compare):
            found.update(node.params)
        else:
            stack.extend((node.item,) if isinstance(node, NotOf) else node.items)
    return found


def _engine_parameter_changed(published: Ruleset, draft: Ruleset) -> bool:
    """Whether a parameter that no condition uses (one the engine reads itself) was added, removed or changed."""
    used = _parameters_in_conditions(published) | _parameters_in_conditions(draft)
    old, new = published.parameters, draft.parameters
    return any(old.get(name) != new.get(name) for name in (set(old) | set(new)) - used)


def outside_rules_changed(published: Ruleset, draft: Ruleset) -> bool:
    """Whether anything but rules, differentials, parameters of conditions and header text differs (then every intake may)."""
    old, new = published.documents, draft.documents
    if _without(old.get(HEADER), KNOWN_HEADER_KEYS) != _without(new.get(HEADER), KNOWN_HEADER_KEYS):
        return True
    if _engine_parameter_changed(published, draft):
        return True
    if any(getattr(published, name, None) != getattr(draft, name, None) for name in ENGINE_SETTINGS):
        return True
    topics = (set(old) | set(new)) - {HEADER}
    return any(_without(old.get(name, {}), ("rules",)) != _without(new.get(name, {}), ("rules",)) for name in topics)


def changed_differentials(published: Ruleset, draft: Ruleset) -> frozenset[str]:
    """Differentials added, removed, moved in the ranking order, or changed in any setting (thresholds, name, hold-back)."""
    old = {d.id: (i, d) for i, d in enumerate(published.differentials)}
    new = {d.id: (i, d) for i, d in enumerate(draft.differentials)}
    return frozenset(d for d in set(old) | set(new) if old.get(d) != new.get(d))


def touched_rules(published: Ruleset, draft: Ruleset) -> frozenset[str]:
    """Rules added, removed or changed in any way, and every rule of a changed differential."""
    old = {r.id: r for r in published.rules}
    new = {r.id: r for r in draft.rules}
    touched = {r for r in set(old) | set(new) if old.get(r) != new.get(r)}
    differentials = changed_differentials(published, draft)
    touched |= {r.id for r in (*published.rules, *draft.rules) if r.kind == "differential" and r.differential in differentials}
    return frozenset(touched)


def _plan(ruleset: Ruleset, rules: frozenset[str]) -> Plan | None:
    chosen = [(r.id, r.when) for r in ruleset.rules if r.id in rules]
    if not chosen:
        return None
    return compile_plan(chosen, {fact_id: fact.kind for fact_id, fact in ruleset.facts.items()})


def _reads(ruleset: Ruleset, rules: frozenset[str]) -> frozenset[str]:
    """The answers these rules read, and the answers that decide whether those questions were shown (to tell a blank)."""
    read = questions_of(ruleset, [f for r in ruleset.rules if r.id in rules for f in facts_read(r.when)])
    by_id = ruleset.questionnaire.by_id
    questions = [by_id.get(i) for i in read]
    shown = {parent for q in questions if q is not None and q.shown_when is not None for parent in q.shown_when.questions}
    return read | shown


def _concerns(ruleset: Ruleset, plan: Plan, answers: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Whether any of the plan's rules fires, hangs on a question left blank, or reads a "not sure", for this intake."""
    values, unanswered = plan.run(facts)
    if plan.fired_indexes(values):
        return True
    if any(facts.get(fact) == NOT_SURE for fact, _kind in plan.facts):
        return True
    # The blanks exactly as the full evaluation finds them (Outcomes.of): shown, and left unanswered.
    blanks = {}
    for (fact, _kind), blank in zip(plan.facts, unanswered, strict=True):
        questions = unanswered_questions(ruleset.facts[fact], ruleset.questionnaire, answers) if blank else []
        if questions:
            blanks[fact] = questions
    return bool(blanks) and bool(Outcomes(plan, values, blanks).undecided_rules())


@dataclass
class Screen:
    """The changed rules of a draft against the published version, compiled once, to pick the intakes worth evaluating."""

    published: Ruleset
    draft: Ruleset
    everyone: bool = field(init=False)  # every intake must be evaluated in full
    touched: frozenset[str] = field(init=False)
    questions: frozenset[str] = field(init=False)  # the answers the screen reads

    def __post_init__(self) -> None:
        self.everyone = outside_rules_changed(self.published, self.draft)
        self.touched = touched_rules(self.published, self.draft)
        plans = ((r, _plan(r, self.touched)) for r in (self.published, self.draft))
        self._plans = tuple((ruleset, plan) for ruleset, plan in plans if plan is not None)
        # Only the derived facts the screen's rules read are computed (facts_for_rules gives the same values for them).
        self._derived = derived_reading(fact for _, plan in self._plans for fact, _ in plan.facts)
        self.questions = _reads(self.published, self.touched) | _reads(self.draft, self.touched)

    @property
    def nothing_changes(self) -> bool:
        """Whether no result can differ (the draft changes no rule, differential or setting a result depends on)."""
        return not self.everyone and not self.touched

    def may_change(self, answers: Mapping[str, Any], on: dt.date) -> bool:
        """Whether this intake (its answers as the rules read them, at least those in `questions`) may read differently."""
        if self.everyone:
            return True
        if not self._plans:
            return False
        facts = facts_reading(answers, on, self._derived)
        return any(_concerns(ruleset, plan, answers, facts) for ruleset, plan in self._plans)
