"""Turning recorded condition outcomes into a Result: evidence, red flags, scores and ranks, tests, caveats, gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from triage.domain.engine.evidence import Evidence
from triage.domain.engine.flag_groups import red_flags
from triage.domain.engine.gaps import answered_count, missing_questions
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.ranking import held_back, order_key, shared_ranks, tie_key
from triage.domain.engine.result import Result
from triage.domain.engine.result_items import Caveat, DifferentialResult, Finding, Investigation, MatchedAnswer
from triage.domain.engine.rule_files import Rule
from triage.domain.engine.ruleset import Ruleset, differential_places
from triage.domain.engine.schema import Differential
from triage.domain.scales import Level, Urgency


def level_of(differential: Differential, score: int) -> Level:
    """The suspicion level a score reaches against this differential's thresholds."""
    thresholds = differential.thresholds
    return Level.reached(score, thresholds.low, thresholds.moderate, thresholds.high)


Fired = list[tuple[int, Rule, tuple[MatchedAnswer, ...]]]


def _differentials(ruleset: Ruleset, fired: Fired, standing_flags: frozenset[str]) -> tuple[DifferentialResult, ...]:
    """Score, order and rank the differentials that have at least one finding for them (see ranking.py).

    Within a differential, findings are listed by weight (strongest first), then in ruleset order.
    """
    # Each finding is kept as (-|weight|, rule index, finding): plain tuples sort in C, and the rule index is unique,
    # so the order is by weight then ruleset order without a key function (the finding itself is never compared).
    pros: dict[str, list[tuple[int, int, Finding]]] = {}
    cons: dict[str, list[tuple[int, int, Finding]]] = {}
    scores: dict[str, int] = {}  # summed as the findings are gathered (whole numbers: the order does not matter)
    for index, rule, matched in fired:
        if rule.kind == "differential":
            weight, target = rule.weight, rule.differential
            item = (-abs(weight), index, Finding(rule.id, rule.title, rule.explanation, weight, matched, rule.source))
            side = pros if weight > 0 else cons
            found = side.get(target)
            if found is None:
                side[target] = [item]
            else:
                found.append(item)
            scores[target] = scores.get(target, 0) + weight
    places_of = ruleset.differential_places or differential_places(ruleset.differentials)
    ordered = []
    for target, found_for in pros.items():
        place = places_of.get(target)
        if place is None:  # not declared (refused when the ruleset is read): listed nowhere, as before
            continue
        position, differential = place
        found_against = sorted(cons.get(target, ()))
        found_for.sort()
        score = scores[target]
        held = held_back(differential, standing_flags)
        level = level_of(differential, score)
        ordered.append(
            (order_key(held, level, score, len(found_for), position), differential, score, level, held, found_for, found_against)
        )
    ordered.sort(key=itemgetter(0))  # the keys differ in their position at least, so this is the order by position too
    # Ranks are known once the order is, so each result is built once, rank included.
    places = shared_ranks([tie_key(held, level, score) for _, _, score, level, held, _, _ in ordered])
    finding = itemgetter(2)
    return tuple(
        DifferentialResult(
            differential.id,
            differential.name,
            differential.description,
            score,
            level,
            tuple(map(finding, found_for)),
            tuple(map(finding, found_against)),
            held,
            rank,
            tied,
        )
        for (_, differential, score, level, held, found_for, found_against), (rank, tied) in zip(ordered, places, strict=True)
    )


def _investigations(fired: Fired, evidence: Evidence, emergency: bool) -> tuple[Investigation, ...]:
    """One entry per test, merging its rules' reasons and the patient's answers that triggered them; suggested first.

    While an emergency red flag stands, a test whose every firing rule is elective is deferred, not suggested.
    """
    tests: dict[str, tuple[list[str], list[Rule], list[int]]] = {}
    for index, rule, _ in fired:
        if rule.kind == "investigation":
            whys, rules, indexes = tests.setdefault(rule.test, ([], [], []))
            if rule.why not in whys:
                whys.append(rule.why)
            rules.append(rule)
            indexes.append(index)
    found = [
        Investigation(
            test,
            tuple(whys),
            tuple(r.id for r in rules),
            evidence.triggers(indexes),
            emergency and all(r.elective for r in rules),
        )
        for test, (whys, rules, indexes) in tests.items()
    ]
    return tuple(sorted(found, key=lambda i: i.deferred))


def build_result(
    ruleset: Ruleset, answers: Mapping[str, Any], facts: Mapping[str, Any], outcomes: Outcomes, on: dt.date
) -> Result:
    """Assemble the full, explained result from every node's recorded outcome."""
    evidence = Evidence(ruleset.evidence, ruleset.facts, ruleset.plan, outcomes.values, facts)
    fired = [
        # A test's reason is gathered per test below (evidence.triggers); the other rules show every answer they read.
        (index, rule, () if rule.kind == "investigation" else evidence.answers(index))
        for index in ruleset.plan.fired_indexes(outcomes.values)
        for rule in (ruleset.rules[index],)
    ]
    flags = red_flags(fired)
    standing = frozenset(flag.id for flag in flags)
    emergency = any(flag.urgency is Urgency.EMERGENCY for flag in flags)
    caveats = tuple(
        Caveat(rule.id, rule.title, rule.explanation, matched, rule.source) for _, rule, matched in fired if rule.kind == "caveat"
    )
    return Result(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        derived_facts_version=ruleset.derived_facts_version,
        evaluated_on=on.isoformat(),
        red_flags=flags,
        differentials=_differentials(ruleset, fired, standing),
        investigations=_investigations(fired, evidence, emergency),
        caveats=caveats,
        missing=missing_questions(ruleset, facts, outcomes, {index for index, _, _ in fired}),
        note=ruleset.note,
        fired_rules=tuple(rule.id for _, rule, _ in fired),
        answers_too_few=answered_count(ruleset.relevant_questions, answers) < ruleset.min_answered_questions,
    )
