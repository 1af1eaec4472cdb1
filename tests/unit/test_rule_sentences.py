"""Rules as plain-language sentences, with the data dictionary's question and choice labels."""

from __future__ import annotations

from typing import Any

import pytest

from triage.domain.engine.diff import rules_by_id
from triage.domain.engine.evaluate import load_ruleset
from triage.domain.engine.sentences import condition_words, rule_sentence

RULESET = load_ruleset()
FACTS = RULESET.facts
NAMES = {d.id: d.name for d in RULESET.differentials}
PARAMETERS = {"upper_gi_cancer_age": {"value": 55, "unit": "years"}}


def sentence(rule: dict[str, Any]) -> str:
    """The sentence of a rule in the default ruleset's terms."""
    return rule_sentence(rule, FACTS, NAMES, PARAMETERS)


def test_the_example_from_the_issue_reads_as_written() -> None:
    rule = {
        "kind": "differential",
        "differential": "celiac_disease",
        "weight": 2,
        "source": "ACG 2023",
        "when": {"all": [{"question": "worst_symptom_severity", "gte": 5}, {"question": "eats_gluten", "equals": True}]},
    }
    assert (
        sentence(rule) == f"IF {label('worst_symptom_severity')} is at least 5 AND “Currently eats gluten most days” is yes "
        "THEN Coeliac disease +2 — ACG 2023"
    )


def label(fact: str) -> str:
    """A fact's label from the data dictionary, quoted as sentences quote it."""
    return f"“{FACTS[fact].label}”"


def choice(fact: str, value: str) -> str:
    """A choice's label from the data dictionary."""
    question = FACTS[fact].question
    assert question is not None
    return question.choice_label(value)


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ({"question": "smoking", "equals": "never"}, f"{label('smoking')} is {choice('smoking', 'never')}"),
        (
            {"question": "age_years", "gte": {"param": "upper_gi_cancer_age"}},
            f"{label('age_years')} is at least 55 years (parameter upper_gi_cancer_age)",
        ),
        ({"question": "weight_loss_percent", "between": [5, 10.5]}, f"{label('weight_loss_percent')} is between 5 % and 10.5 %"),
        ({"question": "ibs_subtype", "one_of": ["diarrhoea", "mixed"]}, f"{label('ibs_subtype')} is diarrhoea or mixed"),
        ({"question": "known_anaemia", "unanswered": True}, f"{label('known_anaemia')} was left unanswered"),
        ({"not": {"question": "eats_gluten", "equals": False}}, f"NOT ({label('eats_gluten')} is no)"),
        (
            {
                "at_least": {
                    "n": 2,
                    "of": [
                        {"question": "eats_gluten", "equals": True},
                        {"question": "smoking", "answered": True},
                        {"question": "bmi", "lte": 18.5},
                    ],
                }
            },
            f"at least 2 of ({label('eats_gluten')} is yes; {label('smoking')} was answered; "
            f"{label('bmi')} is at most 18.5 kg/m2)",
        ),
        (
            {"any": [{"question": "symptoms", "includes": "bloating"}, {"question": "symptoms", "includes": "wind"}]},
            f"{label('symptoms')} includes any of {choice('symptoms', 'bloating')} or {choice('symptoms', 'wind')}",
        ),
        (
            {"all": [{"question": "symptoms", "includes": "bloating"}, {"question": "symptoms", "includes": "wind"}]},
            f"{label('symptoms')} includes {choice('symptoms', 'bloating')} and {choice('symptoms', 'wind')}",
        ),
        (
            {
                "all": [
                    {"question": "eats_gluten", "equals": True},
                    {"any": [{"question": "smoking", "equals": "never"}, {"question": "bmi", "gte": 30}]},
                ]
            },
            f"{label('eats_gluten')} is yes AND ({label('smoking')} is {choice('smoking', 'never')} "
            f"OR {label('bmi')} is at least 30 kg/m2)",
        ),
    ],
)
def test_conditions_read_with_labels_units_and_brackets(condition: dict[str, Any], words: str) -> None:
    assert condition_words(condition, FACTS, PARAMETERS) == words


def test_each_kind_of_rule_says_what_it_does() -> None:
    when = {"question": "eats_gluten", "equals": True}
    assert sentence({"kind": "red_flag", "urgency": "urgent", "action": "Refer.", "when": when}).endswith(
        "THEN red flag (urgent): Refer."
    )
    assert sentence({"kind": "investigation", "test": "tTG-IgA", "when": when}).endswith("THEN suggest the test: tTG-IgA")
    assert sentence({"kind": "caveat", "title": "Serology unreliable", "when": when, "source": "NICE"}).endswith(
        "THEN caveat: Serology unreliable — NICE"
    )
    assert sentence({"kind": "differential", "differential": "ibs", "weight": -3, "when": when}).endswith(
        "THEN Irritable bowel syndrome -3"
    )


def test_half_written_rules_still_read_rather_than_raise() -> None:
    assert (
        sentence({"kind": "differential", "when": {"question": "no_such_question", "equals": "x"}})
        == "IF “no_such_question” is x THEN None (weight missing)"
    )
    assert sentence({"when": {}}).startswith("IF (empty condition) THEN (unknown kind")
    assert "{{ 7*7 }}" in sentence({"kind": "caveat", "title": "{{ 7*7 }}", "when": {"question": "bmi", "answered": True}})


def test_every_default_rule_has_a_sentence_naming_no_raw_question_id() -> None:
    for _file, rule in rules_by_id(RULESET.documents).values():
        text = sentence(dict(rule))
        assert text.startswith("IF ") and " THEN " in text and "(empty condition)" not in text and "unreadable" not in text
