"""A draft that changes only the weights of differential rules, compared by rescoring instead of evaluating twice.

When every rule keeps its condition, kind and order and only some differential rules' weights differ (nothing else
in the ruleset does), the same rules fire, hang on the same blanks and read the same "not sure" answers under both
versions: red flags, tests, caveats, the questions to ask and the "too few answers" warning are the same. Only the
differentials' scores, levels, ranks and the first-ranked can move. So an intake's firing is decided once, for the
differential and red-flag rules alone (the flags decide which differentials are held back), and the differentials
are scored, ordered and ranked with each version's weights exactly as builder._differentials does, without building
any explained result. tests/unit/test_impact_rescore.py checks it against two full evaluations.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from triage.domain.engine.evaluate import evaluate
from triage.domain.engine.impact_changes import questions_of
from triage.domain.engine.impact_compare import TIE, TIED, Change, Reading, _differential_changes, changes_between
from triage.domain.engine.impact_screen import Screen, changed_differentials, outside_rules_changed
from triage.domain.engine.nodes import facts_read
from triage.domain.engine.plan import compile_plan
from triage.domain.engine.ranking import held_back
from triage.domain.engine.ruleset import Ruleset
from triage.domain.questionnaire.derived import derived_reading, facts_reading
from triage.domain.questionnaire.rules_view import answers_for_rules
from triage.domain.scales import Level


class PastIntake(Protocol):
    """What the comparison reads of a past intake (impact_run.PastIntake): its questionnaire and submission date."""

    @property
    def questionnaire_version(self) -> str:
        """The questionnaire version it was answered on."""
        ...

    @property
    def on(self) -> dt.date:
        """The date it is evaluated on."""
        ...


READ_KINDS = ("differential", "red_flag")  # the rules whose firing decides the differentials' reading

Comparison = Callable[[Mapping[str, Any], PastIntake], tuple[Change, ...]]


def weights_only(published: Ruleset, draft: Ruleset) -> bool:
    """Whether the draft differs from the published version in differential rules' weights at most."""
    if len(published.rules) != len(draft.rules) or published.facts.keys() != draft.facts.keys():
        return False
    if outside_rules_changed(published, draft) or changed_differentials(published, draft):
        return False
    for old, new in zip(published.rules, draft.rules, strict=True):
        if old == new:
            continue
        if old.kind != "differential" or dataclasses.replace(old, weight=new.weight) != new:
            return False
    return True


LEVELS = tuple(Level)  # by rank: a level's place here is Level.rank (highest first)
# One listed differential in ranked order: its place in ruleset.yaml, score, level rank and whether it is held back.
_Row = tuple[int, int, int, bool]


def _level_rank(score: int, thresholds: tuple[int, int, int]) -> int:
    """Level.reached(score, ...).rank, without building the level."""
    low, moderate, high = thresholds
    return 0 if score >= high else 1 if score >= moderate else 2 if score >= low else 3


class Rescorer:
    """Compare one intake under two versions that differ in differential weights only (see weights_only)."""

    def __init__(self, published: Ruleset, draft: Ruleset):
        chosen = [(i, r) for i, r in enumerate(published.rules) if r.kind in READ_KINDS]
        kinds = {fact_id: fact.kind for fact_id, fact in published.facts.items()}
        self._plan = compile_plan([(r.id, r.when) for _, r in chosen], kinds)
        self._derived = derived_reading(fact for fact, _ in self._plan.facts)
        self._differentials = published.differentials
        self._ids = [d.id for d in published.differentials]
        self._none_held = [False] * len(self._ids)  # no red flag stands: nothing is held back
        position = {d.id: p for p, d in enumerate(published.differentials)}
        # Per rule of the plan: the red flag it raises, or the place of its differential and its weight in each version.
        self._flags = {p: r.id for p, (_, r) in enumerate(chosen) if r.kind == "red_flag"}
        self._weighs = {
            p: (position[r.differential], r.weight, draft.rules[i].weight)
            for p, (i, r) in enumerate(chosen)
            if r.kind == "differential"
        }
        self._moved = frozenset(p for p, (_, old, new) in self._weighs.items() if old != new)
        self._thresholds = [(d.thresholds.low, d.thresholds.moderate, d.thresholds.high) for d in published.differentials]

    def fired(self, given: Mapping[str, Any], on: dt.date) -> list[int]:
        """The positions (in the plan of differential and red-flag rules) of the rules that fire for these answers."""
        return self._plan.fired_positions(facts_reading(given, on, self._derived))

    def _ordered(self, fired: Sequence[int], version: int, held: Sequence[bool]) -> list[_Row]:
        """The listed differentials in ranked order, as builder._differentials orders them (version 1: published, 2: draft)."""
        scores: dict[int, int] = {}
        pros: dict[int, int] = {}
        for p in fired:
            weighs = self._weighs.get(p)
            if weighs is None:
                continue
            place, weight = weighs[0], weighs[version]
            scores[place] = scores.get(place, 0) + weight
            if weight > 0:
                pros[place] = pros.get(place, 0) + 1
        thresholds = self._thresholds
        # ranking.order_key: held back last, then level, score, findings for, and the place (unique, so no ties).
        keyed = []
        for place, found_for in pros.items():
            score = scores[place]
            level = _level_rank(score, thresholds[place])
            keyed.append((held[place], level, -score, -found_for, place))
        keyed.sort()
        return [(place, -negative, level, is_held) for is_held, level, negative, _, place in keyed]

    def changes(self, answers: Mapping[str, Any], intake: PastIntake) -> tuple[Change, ...]:
        """What a clinician would read differently under the draft, as compare_answers finds it."""
        fired = self.fired(answers_for_rules(answers, intake.questionnaire_version), intake.on)
        if self._moved.isdisjoint(fired):
            return ()  # no reweighed rule fires: every score is as it was
        standing = frozenset(self._flags[p] for p in fired if p in self._flags)
        held = [held_back(d, standing) for d in self._differentials] if standing else self._none_held
        ids = self._ids
        before, after = _reading(self._ordered(fired, 1, held), ids), _reading(self._ordered(fired, 2, held), ids)
        return tuple(_differential_changes(before, after))


def _reading(rows: list[_Row], ids: Sequence[str]) -> Reading:
    """The differential part of a result's reading (the rest is the same under both versions, so left empty).

    Ranks are ranking.shared_ranks: a place ties its neighbour with the same held-back state, level and score.
    """
    ranks: dict[str, str] = {}
    levels: dict[str, str] = {}
    shared: list[int] = []
    for i, (_, score, level, held) in enumerate(rows):
        tied_above = i > 0 and rows[i - 1][1:] == (score, level, held)
        shared.append(shared[-1] if tied_above else i + 1)
    counts: dict[int, int] = {}
    for rank in shared:
        counts[rank] = counts.get(rank, 0) + 1
    first: list[str] = []
    for (place, _, level, held), rank in zip(rows, shared, strict=True):
        differential = ids[place]
        ranks[differential] = f"{rank}{TIED}" if counts[rank] > 1 else str(rank)
        levels[differential] = LEVELS[level].value
        if rank == 1 and not held and not rows[0][3]:
            first.append(differential)
    return Reading({}, ranks, levels, TIE.join(first), {}, (), (), False)


class WeightScreen(Screen):
    """The screen of a weights-only draft: an intake can read differently only when a reweighed rule fires for it."""

    def __post_init__(self) -> None:
        self.everyone = False
        moved = [(old.id, old.when) for old, new in zip(self.published.rules, self.draft.rules, strict=True) if old != new]
        self.touched = frozenset(rule_id for rule_id, _ in moved)
        kinds = {fact_id: fact.kind for fact_id, fact in self.published.facts.items()}
        self._moved = compile_plan(moved, kinds) if moved else None
        facts = [f for _, when in moved for f in facts_read(when)]
        self._derived = derived_reading(facts)
        # Blanks and "not sure" answers are read alike by both versions, so only the answers the rules read are needed.
        self.questions = questions_of(self.published, facts)

    def may_change(self, answers: Mapping[str, Any], on: dt.date) -> bool:
        """Whether a reweighed rule fires for this intake (its answers, at least those in `questions`)."""
        if self._moved is None:
            return False
        return any(self._moved.function(facts_reading(answers, on, self._derived)))


def screen_for(published: Ruleset, draft: Ruleset) -> Screen:
    """The screen that picks the intakes a draft may change: the narrower one when only weights differ."""
    return WeightScreen(published, draft) if weights_only(published, draft) else Screen(published, draft)


def comparison(published: Ruleset, draft: Ruleset) -> Comparison:
    """How to compare one intake's answers under both versions: by rescoring when only weights differ, else in full."""
    if weights_only(published, draft):
        return Rescorer(published, draft).changes

    def in_full(answers: Mapping[str, Any], intake: PastIntake) -> tuple[Change, ...]:
        """Both versions evaluated in full, compared."""
        given = answers_for_rules(answers, intake.questionnaire_version)
        return changes_between(evaluate(published, given, on=intake.on), evaluate(draft, given, on=intake.on))

    return in_full
