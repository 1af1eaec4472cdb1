"""Turning recorded condition outcomes into a Result: evidence, scores, ranking, red-flag guard, tests, caveats, gaps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from triage.domain.engine.evidence import Evidence
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.result import Result
from triage.domain.engine.result_items import (
    Caveat,
    DifferentialResult,
    Finding,
    Investigation,
    MatchedAnswer,
    MissingQuestion,
    RedFlag,
)
from triage.domain.engine.rule_files import Rule
from triage.domain.engine.ruleset import Ruleset
from triage.domain.engine.schema import Differential
from triage.domain.scales import Level, Urgency


def _missing(ruleset: Ruleset, answers: Mapping[str, Any], outcomes: Outcomes) -> tuple[MissingQuestion, ...]:
    """Questions the patient was shown but skipped, on which some rule's outcome still depends."""
    needed: dict[str, list[str]] = {}
    for index in outcomes.undecided_rules():
        rule = ruleset.rules[index]
        for fact_id in outcomes.undecided_facts(index):
            for question_id in outcomes.blanks.get(fact_id, ()):
                needed.setdefault(question_id, []).append(rule.id)
    order = ruleset.question_order
    return tuple(
        MissingQuestion(q, ruleset.facts[q].label, tuple(dict.fromkeys(rules)))
        for q, rules in sorted(needed.items(), key=lambda item: order.get(item[0], len(order)))
    )


def level_of(differential: Differential, score: int) -> Level:
    """The suspicion level a score reaches against this differential's thresholds."""
    thresholds = differential.thresholds
    return Level.reached(score, thresholds.low, thresholds.moderate, thresholds.high)


Fired = list[tuple[int, Rule, tuple[MatchedAnswer, ...]]]


def _by_weight(item: tuple[int, Finding]) -> tuple[int, int]:
    return -abs(item[1].weight), item[0]


def _differentials(ruleset: Ruleset, fired: Fired, red_flags_stand: bool) -> tuple[DifferentialResult, ...]:
    """Score and rank the differentials that have at least one finding for them.

    Rank: differentials held back by a standing red flag go last; then higher score first; then
    more findings for; then the order of declaration in ruleset.yaml. The order is therefore fully
    determined by the ruleset and the answers. Within a differential, findings are listed by
    weight (strongest first), then in ruleset order.
    """
    pros: dict[str, list[tuple[int, Finding]]] = {}
    cons: dict[str, list[tuple[int, Finding]]] = {}
    for index, rule, matched in fired:
        if rule.kind == "differential":
            side = pros if rule.weight > 0 else cons
            side.setdefault(rule.differential, []).append(
                (index, Finding(rule.id, rule.title, rule.explanation, rule.weight, matched, rule.source))
            )
    ranked = []
    for position, differential in enumerate(ruleset.differentials):
        found_for = pros.get(differential.id)
        if not found_for:
            continue
        found_against = sorted(cons.get(differential.id, ()), key=_by_weight)
        found_for.sort(key=_by_weight)
        score = sum(f.weight for _, f in found_for) + sum(f.weight for _, f in found_against)
        held = red_flags_stand and differential.held_back_by_red_flags
        result = DifferentialResult(
            differential.id,
            differential.name,
            differential.description,
            score,
            level_of(differential, score),
            tuple(f for _, f in found_for),
            tuple(f for _, f in found_against),
            held,
        )
        ranked.append(((held, -score, -len(found_for), position), result))
    ranked.sort(key=lambda item: item[0])
    return tuple(result for _, result in ranked)


def _investigations(fired: Fired) -> tuple[Investigation, ...]:
    tests: dict[str, tuple[list[str], list[str]]] = {}
    for _, rule, _ in fired:
        if rule.kind == "investigation":
            whys, rules = tests.setdefault(rule.test, ([], []))
            if rule.why not in whys:
                whys.append(rule.why)
            rules.append(rule.id)
    return tuple(Investigation(test, tuple(whys), tuple(rules)) for test, (whys, rules) in tests.items())


def build_result(
    ruleset: Ruleset, answers: Mapping[str, Any], facts: Mapping[str, Any], outcomes: Outcomes, on: dt.date
) -> Result:
    """Assemble the full, explained result from every node's recorded outcome."""
    evidence = Evidence(ruleset.evidence, ruleset.facts, ruleset.plan, outcomes.values, facts)
    fired = [(index, ruleset.rules[index], evidence.answers(index)) for index in ruleset.plan.fired_indexes(outcomes.values)]
    red_flags = sorted(
        (
            (
                Urgency(rule.urgency).rank,
                index,
                RedFlag(rule.id, rule.title, Urgency(rule.urgency), rule.action, matched, rule.explanation, rule.source),
            )
            for index, rule, matched in fired
            if rule.kind == "red_flag"
        ),
        key=lambda item: item[:2],
    )
    caveats = tuple(
        Caveat(rule.id, rule.title, rule.explanation, matched, rule.source) for _, rule, matched in fired if rule.kind == "caveat"
    )
    return Result(
        ruleset_version=ruleset.version,
        ruleset_sha256=ruleset.sha256,
        evaluated_on=on.isoformat(),
        red_flags=tuple(item[2] for item in red_flags),
        differentials=_differentials(ruleset, fired, bool(red_flags)),
        investigations=_investigations(fired),
        caveats=caveats,
        missing=_missing(ruleset, answers, outcomes),
        note=ruleset.note,
        fired_rules=tuple(rule.id for _, rule, _ in fired),
    )
