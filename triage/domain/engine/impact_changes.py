"""What a draft changes relative to an older ruleset, rule by rule, as far as stored results are concerned."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.nodes import AtLeast, Compare, Node, NotOf, facts_read
from triage.domain.engine.ruleset import Ruleset


def _effect(ruleset: Ruleset) -> dict[str, tuple[Any, ...]]:
    return {r.id: (r.kind, r.differential, r.weight, r.urgency) for r in ruleset.rules}


def _changed_differentials(old: Ruleset, new: Ruleset) -> set[str]:
    old_d = {d.id: (i, d.thresholds, d.held_back_by_red_flags) for i, d in enumerate(old.differentials)}
    new_d = {d.id: (i, d.thresholds, d.held_back_by_red_flags) for i, d in enumerate(new.differentials)}
    return {d for d in set(old_d) | set(new_d) if old_d.get(d) != new_d.get(d)}


Pair = tuple[Compare, Compare]


def changed_comparisons(old: Node, new: Node) -> list[Pair] | None:
    """The comparisons that differ between two conditions of the same shape; None when the shapes differ.

    With the same shape, a rule's outcome is a fixed function of its comparisons' outcomes, so it can
    only change for an intake on which some changed comparison decides differently.
    """
    if isinstance(old, Compare) and isinstance(new, Compare):
        return [] if old == new else [(old, new)]
    if type(old) is not type(new):
        return None
    if isinstance(old, NotOf) and isinstance(new, NotOf):
        return changed_comparisons(old.item, new.item)
    if isinstance(old, AtLeast) and isinstance(new, AtLeast) and old.n != new.n:
        return None
    old_items, new_items = getattr(old, "items", ()), getattr(new, "items", ())
    if len(old_items) != len(new_items):
        return None
    found: list[Pair] = []
    for a, b in zip(old_items, new_items, strict=True):
        pairs = changed_comparisons(a, b)
        if pairs is None:
            return None
        found += pairs
    return found


def questions_of(ruleset: Ruleset, facts: Iterable[str]) -> frozenset[str]:
    """The answers these facts are computed from."""
    return frozenset(q for f in facts for q in ruleset.facts[f].reads)


@dataclass(frozen=True)
class ChangeSet:
    """What a draft changes relative to one older version, as far as results are concerned."""

    reevaluate: tuple[str, ...]  # draft rules whose condition is new or different
    full: tuple[str, ...]  # ...evaluated again for every intake (new rules, or a condition of another shape)
    probed: Mapping[str, tuple[Pair, ...]]  # ...evaluated again only where a changed comparison decides differently
    dropped: frozenset[str]  # old rules that are gone, or whose stored outcome may no longer count
    effect: frozenset[str]  # old rules whose firing now weighs differently (kind, weight, urgency, differential)
    facts: frozenset[str]  # every fact the re-evaluated rules read
    questions: frozenset[str]  # the answers those facts are computed from
    first_questions: frozenset[str]  # the answers read for every intake (full rules and changed comparisons)


def change_set(old: Ruleset, new: Ruleset) -> ChangeSet:
    """Compare two rulesets rule by rule for what can change a result."""
    old_rules = {r.id: r for r in old.rules}
    reevaluate = tuple(r.id for r in new.rules if r.id not in old_rules or old_rules[r.id].when != r.when)
    probed = {
        r: tuple(pairs)
        for r in reevaluate
        if r in old_rules and (pairs := changed_comparisons(old_rules[r].when, new.rule(r).when))
    }
    full = tuple(r for r in reevaluate if r not in probed)
    dropped = frozenset(set(old_rules) - {r.id for r in new.rules}) | frozenset(r for r in reevaluate if r in old_rules)
    old_effect, new_effect = _effect(old), _effect(new)
    effect = {r for r, value in old_effect.items() if new_effect.get(r) != value}
    touched = _changed_differentials(old, new)
    effect |= {r.id for r in old.rules if r.kind == "differential" and r.differential in touched}
    facts = frozenset(f for rule_id in reevaluate for f in facts_read(new.rule(rule_id).when))
    probe_facts = {c.fact for pairs in probed.values() for pair in pairs for c in pair}
    first = questions_of(new, [f for r in full for f in facts_read(new.rule(r).when)]) | questions_of(new, probe_facts)
    return ChangeSet(reevaluate, full, probed, dropped, frozenset(effect), facts, questions_of(new, facts), first)
