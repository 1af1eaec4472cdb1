"""Which of the patient's answers made a rule fire, as the clinician should read them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any

from triage.domain.engine.facts import Fact, value_fits
from triage.domain.engine.nodes import AnyOf, AtLeast, Compare, NotOf
from triage.domain.engine.plan import Plan
from triage.domain.engine.result_items import MatchedAnswer

Leaf = tuple[str, "str | None"]  # the fact read, and for "includes" the option looked for
Grouped = tuple[tuple[str, tuple["str | None", ...]], ...]


def _group(leaves: list[Leaf]) -> Grouped:
    picked: dict[str, dict[str | None, None]] = {}
    for fact, choice in leaves:
        picked.setdefault(fact, {})[choice] = None
    return tuple((fact, tuple(choices)) for fact, choices in picked.items())


# Answers of these classes are shown the same way every time, so their shown form is kept per ruleset.
_KEPT_CLASSES = frozenset({str, int, bool, type(None)})
KEPT_LIMIT = 20_000  # shown answers kept per ruleset; beyond it they are worked out per intake


@dataclass(frozen=True)
class EvidenceIndex:
    """Per node, what a comparison reads; per rule, its evidence when that does not depend on the answers."""

    leaf: tuple[Leaf | None, ...]
    chooses: tuple[bool, ...]  # `any` / `at_least`: only the true items count as evidence
    negates: tuple[bool, ...]
    last: tuple[int, ...]  # the last node of each node's subtree (depth-first numbering)
    fixed: tuple[Grouped | None, ...]
    # Per node, the comparisons its subtree supplies when no `any`/`at_least` in it chooses (None when one may):
    # with what must not hold (under a `not` every comparison was read: whole answers are shown), and without.
    below: tuple[tuple[Leaf, ...] | None, ...] = ()
    below_triggers: tuple[tuple[Leaf, ...] | None, ...] = ()
    # Per rule whose evidence depends on the answers, the values its `any`/`at_least` items took decide that
    # evidence: this reads them from one run's values (None for a rule whose evidence is fixed).
    choices_read: tuple[Callable[[tuple[bool, ...]], object] | None, ...] = ()
    # Shown answers by (fact, options) and answer, and walks by rule and choice values, kept across intakes.
    shown: dict[Any, MatchedAnswer] = field(default_factory=dict, compare=False, repr=False)
    walked: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, plan: Plan) -> EvidenceIndex:
        """Work out the answer-independent parts once per ruleset."""
        leaf = tuple((n.fact, n.value if n.op == "includes" else None) if isinstance(n, Compare) else None for n in plan.nodes)
        last = list(range(len(plan.nodes)))
        for k in reversed(range(len(plan.nodes))):
            if plan.children[k]:
                last[k] = last[plan.children[k][-1]]
        chooses = tuple(isinstance(n, (AnyOf, AtLeast)) for n in plan.nodes)
        negates = tuple(isinstance(n, NotOf) for n in plan.nodes)
        below = _fixed_below(plan.children, leaf, chooses, negates, last, exclusions=True)
        fixed = tuple(None if (found := below[root]) is None else _group(list(found)) for root in plan.roots)
        triggers = _fixed_below(plan.children, leaf, chooses, negates, last, exclusions=False)
        read = []
        for root, end in zip(plan.roots, plan.ends, strict=True):
            slots = [plan.slot[c] for k in range(root, end) if chooses[k] for c in plan.children[k]]
            read.append(itemgetter(*slots) if slots and below[root] is None else None)
        return cls(leaf, chooses, negates, tuple(last), fixed, below, triggers, tuple(read))


def _fixed_below(
    children: tuple[tuple[int, ...], ...],
    leaf: tuple[Leaf | None, ...],
    chooses: tuple[bool, ...],
    negates: tuple[bool, ...],
    last: list[int],
    exclusions: bool,
) -> tuple[tuple[Leaf, ...] | None, ...]:
    """Per node, the comparisons a walk of its subtree finds (in depth-first order) when no `any`/`at_least` chooses."""
    found: list[tuple[Leaf, ...] | None] = [None] * len(leaf)
    for k in reversed(range(len(leaf))):  # children are numbered after their parent, so are done first
        item = leaf[k]
        if item is not None:
            found[k] = (item,)
        elif negates[k]:
            found[k] = tuple((x[0], None) for x in leaf[k : last[k] + 1] if x is not None) if exclusions else ()
        elif not chooses[k]:
            parts = [found[c] for c in children[k]]
            found[k] = None if None in parts else tuple(chain.from_iterable(p for p in parts if p is not None))
    return tuple(found)


class Evidence:
    """Collects, for fired rules, the answers that made their conditions true (cached per intake)."""

    def __init__(
        self,
        index: EvidenceIndex,
        facts_catalog: Mapping[str, Fact],
        plan: Plan,
        values: tuple[bool, ...],
        facts: Mapping[str, Any],
    ):
        self.index, self.catalog, self.plan, self.values, self.facts = index, facts_catalog, plan, values, facts
        self._shown: dict[tuple[str, tuple[str | None, ...]], MatchedAnswer] = {}

    def _supporting(self, root: int, exclusions: bool = True) -> list[Leaf]:
        """Comparisons that made a true node true: every item of `all`, the true items of `any`/`at_least`.

        With exclusions=False the parts under a `not` (what must not hold) are left out, leaving the triggers.
        A subtree where nothing chooses gives its comparisons at once (EvidenceIndex.below).
        """
        index, children, slot, values = self.index, self.plan.children, self.plan.slot, self.values
        fixed = index.below if exclusions else index.below_triggers
        found: list[Leaf] = []
        stack = [root]
        while stack:
            k = stack.pop()
            known = fixed[k]
            if known is not None:
                found.extend(known)
            elif index.chooses[k]:
                stack.extend(c for c in reversed(children[k]) if values[slot[c]])
            else:
                stack.extend(reversed(children[k]))
        return found

    def _kept(self, rule: int, what: str) -> Any:
        """A rule's walk ("leaves", "triggers") or grouped leaves ("grouped"), kept per ruleset by the choice values
        it depends on: rules fire the same way intake after intake."""
        read = self.index.choices_read[rule] if self.index.choices_read else None
        key = (rule, what, read(self.values)) if read is not None else None
        walked = self.index.walked
        found = walked.get(key) if key is not None else None
        if found is None:
            leaves = self._supporting(self.plan.roots[rule], exclusions=what != "triggers")
            found = _group(leaves) if what == "grouped" else tuple(leaves)
            if key is not None and len(walked) < KEPT_LIMIT:
                walked[key] = found
        return found

    def answers(self, rule: int) -> tuple[MatchedAnswer, ...]:
        """The matched answers for one fired rule."""
        grouped = self.index.fixed[rule]
        if grouped is None:
            grouped = self._kept(rule, "grouped")
        return self._matched(grouped)

    def triggers(self, rules: list[int]) -> tuple[MatchedAnswer, ...]:
        """The answers that made these fired rules apply to this patient, without what they require to be absent (`not`s).

        Several rules (one test suggested for several reasons) give one list, each answer once. A rule made only of
        exclusions has no trigger of its own; its matched answers are given instead.
        """
        leaves: list[Leaf] = []
        for rule in rules:
            leaves += self._kept(rule, "triggers") or self._kept(rule, "leaves")
        return self._matched(_group(leaves))

    def _matched(self, grouped: Grouped) -> tuple[MatchedAnswer, ...]:
        cache, found = self._shown, []
        for key in grouped:
            shown = cache.get(key)
            if shown is None:
                shown = cache[key] = self._show(key)
            found.append(shown)
        return tuple(found)

    def _show(self, key: tuple[str, tuple[str | None, ...]]) -> MatchedAnswer:
        """One fact as shown for these options, taken from the ruleset's kept ones when this answer was shown before."""
        fact = self.catalog[key[0]]
        value = self.facts.get(key[0])
        kept_as: Any = None  # a float (0.0 and -0.0 are equal keys) or another value: worked out each time
        if fact.question is not None and key[1] and None not in key[1]:
            kept_as = key  # the options looked for are shown, whatever the answer
        elif value.__class__ in _KEPT_CLASSES:
            kept_as = (key, value.__class__, value)
        elif value.__class__ is list and all(v.__class__ is str for v in value):
            kept_as = (key, list, tuple(value))
        kept = self.index.shown
        shown = kept.get(kept_as) if kept_as is not None else None
        if shown is None:
            shown = MatchedAnswer(key[0], fact.label, _display(fact, value, key[1]))
            if kept_as is not None and len(kept) < KEPT_LIMIT:
                kept[kept_as] = shown
        return shown


def _display(fact: Fact, value: Any, choices: tuple[str | None, ...]) -> str:
    if fact.question is not None and choices and None not in choices:
        # For "includes" tests show only the ticked options the rule looked for, not the whole list.
        return "; ".join(fact.question.choice_label(str(c)) for c in choices)
    return fact.display(value if value_fits(fact.kind, value) else None)
