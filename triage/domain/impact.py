"""The impact of a draft ruleset on stored results, worked out from which rules fired rather than by evaluating everything again.

Every stored evaluation keeps the ids of the rules that fired. Against the version that made it,
a draft changes a few rules: only those are evaluated again, reading only the answers they use;
every other rule keeps its stored outcome. Scores, levels, ranks and red flags are then recomputed
from the fired set and the weights (the same arithmetic as the engine's result builder), and an
intake is compared only when its fired set changed or it fired a rule whose effect changed.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triage.domain.compile_plan import compile_plan
from triage.domain.conditions import AtLeast, Compare, Node, NotOf, facts_read
from triage.domain.derived import DERIVED_BY_ID, DerivedFact
from triage.domain.ruleset import Ruleset

NOT_LISTED = "not listed"


@dataclass(frozen=True)
class Summary:
    """What an impact count looks at: the red flags raised, the top differential and each listed differential's level."""

    red_flags: frozenset[str]
    top: str | None
    levels: Mapping[str, str]


class Scorer:
    """Recomputes a ruleset's summary from a set of fired rule ids, exactly as the result builder ranks them."""

    def __init__(self, ruleset: Ruleset):
        # rule id -> (differential, weight); a red flag has no differential.
        self.table: dict[str, tuple[str | None, int]] = {r.id: (None, 0) for r in ruleset.rules if r.kind == "red_flag"}
        self.table.update({r.id: (r.differential, r.weight) for r in ruleset.rules if r.kind == "differential"})
        self.position = {d.id: i for i, d in enumerate(ruleset.differentials)}
        self.held_back = {d.id: d.held_back_by_red_flags for d in ruleset.differentials}
        self.thresholds = {d.id: (d.thresholds.low, d.thresholds.moderate, d.thresholds.high) for d in ruleset.differentials}

    def _level(self, differential: str, score: int) -> str:
        low, moderate, high = self.thresholds[differential]
        return "high" if score >= high else "moderate" if score >= moderate else "low" if score >= low else "minimal"

    def summary(self, fired: Iterable[str]) -> Summary:
        """The summary of the result these fired rules give."""
        table = self.table
        score: dict[str, int] = {}
        pros: dict[str, int] = {}
        flags = []
        for rule_id in fired:
            entry = table.get(rule_id)
            if entry is None:
                continue
            differential, weight = entry
            if differential is None:
                flags.append(rule_id)
                continue
            score[differential] = score.get(differential, 0) + weight
            if weight > 0:
                pros[differential] = pros.get(differential, 0) + 1
        stand = bool(flags)
        held, position = self.held_back, self.position
        ranked = sorted((stand and held[d], -score[d], -count, position[d], d) for d, count in pros.items())
        top = ranked[0][4] if ranked and not ranked[0][0] else None
        return Summary(frozenset(flags), top, {key[4]: self._level(key[4], score[key[4]]) for key in ranked})


def summary_of_result(data: Mapping[str, Any]) -> Summary:
    """The summary of a stored result (Result.to_dict() shape)."""
    differentials = [d for d in data.get("differentials", []) if isinstance(d, Mapping)]
    first = differentials[0] if differentials else None
    top = str(first["id"]) if first is not None and not first.get("held_back") else None
    return Summary(frozenset(str(f["id"]) for f in data.get("red_flags", [])), top, {str(d["id"]): str(d["level"]) for d in differentials})


@dataclass(frozen=True)
class IntakeImpact:
    """How one intake's result would change under the draft."""

    intake_id: int
    evaluation_id: int
    flags_gained: tuple[str, ...]
    flags_lost: tuple[str, ...]
    old_top: str | None
    new_top: str | None
    level_changes: tuple[tuple[str, str, str], ...]  # (differential, old level, new level)

    @property
    def top_changed(self) -> bool:
        """Whether the first-ranked differential differs."""
        return self.old_top != self.new_top


def compare_summaries(intake_id: int, evaluation_id: int, before: Summary, after: Summary) -> IntakeImpact | None:
    """The change between two summaries of one intake, or None when they agree."""
    if before == after:
        return None
    names = list(dict.fromkeys([*before.levels, *after.levels]))
    levels = tuple(
        (d, before.levels.get(d, NOT_LISTED), after.levels.get(d, NOT_LISTED)) for d in names if before.levels.get(d) != after.levels.get(d)
    )
    return IntakeImpact(
        intake_id,
        evaluation_id,
        tuple(sorted(after.red_flags - before.red_flags)),
        tuple(sorted(before.red_flags - after.red_flags)),
        before.top,
        after.top,
        levels,
    )


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


def _questions(ruleset: Ruleset, facts: Iterable[str]) -> frozenset[str]:
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
    probed = {r: tuple(pairs) for r in reevaluate if r in old_rules and (pairs := changed_comparisons(old_rules[r].when, new.rule(r).when))}
    full = tuple(r for r in reevaluate if r not in probed)
    dropped = frozenset(set(old_rules) - {r.id for r in new.rules}) | frozenset(r for r in reevaluate if r in old_rules)
    old_effect, new_effect = _effect(old), _effect(new)
    effect = {r for r, value in old_effect.items() if new_effect.get(r) != value}
    touched = _changed_differentials(old, new)
    effect |= {r.id for r in old.rules if r.kind == "differential" and r.differential in touched}
    facts = frozenset(f for rule_id in reevaluate for f in facts_read(new.rule(rule_id).when))
    probe_facts = {c.fact for pairs in probed.values() for pair in pairs for c in pair}
    first = _questions(new, [f for r in full for f in facts_read(new.rule(r).when)]) | _questions(new, probe_facts)
    return ChangeSet(reevaluate, full, probed, dropped, frozenset(effect), facts, _questions(new, facts), first)


def _facts(answers: Mapping[str, Any], derived: Sequence[DerivedFact], on: dt.date) -> dict[str, Any]:
    facts: dict[str, Any] = dict(answers)
    for fact in derived:
        value = fact.compute(answers, on)
        if value is not None:
            facts[fact.id] = value
    return facts


def _derived(facts: Iterable[str]) -> tuple[DerivedFact, ...]:
    return tuple(DERIVED_BY_ID[f] for f in sorted(set(facts)) if f in DERIVED_BY_ID)


@dataclass
class DraftImpact:
    """The incremental evaluator of one draft against results stored by one older version."""

    draft: Ruleset
    old: Ruleset
    changes: ChangeSet = field(init=False)

    def __post_init__(self) -> None:
        self.changes = changes = change_set(self.old, self.draft)
        kinds = {fact_id: fact.kind for fact_id, fact in self.draft.facts.items()}
        old_kinds = {fact_id: fact.kind for fact_id, fact in self.old.facts.items()}
        self._full = compile_plan([(r, self.draft.rule(r).when) for r in changes.full], kinds) if changes.full else None
        self._rules = {r: compile_plan([(r, self.draft.rule(r).when)], kinds) for r in changes.probed}
        pairs = [(f"{r}#{i}", pair) for r, found in changes.probed.items() for i, pair in enumerate(found)]
        self._probe_old = compile_plan([(key, old) for key, (old, _new) in pairs], old_kinds) if pairs else None
        self._probe_new = compile_plan([(key, new) for key, (_old, new) in pairs], kinds) if pairs else None
        self._derived = _derived(changes.facts)
        self._probe_derived = _derived(c.fact for _k, pair in pairs for c in pair)
        self._old_scorer, self._new_scorer = Scorer(self.old), Scorer(self.draft)
        self._order = {rule.id: i for i, rule in enumerate(self.draft.rules)}
        # In stored JSON text a rule id appears quoted, so a substring test finds exactly that rule.
        removed = changes.dropped - set(changes.reevaluate)
        self._watched = tuple(f'"{r}"' for r in sorted(changes.effect | removed))
        self._again = {r: f'"{r}"' for r in changes.reevaluate if r in changes.dropped}
        self.reads_dates = any("date_of_birth" in d.reads for d in self._derived)  # an age: needs the intake's date
        self._more: dict[frozenset[str], frozenset[str]] = {}


    def differing(self, answers: Mapping[str, Any], on: dt.date) -> frozenset[str]:
        """The probed rules whose changed comparisons decide differently for this intake (they must be evaluated again)."""
        if self._probe_old is None or self._probe_new is None:
            return frozenset()
        facts = _facts(answers, self._probe_derived, on)
        moved = set(self._probe_old.fired(facts)) ^ set(self._probe_new.fired(facts))
        return frozenset(key.rsplit("#", 1)[0] for key in moved)

    def more_questions(self, rules: frozenset[str]) -> frozenset[str]:
        """The answers a full evaluation of these probed rules reads."""
        found = self._more.get(rules)
        if found is None:
            found = self._more[rules] = _questions(self.draft, [f for r in rules for f in facts_read(self.draft.rule(r).when)])
        return found

    def _fired_again(self, answers: Mapping[str, Any], on: dt.date, differing: frozenset[str]) -> list[str]:
        if self._full is None and not differing:
            return []
        facts = _facts(answers, self._derived, on)
        found = self._full.fired(facts) if self._full is not None else []
        return found + [r for r in differing if self._rules[r].fired(facts)]

    def new_fired(self, fired: Sequence[str], answers: Mapping[str, Any], on: dt.date, differing: frozenset[str] | None = None) -> list[str]:
        """The rules the draft fires, in draft order, from the stored fired rules and the answers the changed rules read."""
        differing = self.differing(answers, on) if differing is None else differing
        stale = (self.changes.dropped - self.changes.probed.keys()) | differing
        kept = [r for r in fired if r not in stale and r in self._order]
        return sorted({*kept, *self._fired_again(answers, on, differing)}, key=self._order.__getitem__)

    def compare(self, intake_id: int, evaluation_id: int, fired: Sequence[str], answers: Mapping[str, Any], on: dt.date, differing: frozenset[str] | None = None) -> IntakeImpact | None:
        """How this intake's stored result would change under the draft (None when it would not)."""
        before_set = frozenset(fired)
        after = self.new_fired(fired, answers, on, differing)
        if frozenset(after) == before_set and not before_set & self.changes.effect:
            return None
        return compare_summaries(intake_id, evaluation_id, self._old_scorer.summary(before_set), self._new_scorer.summary(after))

    def compare_stored(self, intake_id: int, evaluation_id: int, fired_json: str, answers: Mapping[str, Any], on: dt.date, differing: frozenset[str] | None = None) -> IntakeImpact | None:
        """Like compare, from the stored fired rules as JSON text, which is parsed only when the intake may change."""
        differing = self.differing(answers, on) if differing is None else differing
        watched = any(token in fired_json for token in self._watched)
        if not watched and self._full is None and not differing:
            return None
        now = set(self._fired_again(answers, on, differing))
        was = {r for r in (*self.changes.full, *differing) if r in self._again and self._again[r] in fired_json}
        if not watched and now == was:
            return None
        return self.compare(intake_id, evaluation_id, json.loads(fired_json), answers, on, differing)


@dataclass(frozen=True)
class ImpactReport:
    """The counts an editor sees before publishing, and the intakes behind them (newest first)."""

    considered: int
    changed: tuple[IntakeImpact, ...]
    seconds: float = 0.0

    @property
    def flags_gained(self) -> int:
        """Intakes that would gain at least one red flag."""
        return sum(1 for i in self.changed if i.flags_gained)

    @property
    def flags_lost(self) -> int:
        """Intakes that would lose at least one red flag."""
        return sum(1 for i in self.changed if i.flags_lost)

    @property
    def top_changed(self) -> int:
        """Intakes whose top differential would change."""
        return sum(1 for i in self.changed if i.top_changed)

    @property
    def level_changed(self) -> int:
        """Intakes where some differential's suspicion level would change."""
        return sum(1 for i in self.changed if i.level_changes)
