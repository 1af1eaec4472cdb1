"""Ordering and grouping the red flags that stand: urgency tier, then priority (harm from delay), then ruleset order.

Flags that share a `group` describe one presentation. The first of them in that order (the most urgent, then
the highest priority) leads: it lists the others in `also`, and each of the others names it in `under`. Every
raised flag stays in the result, so counting, alerts and comparisons still see each one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from operator import itemgetter

from triage.domain.engine.result_items import FlagRef, MatchedAnswer, RedFlag
from triage.domain.engine.rule_files import Rule
from triage.domain.scales import Urgency

Fired = Iterable[tuple[int, Rule, tuple[MatchedAnswer, ...]]]


def flag_order(urgency: Urgency, priority: int, position: int) -> tuple[int, int, int]:
    """The sort key of one red flag: most urgent tier first, then priority 1 before 9, then ruleset order."""
    return (urgency.rank, priority, position)


# The tiers by their stored value: a dict look-up instead of an Enum call per flag.
_TIERS = {tier.value: tier for tier in Urgency}


def _flag(rule: Rule, urgency: Urgency, matched: tuple[MatchedAnswer, ...]) -> RedFlag:
    return RedFlag(rule.id, rule.title, urgency, rule.action, matched, rule.explanation, rule.source, rule.group)


def red_flags(fired: Fired) -> tuple[RedFlag, ...]:
    """The red flags among the fired rules, in order, with each group's leader and members linked."""
    chosen = []
    for index, rule, matched in fired:
        if rule.kind == "red_flag":
            urgency = _TIERS.get(rule.urgency) or Urgency(rule.urgency)
            chosen.append((flag_order(urgency, rule.priority, index), _flag(rule, urgency, matched)))
    # The order keys differ at least in the rule's index, so the flags themselves are never compared.
    chosen.sort(key=itemgetter(0))
    return group_flags([flag for _, flag in chosen])


def group_flags(flags: list[RedFlag]) -> tuple[RedFlag, ...]:
    """Link each group's members to the first of them (the flags are already in order)."""
    leaders: dict[str, int] = {}
    also: dict[int, list[FlagRef]] = {}
    linked = list(flags)
    for i, flag in enumerate(flags):
        if not flag.group:
            continue
        lead = leaders.setdefault(flag.group, i)
        if lead != i:
            also.setdefault(lead, []).append(FlagRef(flag.id, flag.title, flag.urgency))
            linked[i] = dataclasses.replace(flag, under=flags[lead].id)
    for lead, refs in also.items():
        linked[lead] = dataclasses.replace(linked[lead], also=tuple(refs))
    return tuple(linked)
