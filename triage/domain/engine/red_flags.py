"""The red-flag pass: only a ruleset's red-flag rules, compiled once per ruleset, run on the answers so far.

A full explained evaluation builds evidence, scores and text the patient side never needs; saving a step
only has to know which red flags stand, and how urgent each is. The red-flag rules are compiled into their
own plan (the same code generator as the full ruleset, so they fire exactly when `evaluate` says they do),
kept per ruleset content hash.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.flag_groups import flag_order
from triage.domain.engine.plan import Plan, compile_plan
from triage.domain.engine.ruleset import Ruleset
from triage.domain.engine.schema import DEFAULT_PRIORITY
from triage.domain.questionnaire.derived import DerivedFact, derived_reading, facts_reading
from triage.domain.scales import Urgency

CACHE_SIZE = 8
_plans: OrderedDict[str, RedFlagPlan] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Flag:
    """One red flag that stands: the rule's id and its urgency tier (never its title: that is triage output)."""

    rule_id: str
    urgency: Urgency


@dataclass(frozen=True)
class RedFlagPlan:
    """The red-flag rules of one ruleset, compiled, with each rule's urgency, priority and place in the ruleset."""

    sha256: str
    plan: Plan
    flags: tuple[Flag, ...]
    positions: tuple[int, ...]
    priorities: tuple[int, ...] = ()
    derived: tuple[DerivedFact, ...] = ()  # the derived facts the red-flag rules read: the only ones computed

    def fired(self, facts: Mapping[str, Any]) -> tuple[Flag, ...]:
        """The red flags that stand for these facts in the order `evaluate` lists them: tier, priority, ruleset order."""
        priorities = self.priorities or (DEFAULT_PRIORITY,) * len(self.flags)
        standing = [
            (flag_order(self.flags[i].urgency, priorities[i], self.positions[i]), self.flags[i])
            for i in self.plan.fired_positions(facts)
        ]
        return tuple(flag for _, flag in sorted(standing, key=lambda item: item[0]))


def compile_red_flags(ruleset: Ruleset) -> RedFlagPlan:
    """Compile a ruleset's red-flag rules on their own (use `red_flag_plan` for the cached one)."""
    chosen = [(index, rule) for index, rule in enumerate(ruleset.rules) if rule.kind == "red_flag"]
    kinds = {fact_id: fact.kind for fact_id, fact in ruleset.facts.items()}
    plan = compile_plan([(rule.id, rule.when) for _, rule in chosen], kinds)
    return RedFlagPlan(
        sha256=ruleset.sha256,
        plan=plan,
        flags=tuple(Flag(rule.id, Urgency(rule.urgency)) for _, rule in chosen),
        positions=tuple(index for index, _ in chosen),
        priorities=tuple(rule.priority for _, rule in chosen),
        derived=derived_reading(fact for fact, _ in plan.facts),
    )


def red_flag_plan(ruleset: Ruleset) -> RedFlagPlan:
    """The compiled red-flag rules of a ruleset, built once per content hash and kept for the process."""
    with _lock:
        found = _plans.get(ruleset.sha256)
        if found is not None:
            _plans.move_to_end(ruleset.sha256)
            return found
    built = compile_red_flags(ruleset)
    with _lock:
        _plans[ruleset.sha256] = built
        while len(_plans) > CACHE_SIZE:
            _plans.popitem(last=False)
    return built


def red_flags(ruleset: Ruleset, answers: Mapping[str, Any], on: dt.date | None = None) -> tuple[Flag, ...]:
    """The red flags that stand for these typed answers (the answers so far are enough), most urgent first."""
    found = red_flag_plan(ruleset)
    return found.fired(facts_reading(answers, on or dt.date.today(), found.derived))


def by_urgency(flags: Iterable[Flag]) -> dict[Urgency, tuple[str, ...]]:
    """The rule ids of the flags, per urgency tier, in the order given."""
    tiers: dict[Urgency, list[str]] = {}
    for flag in flags:
        tiers.setdefault(flag.urgency, []).append(flag.rule_id)
    return {tier: tuple(ids) for tier, ids in tiers.items()}


def flags_of_result(red_flags_data: Iterable[Mapping[str, Any]]) -> tuple[Flag, ...]:
    """The flags of a stored result's `red_flags` list (as `Result.to_dict` writes it); unknown tiers are skipped."""
    flags = []
    for item in red_flags_data:
        rule_id, urgency = item.get("id"), item.get("urgency")
        if isinstance(rule_id, str) and urgency in Urgency.flag_tiers():
            flags.append(Flag(rule_id, Urgency(urgency)))
    return tuple(flags)
