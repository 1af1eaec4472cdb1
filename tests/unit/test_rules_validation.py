"""Ruleset validation: every kind of mistake is reported in plain words with file, line and rule id."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from triage.domain.engine.evaluate import RuleProblem, RulesetError, load_ruleset, load_ruleset_from_documents

HEADER = """\
version: "t1"
title: Test ruleset
note: Leaky gut is not diagnosed here.
parameters:
  old_age:
    value: 60
    unit: years
    description: An age threshold.
    source: Test source (2020)
differentials:
  - id: celiac_disease
    name: Coeliac disease
    description: Test differential.
    thresholds: {low: 1, moderate: 2, high: 3}
"""

GOOD_RULE = """\
  - id: {id}
    title: A rule
    explanation: One plain sentence.
    kind: caveat
    when: {{question: age_years, gte: {{param: old_age}}}}
    source: Test source (2020)
    author: Tester
    reviewed:
"""


def write(tmp_path: Path, rules: str, header: str = HEADER, name: str = "topic.yaml") -> Path:
    """A ruleset folder with ruleset.yaml and one topic file."""
    (tmp_path / "ruleset.yaml").write_text(header, encoding="utf-8")
    (tmp_path / name).write_text("topic: Test\nrules:\n" + textwrap.dedent(rules), encoding="utf-8")
    return tmp_path


def problems_of(directory: Path) -> list[RuleProblem]:
    """Load a folder that must fail and return its problems."""
    with pytest.raises(RulesetError) as caught:
        load_ruleset(directory)
    return caught.value.problems


def only(problems: list[RuleProblem]) -> RuleProblem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_a_valid_folder_loads(tmp_path: Path) -> None:
    ruleset = load_ruleset(write(tmp_path, GOOD_RULE.format(id="ok_rule")))
    assert [r.id for r in ruleset.rules] == ["ok_rule"]
    assert ruleset.version == "t1" and len(ruleset.sha256) == 64


def test_unknown_key_names_file_line_rule_and_suggests(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="typo_rule").replace("    explanation:", "    explantion:")
    problem = only(problems_of(write(tmp_path, rules)))
    assert (problem.file, problem.line, problem.rule) == ("topic.yaml", 5, "typo_rule")
    assert "'explantion' is not a known field" in problem.message and "Did you mean 'explanation'?" in problem.message


def test_unknown_question_suggests_the_closest_id(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="q_rule").replace(
        "{question: age_years, gte: {param: old_age}}", "{question: nocturnal_bowl, equals: yes}"
    )
    problem = only(problems_of(write(tmp_path, rules)))
    assert (problem.file, problem.line, problem.rule) == ("topic.yaml", 7, "q_rule")
    assert "'nocturnal_bowl' is not a question in the data dictionary" in problem.message
    assert "Did you mean 'nocturnal_bowel'?" in problem.message


def test_a_choice_the_question_does_not_offer(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="c_rule").replace(
        "{question: age_years, gte: {param: old_age}}", "{question: smoking, equals: smoker}"
    )
    problem = only(problems_of(write(tmp_path, rules)))
    assert problem.line == 7 and problem.rule == "c_rule"
    assert "does not offer the choice 'smoker'" in problem.message and "never, former, current" in problem.message


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ("{question: age_years, gte: old}", "is a number"),
        ("{question: bristol_type, gte: 5}", "cannot be compared with a number"),
        ("{question: symptoms, equals: bloating}", "use 'includes'"),
        ("{question: eats_gluten, equals: yes}", "compare it with true or false"),
        ("{question: main_concern, answered: true}", "never read by rules"),
        ("{question: smoking, gte: {param: old_age}}", "cannot be compared with a number"),
    ],
)
def test_comparisons_of_the_wrong_type(tmp_path: Path, condition: str, words: str) -> None:
    rules = GOOD_RULE.format(id="t_rule").replace("{question: age_years, gte: {param: old_age}}", condition)
    problem = only(problems_of(write(tmp_path, rules)))
    assert problem.rule == "t_rule" and problem.line == 7
    assert words in problem.message


def test_duplicate_rule_id_points_at_both_places(tmp_path: Path) -> None:
    directory = write(tmp_path, GOOD_RULE.format(id="same_id"))
    (directory / "other.yaml").write_text("topic: Other\nrules:\n" + GOOD_RULE.format(id="same_id"), encoding="utf-8")
    problem = only(problems_of(directory))
    assert (problem.file, problem.line, problem.rule) == ("topic.yaml", 3, "same_id")
    assert "used twice" in problem.message and "other.yaml, line 3" in problem.message


def test_undeclared_differential(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="d_rule").replace(
        "kind: caveat", "kind: differential\n    differential: celiac_diseases\n    weight: 2"
    )
    problem = only(problems_of(write(tmp_path, rules)))
    assert problem.rule == "d_rule" and problem.line == 7
    assert "'celiac_diseases' is not declared" in problem.message and "Did you mean 'celiac_disease'?" in problem.message


@pytest.mark.parametrize(
    "condition", ["{}", "{all: []}", "{any: []}", "", "{at_least: {n: 3, of: [{question: age_years, answered: true}]}}"]
)
def test_empty_or_impossible_conditions(tmp_path: Path, condition: str) -> None:
    rules = GOOD_RULE.format(id="e_rule").replace("{question: age_years, gte: {param: old_age}}", condition)
    problem = only(problems_of(write(tmp_path, rules)))
    assert problem.rule == "e_rule" and problem.line == 7


def test_unknown_parameter_suggests_a_declared_one(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="p_rule").replace("{param: old_age}", "{param: old_ages}")
    unknown = only(problems_of(write(tmp_path, rules)))
    assert unknown.rule == "p_rule" and unknown.line == 7 and "Did you mean 'old_age'?" in unknown.message


def test_an_unused_parameter_loads_and_is_left_to_the_rule_lint(tmp_path: Path) -> None:
    # An editor adds a parameter before the rule that reads it; the lint (tests/unit/test_rules_lint.py) reports it.
    rules = GOOD_RULE.format(id="u_rule").replace("{param: old_age}", "60")
    ruleset = load_ruleset(write(tmp_path, rules))
    assert "old_age" in ruleset.parameters


def test_unknown_condition_word_suggests_the_operator(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="o_rule").replace(
        "{question: age_years, gte: {param: old_age}}", "{question: smoking, equal: current}"
    )
    problem = only(problems_of(write(tmp_path, rules)))
    assert problem.line == 7 and "Did you mean 'equals'?" in problem.message


def test_general_knowledge_rules_cannot_carry_a_review_date(tmp_path: Path) -> None:
    rules = (
        GOOD_RULE.format(id="gk_rule")
        .replace("Test source (2020)", "General knowledge [GK], awaiting clinician confirmation")
        .replace("reviewed:", "reviewed: 2026-01-02")
    )
    problem = only(problems_of(write(tmp_path, rules)))
    assert problem.rule == "gk_rule" and problem.line == 10 and "[GK]" in problem.message


def test_bad_urgency_kind_and_weight_are_named(tmp_path: Path) -> None:
    rules = (
        GOOD_RULE.format(id="r1").replace("kind: caveat", "kind: red_flag\n    urgency: urgnet\n    action: Warrants review.")
        + GOOD_RULE.format(id="r2").replace("kind: caveat", "kind: caveats")
        + GOOD_RULE.format(id="r3").replace("kind: caveat", "kind: differential\n    differential: celiac_disease\n    weight: 0")
    )
    problems = problems_of(write(tmp_path, rules))
    by_rule = {p.rule: p for p in problems}
    assert "'urgnet' is not allowed" in by_rule["r1"].message and "Did you mean 'urgent'?" in by_rule["r1"].message
    assert "Did you mean 'caveat'?" in by_rule["r2"].message
    assert "weight of 0" in by_rule["r3"].message


def test_every_problem_is_collected_into_one_error(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="a1").replace("age_years", "age_yeras") + GOOD_RULE.format(id="a2").replace(
        "    title: A rule\n", ""
    )
    problems = problems_of(write(tmp_path, rules))
    assert {p.rule for p in problems} == {"a1", "a2"}
    assert any("'title' is missing" in p.message for p in problems)
    assert "2 problems found" in str(RulesetError(problems))


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    directory = write(tmp_path, GOOD_RULE.format(id="y1"))
    (directory / "broken.yaml").write_text("topic: Broken\nrules:\n  - id: x\n    title: [unclosed\n", encoding="utf-8")
    problem = only(problems_of(directory))
    assert problem.file == "broken.yaml" and problem.line is not None and "not valid YAML" in problem.message


def test_absurd_nesting_is_refused_with_a_message(tmp_path: Path) -> None:
    deep = "{not: " * 20 + "{question: age_years, answered: true}" + "}" * 20
    problem = only(
        problems_of(write(tmp_path, GOOD_RULE.format(id="deep").replace("{question: age_years, gte: {param: old_age}}", deep)))
    )
    assert problem.rule == "deep" and "nested more than" in problem.message
    (tmp_path / "topic.yaml").write_text("topic: x\nrules: " + "[" * 1000 + "]" * 1000, encoding="utf-8")
    assert "nested" in only(problems_of(tmp_path)).message


def test_header_problems_are_located(tmp_path: Path) -> None:
    header = HEADER.replace("thresholds: {low: 1, moderate: 2, high: 3}", "thresholds: {low: 3, moderate: 2, high: 1}").replace(
        "version:", "versoin:"
    )
    problems = problems_of(write(tmp_path, GOOD_RULE.format(id="h1"), header=header))
    assert any(p.file == "ruleset.yaml" and p.line == 1 and "Did you mean 'version'?" in p.message for p in problems)
    assert any(p.file == "ruleset.yaml" and "thresholds must rise" in p.message for p in problems)


def test_documents_from_a_database_are_validated_too() -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset_from_documents({"ruleset.yaml": {"version": "x"}, "a.yaml": {"topic": "t", "rules": [{"id": "r"}]}})
    messages = [str(p) for p in caught.value.problems]
    assert any("'title' is missing" in m for m in messages)
    assert any("a.yaml, rule 'r'" in m for m in messages)


def test_yes_and_no_stay_words_and_keys_stay_text(tmp_path: Path) -> None:
    rules = GOOD_RULE.format(id="w0") + GOOD_RULE.format(id="w1").replace(
        "{question: age_years, gte: {param: old_age}}", "{question: nocturnal_bowel, equals: no}"
    )
    ruleset = load_ruleset(write(tmp_path, rules))
    assert ruleset.rule("w1").when.value == "no"  # type: ignore[union-attr]
