"""What the answers leave open: questions to ask at the visit (blanks and "not sure" alarm answers), and too few answers.

A rule reads facts; each fact reads one or more questions (a derived fact reads several, of either questionnaire
version). The questions behind the facts any rule reads are the clinically relevant ones; when fewer of them than
the ruleset's `min_answered_questions` parameter were answered, the result says the answers are too few for a
reliable suggestion.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from triage.domain.engine.facts import Fact
from triage.domain.engine.outcomes import Outcomes
from triage.domain.engine.result_items import MissingQuestion
from triage.domain.errors import ProblemList, line_of

MIN_ANSWERED_PARAMETER = "min_answered_questions"
# Without the parameter: at least 6 answered relevant questions (date of birth, sex, the symptom list, the warning
# signs and two follow-ups); fewer leaves most rules unable to come out either way. A full questionnaire answers 15-30.
# General knowledge [GK], not a guideline figure.
DEFAULT_MIN_ANSWERED = 6
# Parameters the engine itself reads by name; no rule needs to use them.
ENGINE_PARAMETERS = frozenset({MIN_ANSWERED_PARAMETER})
NOT_SURE = "not_sure"
BLANK, UNSURE = "blank", "not_sure"


def relevant_questions(fact_ids: Iterable[str], catalog: Mapping[str, Fact]) -> frozenset[str]:
    """The question ids behind the facts the rules read (a derived fact's questions of either version)."""
    return frozenset(question for fact_id in fact_ids if fact_id in catalog for question in catalog[fact_id].reads)


def answered(value: Any) -> bool:
    """Whether an answer was given (a blank, an empty text or an empty tick list is no answer)."""
    return value not in (None, "", [])


def answered_count(questions: Collection[str], answers: Mapping[str, Any]) -> int:
    """How many of these questions have an answer."""
    if isinstance(questions, frozenset):
        # The set intersection runs in C; only the answers actually present are then looked at.
        return sum(1 for question in questions.intersection(answers) if answered(answers[question]))
    return sum(1 for question in questions if answered(answers.get(question)))


def min_answered(parameters: Mapping[str, Any]) -> int:
    """The ruleset's threshold of answered relevant questions, or the built-in default."""
    parameter = parameters.get(MIN_ANSWERED_PARAMETER)
    value = getattr(parameter, "value", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_MIN_ANSWERED


def check_engine_parameters(raw_header: Any, parameters: Mapping[str, Any], problems: ProblemList) -> None:
    """Record an engine parameter whose value cannot be used (min_answered_questions must be a whole number of 0 or more)."""
    parameter = parameters.get(MIN_ANSWERED_PARAMETER)
    if parameter is None:
        return
    value = parameter.value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raw_parameters = raw_header.get("parameters") if isinstance(raw_header, dict) else None
        problems.add(
            f"the parameter '{MIN_ANSWERED_PARAMETER}' counts questions: its value must be a whole number of 0 or more",
            line_of(raw_parameters.get(MIN_ANSWERED_PARAMETER) if isinstance(raw_parameters, dict) else None, "value"),
        )


def missing_questions(
    ruleset: Any, facts: Mapping[str, Any], outcomes: Outcomes, fired: Collection[int]
) -> tuple[MissingQuestion, ...]:
    """Questions to ask at the visit: shown but skipped where a rule still depends on them, and alarm answers "not sure"."""
    blanks, rule_ids = outcomes.blanks, ruleset.plan.rule_ids
    # Rules hanging on the same blanks share one set of facts (undecided_facts keeps one per bit set): the questions
    # behind a set are gathered once, and each question's rules are the rules of its sets, in ruleset order.
    hanging = outcomes.hanging_rules()
    needed: dict[str, list[list[int]]] = {}
    for hung_on, indexes in hanging.items():
        # Mostly one blank fact: its questions as listed, else every fact's in turn (each question once either way).
        questions = (
            blanks.get(next(iter(hung_on)), ())
            if len(hung_on) == 1
            else [q for fact_id in hung_on for q in blanks.get(fact_id, ())]
        )
        for question_id in dict.fromkeys(questions):
            needed.setdefault(question_id, []).append(indexes)
    order = ruleset.question_order
    listed = [
        (
            order.get(q, len(order)),
            0,
            MissingQuestion(q, ruleset.facts[q].label, tuple(map(rule_ids.__getitem__, _in_order(sets)))),
        )
        for q, sets in needed.items()
    ]
    return tuple(item for *_, item in sorted(listed + _unsure(ruleset, facts, fired), key=lambda item: item[:2]))


def _in_order(sets: list[list[int]]) -> list[int]:
    """The rule indexes of several disjoint ascending lists, in ascending order."""
    return sets[0] if len(sets) == 1 else sorted(index for indexes in sets for index in indexes)


# Per fact a rule reads (in the plan's order): its position, id, the rules reading it (indexes and ids), where its first
# question is asked and its label; an "unsure" answer to it is listed from these.
UnsureReader = tuple[int, str, tuple[int, ...], tuple[str, ...], int, str]


def unsure_readers(
    rules_reading: Mapping[str, tuple[int, ...]], rule_ids: Sequence[str], catalog: Mapping[str, Fact], order: Mapping[str, int]
) -> tuple[UnsureReader, ...]:
    """What _unsure needs of each fact a rule reads, worked out once per ruleset."""
    found = []
    for position, (fact_id, readers) in enumerate(rules_reading.items()):
        fact = catalog[fact_id]
        where = min((order[q] for q in fact.reads if q in order), default=len(order))
        found.append((position, fact_id, readers, tuple(rule_ids[i] for i in readers), where, fact.label))
    return tuple(found)


def _unsure(ruleset: Any, facts: Mapping[str, Any], fired: Collection[int]) -> list[tuple[int, int, MissingQuestion]]:
    """Facts a rule reads that the patient answered "not sure" (the warning signs), placed where their question is asked."""
    readers = ruleset.unsure_readers or unsure_readers(
        ruleset.plan.rules_reading, [rule.id for rule in ruleset.rules], ruleset.facts, ruleset.question_order
    )
    if NOT_SURE not in facts.values():  # compared in C: most intakes answer no warning sign "not sure"
        return []
    get, found = facts.get, []
    for position, fact_id, rules, ids, where, label in [r for r in readers if get(r[1]) == NOT_SURE]:
        # The rules that could still come out differently: those a definite answer might make fire.
        still = tuple(rule_id for i, rule_id in zip(rules, ids, strict=True) if i not in fired) or ids
        found.append((where, 1 + position, MissingQuestion(fact_id, label, still, UNSURE)))
    return found
