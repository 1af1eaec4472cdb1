"""The rule lint, in clinical words: a title naming an answer the condition never reads, a rule that can never fire
given when its questions are asked, two rules with the same condition and result, a parameter no rule uses."""

from __future__ import annotations

import copy
from typing import Any

from triage.db.evaluations import bundled_ruleset
from triage.domain.governance.lint import lint_documents, never_fires, unread_answers
from triage.web.rules.kept import used_parameters

RULESET = bundled_ruleset()
FACTS = RULESET.facts
BRISTOL = {"question": "bristol_type", "one_of": ["6", "7"]}


def rule(**fields: Any) -> dict[str, Any]:
    """A differential rule for IBS with these fields."""
    return {"id": "ibs_test", "kind": "differential", "differential": "ibs", "weight": 1, "title": "", **fields}


def test_a_title_naming_an_answer_of_a_question_the_condition_does_not_read_is_found() -> None:
    food = next(c.label for c in FACTS["triggers"].question.choices if c.value == "fatty_meals")  # type: ignore[union-attr]
    [message] = unread_answers(rule(title=f"Worse after {food.lower()}", when=BRISTOL), FACTS)
    assert message == (
        f"The title names “{food}” (an answer to “{FACTS['triggers'].label}”), but the condition does not read that question."
    )
    reads = {"all": [BRISTOL, {"question": "triggers", "includes": "fatty_meals"}]}
    assert unread_answers(rule(title=f"Worse after {food.lower()}", when=reads), FACTS) == []
    assert unread_answers(rule(title="Loose stools", when=BRISTOL), FACTS) == []


def test_an_answer_read_through_a_derived_fact_counts_as_read() -> None:
    # "Antibiotics in the last 4 weeks" is computed from the medicine list (among others), so a title may name its answers.
    derived = "antibiotics_in_last_4_weeks"
    assert FACTS[derived].question is None and "other_medicines" in FACTS[derived].reads
    iron = next(c.label for c in FACTS["other_medicines"].question.choices if c.value == "iron")  # type: ignore[union-attr]
    title = f"Antibiotics or {iron.lower()} lately"
    assert unread_answers(rule(title=title, when={"question": derived, "equals": True}), FACTS) == []
    assert unread_answers(rule(title=title, when=BRISTOL), FACTS) != []


def test_a_rule_needing_a_follow_up_that_its_own_condition_keeps_from_being_asked_can_never_fire() -> None:
    follow_up = FACTS["menopause_status"]
    when = {"all": [{"question": "sex_at_birth", "equals": "male"}, {"question": "menopause_status", "answered": True}]}
    [message] = never_fires(rule(when=when), FACTS)
    assert message.startswith(f"This rule can never fire: it needs an answer to “{follow_up.label}”")
    assert f"“{FACTS['sex_at_birth'].label}”" in message and "“" + FACTS["sex_at_birth"].display("male") + "”" in message
    asked = {"all": [{"question": "sex_at_birth", "equals": "female"}, {"question": "menopause_status", "answered": True}]}
    assert never_fires(rule(when=asked), FACTS) == []
    absent = {"all": [{"question": "sex_at_birth", "equals": "male"}, {"question": "menopause_status", "unanswered": True}]}
    assert never_fires(rule(when=absent), FACTS) == []  # holds precisely because the question is not asked


def test_identical_conditions_for_the_same_result_and_an_unused_parameter_are_found() -> None:
    documents = copy.deepcopy(RULESET.documents)
    twin = rule(id="ibs_twin", title="Loose stools", when=BRISTOL)
    documents["zz_lint.yaml"] = {"topic": "Lint", "rules": [rule(title="Loose stools", when=BRISTOL), twin]}
    documents["ruleset.yaml"]["parameters"]["spare_threshold"] = {"value": 3, "unit": "", "description": "", "source": ""}
    names = {"ibs_test": "Loose stools"}
    found = lint_documents(documents, FACTS, names, used_parameters(documents))
    assert [(w.rule, w.message) for w in found if w.rule in ("ibs_test", "ibs_twin", "")] == [
        ("ibs_twin", "This rule has the same condition as “Loose stools” (ibs_test) for the same result."),
        ("", "The parameter “spare_threshold” is not used by any rule."),
    ]
    baseline = lint_documents(RULESET.documents, FACTS, names, used_parameters(RULESET.documents))
    assert not [w for w in baseline if w.rule == ""]  # the bundled ruleset uses every parameter


def test_no_two_bundled_rules_count_the_same_answers_twice() -> None:
    # li_dairy_trigger (+1) read the same "milk gives me symptoms" answer as li_dairy_symptoms (+3) once questionnaire
    # version 2 asked dairy once: lactose intolerance got +4 for one answer. The bundled rules keep no such twin.
    found = lint_documents(RULESET.documents, FACTS, {}, used_parameters(RULESET.documents))
    assert [w.rule for w in found if "the same condition as" in w.message] == []
