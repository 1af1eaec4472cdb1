"""Which of the patient's answers made a rule fire, as the clinician should read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class EvidenceIndex:
    """Per node, what a comparison reads; per rule, its evidence when that does not depend on the answers."""

    leaf: tuple[Leaf | None, ...]
    chooses: tuple[bool, ...]  # `any` / `at_least`: only the true items count as evidence
    negates: tuple[bool, ...]
    last: tuple[int, ...]  # the last node of each node's subtree (depth-first numbering)
    fixed: tuple[Grouped | None, ...]

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
        fixed = []
        for root, end in zip(plan.roots, plan.ends, strict=True):
            static = not any(chooses[root:end])
            fixed.append(_group(_static_leaves(leaf, negates, last, root, end)) if static else None)
        return cls(leaf, chooses, negates, tuple(last), tuple(fixed))


def _static_leaves(leaf: tuple[Leaf | None, ...], negates: tuple[bool, ...], last: list[int], root: int, end: int) -> list[Leaf]:
    found: list[Leaf] = []
    for k in range(root, end):
        item = leaf[k]
        if item is not None:
            # Under a `not` every comparison was read, whole answers are shown, not one option.
            under_not = any(negates[j] and k <= last[j] for j in range(root, k))
            found.append((item[0], None) if under_not else item)
    return found


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
        """
        index, children, slot, values = self.index, self.plan.children, self.plan.slot, self.values
        found: list[Leaf] = []
        stack = [root]
        while stack:
            k = stack.pop()
            item = index.leaf[k]
            if item is not None:
                found.append(item)
            elif index.negates[k]:
                if exclusions:
                    found.extend((leaf[0], None) for leaf in index.leaf[k : index.last[k] + 1] if leaf is not None)
            elif index.chooses[k]:
                stack.extend(c for c in reversed(children[k]) if values[slot[c]])
            else:
                stack.extend(reversed(children[k]))
        return found

    def answers(self, rule: int) -> tuple[MatchedAnswer, ...]:
        """The matched answers for one fired rule."""
        grouped = self.index.fixed[rule]
        if grouped is None:
            grouped = _group(self._supporting(self.plan.roots[rule]))
        return self._matched(grouped)

    def triggers(self, rules: list[int]) -> tuple[MatchedAnswer, ...]:
        """The answers that made these fired rules apply to this patient, without what they require to be absent (`not`s).

        Several rules (one test suggested for several reasons) give one list, each answer once. A rule made only of
        exclusions has no trigger of its own; its matched answers are given instead.
        """
        leaves: list[Leaf] = []
        for rule in rules:
            found = self._supporting(self.plan.roots[rule], exclusions=False)
            leaves += found or self._supporting(self.plan.roots[rule])
        return self._matched(_group(leaves))

    def _matched(self, grouped: Grouped) -> tuple[MatchedAnswer, ...]:
        cache, found = self._shown, []
        for key in grouped:
            shown = cache.get(key)
            if shown is None:
                fact = self.catalog[key[0]]
                shown = cache[key] = MatchedAnswer(key[0], fact.label, _display(fact, self.facts.get(key[0]), key[1]))
            found.append(shown)
        return tuple(found)


def _display(fact: Fact, value: Any, choices: tuple[str | None, ...]) -> str:
    if fact.question is not None and choices and None not in choices:
        # For "includes" tests show only the ticked options the rule looked for, not the whole list.
        return "; ".join(fact.question.choice_label(str(c)) for c in choices)
    return fact.display(value if value_fits(fact.kind, value) else None)
