"""The stored-result what-if: a draft against the results an older version stored, from the rules that fired.

Every stored evaluation keeps the ids of the rules that fired. Against the version that made it,
a draft changes a few rules: only those are evaluated again, reading only the answers they use;
every other rule keeps its stored outcome. Red flags, the top differential and levels are then
recomputed from the fired set and the weights. This is the summary-level comparison the older
what-if (what_if.py) makes; the impact view compares the draft with the published version instead
(impact_run.py), over everything a clinician reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from triage.domain.engine.impact_changes import ChangeSet, change_set, questions_of
from triage.domain.engine.impact_summary import IntakeImpact, Scorer, compare_summaries
from triage.domain.engine.nodes import facts_read
from triage.domain.engine.plan import compile_plan
from triage.domain.engine.ruleset import Ruleset
from triage.domain.questionnaire.derived import DERIVED_BY_ID, DerivedFact


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
            found = self._more[rules] = questions_of(self.draft, [f for r in rules for f in facts_read(self.draft.rule(r).when)])
        return found

    def _fired_again(self, answers: Mapping[str, Any], on: dt.date, differing: frozenset[str]) -> list[str]:
        if self._full is None and not differing:
            return []
        facts = _facts(answers, self._derived, on)
        found = self._full.fired(facts) if self._full is not None else []
        return found + [r for r in differing if self._rules[r].fired(facts)]

    def new_fired(
        self, fired: Sequence[str], answers: Mapping[str, Any], on: dt.date, differing: frozenset[str] | None = None
    ) -> list[str]:
        """The rules the draft fires, in draft order, from the stored fired rules and the answers the changed rules read."""
        differing = self.differing(answers, on) if differing is None else differing
        stale = (self.changes.dropped - self.changes.probed.keys()) | differing
        kept = [r for r in fired if r not in stale and r in self._order]
        return sorted({*kept, *self._fired_again(answers, on, differing)}, key=self._order.__getitem__)

    def compare(
        self,
        intake_id: int,
        evaluation_id: int,
        fired: Sequence[str],
        answers: Mapping[str, Any],
        on: dt.date,
        differing: frozenset[str] | None = None,
    ) -> IntakeImpact | None:
        """How this intake's stored result would change under the draft (None when it would not)."""
        before_set = frozenset(fired)
        after = self.new_fired(fired, answers, on, differing)
        if frozenset(after) == before_set and not before_set & self.changes.effect:
            return None
        return compare_summaries(intake_id, evaluation_id, self._old_scorer.summary(before_set), self._new_scorer.summary(after))

    def compare_stored(
        self,
        intake_id: int,
        evaluation_id: int,
        fired_json: str,
        answers: Mapping[str, Any],
        on: dt.date,
        differing: frozenset[str] | None = None,
    ) -> IntakeImpact | None:
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
