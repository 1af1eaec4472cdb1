"""Every question or derived fact a default rule reads can be reached in the current questionnaire."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from triage.domain.engine.evaluate import Ruleset, load_ruleset, read_ruleset_documents
from triage.domain.engine.nodes import facts_read
from triage.domain.questionnaire.derived import DERIVED_BY_ID
from triage.domain.questionnaire.questions import (
    Answer,
    Condition,
    Question,
    Questionnaire,
    ShownWhen,
    default_questionnaire,
)
from triage.paths import resource_dir

HEADER = "ruleset.yaml"


@cache
def _ruleset() -> Ruleset:
    # Loaded in a test, not at import, so a ruleset that no longer validates fails here with its problems listed.
    return load_ruleset()


def _any_answer(question: Question) -> Answer:
    """Some valid answer to a question (used when a follow-up only needs it answered)."""
    if question.type == "multi":
        return [next(c.value for c in question.choices if not c.exclusive)]
    if question.type == "single":
        return question.choices[0].value
    if question.type == "consent":
        return True
    if question.type in ("integer", "scale", "number"):
        return int(question.min or 0)
    if question.type == "table":
        return [["x"] * len(question.columns)]
    return "2000-01-01" if question.type == "date" else "x"


def _satisfying(condition: ShownWhen, parent: Question) -> Answer | None:
    """An answer to the parent question under which the condition holds and the answer is valid (None if none is)."""
    values = parent.choice_values
    exclusive = {c.value for c in parent.choices if c.exclusive}
    op, wanted = condition.operator, condition.value
    candidates: list[Answer]
    if op == "answered":
        candidates = [_any_answer(parent)]
    elif op == "equals":
        candidates = [wanted]
    elif op == "one_of":
        candidates = list(wanted)
    elif op == "includes":
        candidates = [[wanted]]
    elif op == "includes_any":
        candidates = [[v] for v in wanted]
    elif op == "at_least":
        candidates = [[v for v in values if v not in exclusive][:wanted]]
    else:
        raise AssertionError(f"the test does not know the shown_when operator '{op}'")
    for answer in candidates:
        valid = True
        if parent.type == "single":
            valid = answer in values
        elif parent.type == "multi":
            valid = isinstance(answer, list) and len(answer) > 0 and set(answer) <= set(values)
        if valid and condition.holds({parent.id: answer}):
            return answer
    return None


def _meeting(questionnaire: Questionnaire, condition: Condition) -> dict[str, Answer] | None:
    """Answers to the condition's own questions under which it holds: each test of "all", or one of "any"."""
    options = [[test] for test in condition.tests] if condition.behaviour == "any" else [list(condition.tests)]
    for tests in options:
        answers: dict[str, Answer] = {}
        for test in tests:
            parent = questionnaire.by_id.get(test.question)
            answer = _satisfying(test, parent) if parent is not None else None
            if answer is None or (test.question in answers and answers[test.question] != answer):
                break
            answers[test.question] = answer
        else:
            if condition.holds(answers):
                return answers
    return None


def witness(questionnaire: Questionnaire, question_id: str) -> dict[str, Answer] | None:
    """Answers under which the question is shown (following its shown_when chains back), or None if there are none."""
    answers: dict[str, Answer] = {}
    waiting = [questionnaire.by_id[question_id]]
    seen = {question_id}
    while waiting:
        current = waiting.pop()
        if current.shown_when is None:
            continue
        met = _meeting(questionnaire, current.shown_when)
        if met is None or any(qid in answers and answers[qid] != value for qid, value in met.items()):
            return None
        for parent_id, answer in met.items():
            answers[parent_id] = answer
            if parent_id not in seen:
                seen.add(parent_id)
                waiting.append(questionnaire.by_id[parent_id])
    return answers if _shown(questionnaire, question_id, answers) else None


def _shown(questionnaire: Questionnaire, question_id: str, answers: Mapping[str, Answer]) -> bool:
    """Whether the question is shown when the patient gives these answers, walking the pages in order."""
    given: dict[str, Answer] = {}
    for question in questionnaire.questions:
        if question.is_shown(given):
            if question.id == question_id:
                return True
            if question.id in answers:
                given[question.id] = answers[question.id]
    return False


def _questions_in(condition: Any) -> Iterator[str]:
    """The question ids a raw `when` condition names, however deeply nested."""
    if isinstance(condition, dict):
        if isinstance(condition.get("question"), str):
            yield condition["question"]
        for value in condition.values():
            yield from _questions_in(value)
    elif isinstance(condition, list):
        for item in condition:
            yield from _questions_in(item)


def _raw_reads() -> list[tuple[str, str]]:
    """(rule id, question id) for every question a rule's `when` names, read from the files without validation."""
    documents = read_ruleset_documents(resource_dir("rules"))
    return [
        (str(rule.get("id")), question_id)
        for name, document in sorted(documents.items())
        if name != HEADER
        for rule in document.get("rules") or []
        if isinstance(rule, dict)
        for question_id in _questions_in(rule.get("when"))
    ]


def test_no_rule_reads_an_id_that_is_neither_a_question_nor_a_derived_fact() -> None:
    questionnaire = default_questionnaire()
    unknown = [
        f"rule {rule} reads '{question_id}', which is neither a question of {questionnaire.version} nor a derived fact"
        for rule, question_id in _raw_reads()
        if question_id not in questionnaire.by_id and question_id not in DERIVED_BY_ID
    ]
    assert unknown == [], "\n".join(unknown)


def test_every_question_a_rule_reads_can_be_shown() -> None:
    questionnaire = default_questionnaire()
    ruleset = _ruleset()
    unreachable = [
        f"rule {rule.id} reads '{fact}', which no answers can bring onto a page of {questionnaire.version}"
        for rule in ruleset.rules
        for fact in facts_read(rule.when)
        if fact in questionnaire.by_id and witness(questionnaire, fact) is None
    ]
    assert unreachable == [], "\n".join(unreachable)


def test_every_derived_fact_a_rule_reads_has_a_reachable_question_behind_it() -> None:
    questionnaire = default_questionnaire()
    ruleset = _ruleset()
    unreachable = []
    for rule in ruleset.rules:
        for fact in facts_read(rule.when):
            if fact in questionnaire.by_id or fact not in DERIVED_BY_ID:
                continue
            reads = [q for q in DERIVED_BY_ID[fact].reads if q in questionnaire.by_id]
            if not any(witness(questionnaire, q) is not None for q in reads):
                unreachable.append(
                    f"rule {rule.id} reads the derived fact '{fact}', but none of the questions it reads"
                    f" ({', '.join(DERIVED_BY_ID[fact].reads)}) can be shown in {questionnaire.version}"
                )
    assert unreachable == [], "\n".join(unreachable)


def test_reachability_follows_chains_and_for_each_copies() -> None:
    questionnaire = default_questionnaire()
    copy = next(q for q in questionnaire.questions if q.id == "test_celiac_blood_result")
    assert witness(questionnaire, copy.id) == {"previous_tests": ["celiac_blood"]}
    chained = next(q for q in questionnaire.questions if q.id == "iron_tablets_no_help")
    assert witness(questionnaire, chained.id) == {"known_anaemia": "iron_deficiency"}
    assert witness(questionnaire, "full_name") == {}
    # A combination: a woman who still has periods (itself a follow-up of sex at birth), told she has anaemia.
    assert witness(questionnaire, "heavy_periods") == {
        "menopause_status": "still_periods",
        "known_anaemia": "iron_deficiency",
        "sex_at_birth": "female",
    }


def test_a_condition_no_valid_answer_meets_has_no_witness() -> None:
    questionnaire = default_questionnaire()
    sex, symptoms = questionnaire.by_id["sex_at_birth"], questionnaire.by_id["symptoms"]
    assert _satisfying(ShownWhen("sex_at_birth", "equals", "unknown"), sex) is None
    assert _satisfying(ShownWhen("symptoms", "includes", "hiccups"), symptoms) is None
    assert _satisfying(ShownWhen("symptoms", "at_least", len(symptoms.choices) + 1), symptoms) is None
    assert _satisfying(ShownWhen("sex_at_birth", "equals", "female"), sex) == "female"
