"""The questions to ask first at the visit: each open question ranked by how much its answer could change the result.

A question left blank, or an alarm answered "not sure", is open. For each one the engine evaluates the intake
again once per possible answer (each choice, each tick on its own, the numbers the rules compare against) and
scores how far the result moves from the intake's own result: a red flag raised or dropped counts most (by its
urgency), then a differential changing level (more in the top three) or entering or leaving the top three, then a
test or caveat gained or lost. A question's weight is its largest move over its answers, so a question whose
"yes" would raise an emergency comes before one that only adds a caveat. Evaluations are cheap (about a
millisecond each); an answer whose set of fired rules equals the baseline's is not built into a result at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from triage.domain.engine.builder import build_result
from triage.domain.engine.evaluate import Result, Ruleset
from triage.domain.engine.facts import BOOLEAN, CHOICE, MULTI, NUMBER
from triage.domain.engine.gaps import NOT_SURE
from triage.domain.engine.nodes import Compare
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.result_items import MissingQuestion
from triage.domain.questionnaire.derived import facts_for_rules
from triage.domain.scales import Level, Urgency

# Weights of the moves (general knowledge [GK]): one red flag outweighs any change of differentials, and one
# emergency outweighs three urgent flags, so the question that could reveal an emergency is asked first.
FLAG_WEIGHTS = {Urgency.EMERGENCY: 10000, Urgency.URGENT: 3000, Urgency.SOON: 1000}
TOP = 3
LEVEL_STEP_TOP, LEVEL_STEP = 40, 10  # per step of level (high, moderate, low, minimal) of a differential
TOP_ENTRY = 30  # a differential entering or leaving the top three
FIRST_CHANGE = 20  # the top differential changing
TEST_WEIGHT, CAVEAT_WEIGHT = 4, 2
MAX_NUMBERS = 6  # the most numbers tried for one numeric question


@dataclass(frozen=True)
class AskFirst:
    """An open question with how much answering it could change the result, and the answer that would change most."""

    question: str
    label: str
    unsure: bool
    weight: int
    answer: str  # the answer that moves the result most, as the patient would give it ("" when none moves it)
    change: str  # what that answer would change, in a few words ("" when nothing)


def ask_first(ruleset: Ruleset, answers: Mapping[str, Any], on: dt.date, limit: int | None = None) -> tuple[AskFirst, ...]:
    """The open questions of these answers, the one whose answer could change the result most first.

    Ties keep the order the questions are asked in; `limit` keeps only the first ones.
    """
    facts = facts_for_rules(answers, on)
    base = _result(ruleset, answers, facts, on)
    base_fired = set(ruleset.plan.fired(facts))
    ranked = []
    for position, missing in enumerate(base.missing):
        best = (0, "", "")
        for shown, trial_facts in _trials(ruleset, answers, facts, missing, on):
            if set(ruleset.plan.fired(trial_facts)) == base_fired:
                continue  # the same rules fire: nothing the clinician reads can change
            weight, change = result_move(base, _result(ruleset, answers, trial_facts, on))
            if weight > best[0]:
                best = (weight, shown, change)
        item = AskFirst(missing.question, missing.label, missing.unsure, *best)
        ranked.append((-item.weight, position, item))
    ranked.sort(key=lambda entry: entry[:2])
    items = tuple(item for *_, item in ranked)
    return items if limit is None else items[:limit]


def _result(ruleset: Ruleset, answers: Mapping[str, Any], facts: Mapping[str, Any], on: dt.date) -> Result:
    return build_result(ruleset, answers, facts, Outcomes.of(ruleset, facts, answers), on)


def _trials(
    ruleset: Ruleset, answers: Mapping[str, Any], facts: Mapping[str, Any], missing: MissingQuestion, on: dt.date
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each possible answer to an open question (as shown) with the facts the rules would then read."""
    fact = ruleset.facts.get(missing.question)
    if fact is None:
        return
    if missing.unsure:
        # "Not sure" of a derived sign: try the sign's definite values directly on the facts the rules read.
        for value in fact.choices:
            if value != NOT_SURE:
                yield fact.display(value), {**facts, missing.question: value}
        return
    question = ruleset.questionnaire.by_id.get(missing.question)
    for value in _answers_to_try(ruleset, fact.kind, missing.question, fact.choices):
        shown = question.choice_label(value[0] if isinstance(value, list) else value) if question else str(value)
        if fact.kind == NUMBER:
            shown = fact.display(value)
        yield shown, facts_for_rules({**answers, missing.question: value}, on)


def _answers_to_try(ruleset: Ruleset, kind: str, fact_id: str, choices: tuple[str, ...]) -> list[Any]:
    if kind == CHOICE:
        return [c for c in choices if c != NOT_SURE]
    if kind == MULTI:
        return [[c] for c in choices if c != NOT_SURE]
    if kind == BOOLEAN:
        return [True, False]
    if kind == NUMBER:
        return _numbers_to_try(ruleset, fact_id)
    return []  # dates, free text and tables: no answer to guess


def _numbers_to_try(ruleset: Ruleset, fact_id: str) -> list[Any]:
    """The numbers the rules compare this answer with, and one either side, so that every comparison can flip."""
    found: dict[float, None] = {}
    for node in ruleset.plan.nodes:
        if isinstance(node, Compare) and node.fact == fact_id:
            values = node.value if isinstance(node.value, tuple) else (node.value,)
            for value in values:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    found.update(dict.fromkeys((value - 1, value, value + 1)))
    return sorted(found)[:MAX_NUMBERS] if len(found) <= MAX_NUMBERS else sorted(found)[:: len(found) // MAX_NUMBERS + 1]


def result_move(before: Result, after: Result) -> tuple[int, str]:
    """How far one result moves from another (a weight), and the largest part of the move in words."""
    parts: list[tuple[int, str]] = []
    flags_before = {f.id: f for f in before.red_flags}
    flags_after = {f.id: f for f in after.red_flags}
    for flag_id in flags_before.keys() ^ flags_after.keys():
        flag = flags_after.get(flag_id) or flags_before[flag_id]
        verb = "raises" if flag_id in flags_after else "clears"
        parts.append((FLAG_WEIGHTS.get(flag.urgency, 0), f"{verb} the {flag.urgency.value} red flag \u201c{flag.title}\u201d"))
    parts.extend(_differential_moves(before, after))
    tests = {i.test for i in before.suggested_investigations} ^ {i.test for i in after.suggested_investigations}
    parts.extend((TEST_WEIGHT, f"adds or drops the test \u201c{t}\u201d") for t in sorted(tests))
    caveats = {c.id: c.title for c in (*before.caveats, *after.caveats)}
    changed = {c.id for c in before.caveats} ^ {c.id for c in after.caveats}
    parts.extend((CAVEAT_WEIGHT, f"adds or drops the caveat \u201c{caveats[c]}\u201d") for c in sorted(changed))
    if not parts:
        return 0, ""
    return sum(weight for weight, _ in parts), max(parts, key=lambda p: p[0])[1]


def _differential_moves(before: Result, after: Result) -> Iterator[tuple[int, str]]:
    levels_before = {d.id: d for d in before.differentials}
    levels_after = {d.id: d for d in after.differentials}
    top_before, top_after = set(_top(before)), set(_top(after))
    for differential_id in levels_before.keys() | levels_after.keys():
        old, new = levels_before.get(differential_id), levels_after.get(differential_id)
        either = new if new is not None else old
        name = either.name if either is not None else differential_id
        old_level, new_level = old.level if old else Level.MINIMAL, new.level if new else Level.MINIMAL
        steps = abs(old_level.rank - new_level.rank)
        in_top = differential_id in top_before | top_after
        if steps:
            yield (LEVEL_STEP_TOP if in_top else LEVEL_STEP) * steps, f"moves {name} from {old_level.value} to {new_level.value}"
        if (differential_id in top_before) != (differential_id in top_after):
            yield TOP_ENTRY, f"moves {name} {'into' if differential_id in top_after else 'out of'} the top {TOP}"
    if _top(before)[:1] != _top(after)[:1]:
        yield FIRST_CHANGE, "changes the first differential"


def _top(result: Result) -> list[str]:
    """The differentials ranked in the top three that the rules suggest (low or above)."""
    return [d.id for d in result.differentials if d.level.suggested][:TOP]
